"""The synthetic area: deterministic, coherent, realistic in its shares, fast; simulated grades calibrated."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pandas as pd
import pytest

from audit.store.models import Plan
from audit.synthetic.area import (
    ADVICE_TYPES,
    REGISTER_COLUMNS,
    auditor_codes,
    generate_auditors,
    generate_register,
    write_synthetic_area,
)
from audit.synthetic.grading import simulate_grades
from audit.vocabulary import YEAR_GROUPS, Agency, Grade, NeedCode, Phase, PlanStatus

AS_OF = date(2026, 11, 1)
PHASE_YEARS = {
    "early_years": {"N1", "N2", "R"},
    "primary": {str(y) for y in range(1, 7)},
    "secondary": {str(y) for y in range(7, 12)},
    "post_16": {"12", "13", "14"},
    "post_19": {"14"},
}


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return generate_register(seed=42, n_plans=5000, as_of=AS_OF)


def _days(frame: pd.DataFrame, later: str, earlier: str) -> pd.Series:
    both = frame[later].notna() & frame[earlier].notna()
    return (pd.to_datetime(frame.loc[both, later]) - pd.to_datetime(frame.loc[both, earlier])).dt.days


def test_same_seed_same_register_and_different_seed_differs():
    a = generate_register(seed=7, n_plans=300)
    pd.testing.assert_frame_equal(a, generate_register(seed=7, n_plans=300))
    assert not a.equals(generate_register(seed=8, n_plans=300))


def test_columns_are_exactly_the_register_columns_in_order(register):
    expected = [n for n in Plan.model_fields if n not in {"id", "area_id", "imported_at"}]
    assert list(register.columns) == REGISTER_COLUMNS == expected
    assert len(register) == 5000


def test_values_come_from_the_vocabularies(register):
    assert set(register.phase) <= set(Phase.values())
    assert set(register.primary_need) <= set(NeedCode.values())
    assert set(register.status) <= set(PlanStatus.values())
    assert set(register.year_group) <= set(YEAR_GROUPS)
    assert set(register.timescale_exception) == {"yes", "no"}
    assert set(register.team) == {"North", "South", "East", "West", "Post-16"}
    assert register.case_officer.str.fullmatch(r"CO-(0[1-9]|1[0-2])").all()


def test_dates_are_dates_or_none(register):
    for column in [c for c in REGISTER_COLUMNS if c.endswith(("_date", "_requested", "_received"))]:
        values = register[column].tolist()
        assert all(v is None or type(v) is date for v in values), column
        # A move is planned in advance (a post-16 move is amended 5 months before it); everything else has happened.
        latest = AS_OF + timedelta(days=183) if column in PLANNED else AS_OF
        assert all(v is None or v <= latest for v in values), column
    assert all(v is None or isinstance(v, str) for v in register.health_advice_author)


PLANNED = {"phase_transfer_date", "transfer_in_move_date", "transfer_out_move_date"}


def test_the_statutory_clock_columns_are_coherent(register):
    """Issue 22's columns: each clock starts before it stops, and every kind of case is there to measure."""
    frame = register
    assert (frame.request_date.isna() == frame.area_started_date.notna()).all()  # one start or the other
    for later, earlier in [("amendment_issued_date", "amendment_notice_date"),
                           ("transfer_out_sent_date", "transfer_out_notified_date"),
                           ("transfer_in_family_told_date", "transfer_in_received_date"),
                           ("transfer_in_review_date", "transfer_in_received_date"),
                           ("amendment_notice_date", "final_issued_date"),
                           ("phase_transfer_amended_date", "final_issued_date")]:
        assert (_days(frame, later, earlier) >= 0).all(), later
    assert set(frame.decision_to_assess_outcome.dropna()) == {"assess", "not_assess"}
    assert frame.decision_to_assess_outcome[frame.final_issued_date.notna()].dropna().eq("assess").all()
    for flag in ["decision_to_assess_exception", "health_advice_exception", "post_16_move"]:
        assert frame[flag].dtype == bool and 0 < frame[flag].sum() < len(frame) / 10, flag
    moves = frame[frame.post_16_move]
    assert moves.year_group.isin(["13", "14"]).all() and moves.phase_transfer_to.eq("post_16").all()
    for column in ["decision_not_to_issue_date", "transfer_in_review_date", "transfer_out_sent_date"]:
        assert frame[column].notna().sum() > 10, column


def test_plan_refs_are_unique_and_pseudonymous(register):
    assert register.plan_ref.is_unique
    assert register.plan_ref.str.fullmatch(r"DEMO-[0-9A-Z]{8}").all()
    other = generate_register(seed=42, n_plans=10, area_code="LA123")
    assert other.plan_ref.str.startswith("LA123-").all()


def test_year_group_and_team_are_consistent_with_phase(register):
    for phase, years in PHASE_YEARS.items():
        rows = register[register.phase == phase]
        assert len(rows) and set(rows.year_group) <= years, phase
    post = register.phase.isin(["post_16", "post_19"])
    assert (register.team[post] == "Post-16").all()
    assert (register.team[~post] != "Post-16").all()
    assert not register.loc[register.phase == "early_years", "setting_type"].eq("Further education college").any()


def test_primary_need_mix_follows_england_2025(register):
    shares = register.primary_need.value_counts(normalize=True)
    for need, expected in {"ASD": 0.315, "SLCN": 0.213, "SEMH": 0.207, "MLD": 0.106}.items():
        assert shares[need] == pytest.approx(expected, abs=0.025), need
    assert shares.get("NSA", 0) < 0.02


def test_status_mix(register):
    shares = register.status.value_counts(normalize=True)
    assert shares["active"] == pytest.approx(0.92, abs=0.02)
    assert shares["ceased"] == pytest.approx(0.05, abs=0.015)
    assert shares["transferred"] == pytest.approx(0.03, abs=0.012)


def test_about_half_of_new_plans_are_issued_within_20_weeks(register):
    no_exception = register[register.timescale_exception == "no"]
    weeks = _days(no_exception, "final_issued_date", "request_date") / 7
    assert 0.43 <= (weeks <= 20).mean() <= 0.54
    exceptions = register[register.timescale_exception == "yes"]
    assert (register.timescale_exception == "yes").mean() == pytest.approx(0.05, abs=0.015)
    assert (_days(exceptions, "final_issued_date", "request_date") > 140).all()


def test_some_recent_requests_are_not_yet_finalised(register):
    open_requests = register[register.final_issued_date.isna()]
    assert 0 < len(open_requests) < 0.2 * len(register)
    recent = register.request_date >= AS_OF - timedelta(weeks=20)
    assert register.final_issued_date[recent].isna().mean() > 0.5
    assert (open_requests.status == "active").all()


def test_no_date_runs_backwards(register):
    assert (_days(register, "final_issued_date", "request_date") >= 0).all()
    assert (_days(register, "review_decision_date", "last_review_meeting_date") >= 0).all()
    assert (_days(register, "last_review_meeting_date", "final_issued_date") > 0).all()
    for t in ADVICE_TYPES:
        assert (_days(register, f"{t}_advice_received", f"{t}_advice_requested") >= 0).all(), t
        assert (_days(register, f"{t}_advice_requested", "request_date") >= 0).all(), t
        assert register[f"{t}_advice_received"][register[f"{t}_advice_requested"].isna()].isna().all(), t
        # the final plan is written from the advice, so it cannot come first
        assert (_days(register, "final_issued_date", f"{t}_advice_received") > 0).all(), t


def test_advice_requested_and_on_time_shares_by_agency(register):
    requested = {t: register[f"{t}_advice_requested"].notna().mean() for t in ADVICE_TYPES}
    assert requested["education"] > 0.9 and requested["health"] > 0.9
    assert requested["social_care"] == pytest.approx(0.35, abs=0.04)
    expected = {"education": 0.75, "educational_psychology": 0.55, "health": 0.60, "social_care": 0.50}
    for t, share in expected.items():
        on_time = (_days(register, f"{t}_advice_received", f"{t}_advice_requested") <= 42).mean()
        assert on_time == pytest.approx(share, abs=0.05), t


def test_advice_authors_include_auditor_codes_for_about_30_percent(register):
    codes = {c for cs in auditor_codes().values() for c in cs}
    authors = register[[f"{t}_advice_author" for t in ADVICE_TYPES]]
    conflicted = authors.isin(codes).any(axis=1)
    assert conflicted.mean() == pytest.approx(0.30, abs=0.04)
    named = {a for a in authors.stack().dropna() if a.startswith("AUD-")}
    assert named and named <= set(generate_auditors(seed=42).code)
    # an advice giver who audits belongs to the agency that wrote that advice (EPs audit with education)
    assert {a[:7] for a in register.health_advice_author.dropna() if a.startswith("AUD-")} == {"AUD-HE-"}


def test_annual_reviews_mostly_in_date(register):
    active = register[(register.status == "active") & register.final_issued_date.notna()]
    due = active[active.final_issued_date <= AS_OF - timedelta(days=365)]
    meeting = due.last_review_meeting_date
    in_date = meeting.notna() & (meeting.map(lambda d: d is not None and d > AS_OF - timedelta(days=365)))
    assert 1 - in_date.mean() == pytest.approx(0.17, abs=0.04)
    held = register[register.last_review_meeting_date.notna()]
    decided = _days(held, "review_decision_date", "last_review_meeting_date")
    assert (decided <= 28).mean() == pytest.approx(0.60, abs=0.05)
    missing = held[held.review_decision_date.isna()]
    assert 0 < len(missing) < 0.2 * len(held)
    assert (missing.last_review_meeting_date >= AS_OF - timedelta(days=240)).all()


def test_auditors_default_pool_and_custom_counts():
    auditors = generate_auditors(seed=1)
    assert list(auditors.columns) == ["code", "agency", "team", "email", "active"]
    assert auditors.agency.value_counts().to_dict() == {
        "sen_team": 6, "education": 6, "health": 5, "social_care": 4, "parent_carer_forum": 2,
    }  # fmt: skip
    assert set(auditors.agency) <= set(Agency.values())
    assert auditors.code.is_unique and auditors.active.all()
    assert "AUD-ED-03" in set(auditors.code)
    assert auditors.email.str.endswith("@example.invalid").all()
    small = generate_auditors(seed=1, per_agency={"education": 2, "health": 1})
    assert small.code.tolist() == ["AUD-ED-01", "AUD-ED-02", "AUD-HE-01"]
    register = generate_register(seed=3, n_plans=2000, per_agency={"education": 2, "health": 1})
    used = set(register.stack().loc[lambda s: s.astype(str).str.startswith("AUD-")])
    assert used and used <= set(small.code)


def test_write_synthetic_area(tmp_path):
    paths = write_synthetic_area(tmp_path / "demo", seed=5, n_plans=50, as_of=AS_OF)
    register = pd.read_csv(paths["register"], dtype=str, keep_default_na=False)
    assert list(register.columns) == REGISTER_COLUMNS and len(register) == 50
    assert set(register.timescale_exception) <= {"yes", "no"}
    assert register.request_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (register.social_care_advice_requested == "").any()  # None is an empty cell
    auditors = pd.read_csv(paths["auditors"], dtype=str, keep_default_na=False)
    assert set(auditors.active) == {"yes"}
    assert not list((tmp_path / "demo").glob("*.tmp"))


# Sections and criteria shaped like a whole-plan rubric: 12 sections, 30 criteria.
SECTIONS = {"A": 3, "B": 3, "C": 2, "D": 2, "E": 4, "F": 4, "G": 2, "H1": 2, "H2": 2, "I": 2, "J": 2, "K": 2}
CRITERIA = [(s, f"{s}.{i}") for s, k in SECTIONS.items() for i in range(1, k + 1)]


def _plan_grade(grades: dict[str, tuple[Grade, str]]) -> Grade:
    values = [int(g) for g, _ in grades.values()]
    return Grade(min(4, max(1, int(sum(values) / len(values) + 0.5))))


def test_simulate_grades_is_deterministic_and_covers_every_criterion():
    first = simulate_grades(CRITERIA, "DEMO-ABCDEFGH", "AUD-ED-01", seed=9)
    assert first == simulate_grades(CRITERIA, "DEMO-ABCDEFGH", "AUD-ED-01", seed=9)
    assert set(first) == {c for _, c in CRITERIA}
    assert all(isinstance(g, Grade) for g, _ in first.values())
    others = [simulate_grades(CRITERIA, f"DEMO-{i:08d}", "AUD-ED-01", seed=9) for i in range(5)]
    assert any(o != first for o in others)


def test_simulated_plan_grades_match_the_published_review():
    plans = Counter(
        _plan_grade(simulate_grades(CRITERIA, f"DEMO-{i:08d}", f"AUD-ED-{i % 6 + 1:02d}", seed=2026))
        for i in range(400)
    )
    share = {g: plans[g] / 400 for g in Grade}
    assert 0.45 <= share[Grade.REQUIRES_IMPROVEMENT] <= 0.70
    assert 0.20 <= share[Grade.GOOD] <= 0.45
    assert share[Grade.INADEQUATE] <= 0.12 and share[Grade.OUTSTANDING] <= 0.12


def test_weak_grades_have_comments_and_outcomes_are_weakest():
    by_section: dict[str, list[int]] = {}
    for i in range(300):
        for cid, (grade, comment) in simulate_grades(CRITERIA, f"DEMO-{i:08d}", "AUD-HE-01", seed=4).items():
            if grade.is_weak:
                assert comment.strip(), cid
            by_section.setdefault(cid.split(".")[0], []).append(int(grade))
    mean = {s: sum(v) / len(v) for s, v in by_section.items()}
    assert min(mean, key=mean.get) == "E"
    assert mean["C"] < mean["B"] and mean["D"] < mean["B"]


def test_auditor_bias_shifts_grades_up():
    plain = [simulate_grades(CRITERIA, f"DEMO-{i:08d}", "AUD-SC-01", seed=1) for i in range(100)]
    lenient = [simulate_grades(CRITERIA, f"DEMO-{i:08d}", "AUD-SC-01", seed=1, auditor_bias=0.5) for i in range(100)]
    total = lambda runs: sum(int(g) for r in runs for g, _ in r.values())  # noqa: E731
    assert total(lenient) > total(plain)


def test_two_auditors_of_one_plan_mostly_agree():
    same = total = 0
    for i in range(100):
        a = simulate_grades(CRITERIA, f"DEMO-{i:08d}", "AUD-ED-01", seed=3)
        b = simulate_grades(CRITERIA, f"DEMO-{i:08d}", "AUD-ED-02", seed=3)
        same += sum(a[c][0] == b[c][0] for c in a)
        total += len(a)
    assert 0.6 <= same / total < 1.0


def test_speed_smoke_100k_plans():
    start = time.perf_counter()
    frame = generate_register(seed=1, n_plans=100_000)
    assert time.perf_counter() - start < 10  # a sanity bound, not a benchmark
    assert len(frame) == 100_000 and frame.plan_ref.is_unique
