"""Timeliness measures: every clock boundary by hand, then a brute-force reference on random registers."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.register.frames import PLAN_DATE_COLUMNS
from audit.timeliness.measures import (
    Measure,
    TimelinessReport,
    compute_timeliness,
    default_period_start,
    within_20_weeks,
)

AS_OF = date(2024, 12, 31)
START = date(2024, 1, 1)
ADVICE = ["education", "health", "social_care", "educational_psychology"]
FINAL_KEYS = [
    "final_plan_20_weeks_including_exceptions",
    "final_plan_20_weeks_excluding_exceptions",
    "final_plan_20_weeks_exception_cases",
]
ALL_KEYS = FINAL_KEYS + [f"advice_6_weeks_{a}" for a in ADVICE] + [
    "annual_review_12_months",
    "review_decision_4_weeks",
]


def register(*rows: dict) -> pd.DataFrame:
    """A plans frame shaped like audit.register.frames.plans_frame, from a few fields per plan."""
    base = dict.fromkeys(PLAN_DATE_COLUMNS) | {"status": "active", "timescale_exception": False, "team": "North"}
    frame = pd.DataFrame([base | row for row in rows], columns=list(base))
    for column in PLAN_DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def counts(report: TimelinessReport, key: str, group: str | None = None) -> tuple[int, int]:
    measure = report.get(key, group)
    return measure.met, measure.total


def days(n: int, after: date) -> date:
    return after + timedelta(days=n)


# --- the scalar helper and the period ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_date", "issued", "expected"),
    [
        (date(2024, 1, 1), date(2024, 5, 20), True),  # day 140
        (date(2024, 1, 1), date(2024, 5, 21), False),  # day 141
        (date(2024, 1, 1), date(2024, 1, 1), True),
        (date(2024, 1, 1), None, None),
        (date(2024, 1, 1), pd.NaT, None),
        (None, date(2024, 5, 1), False),
        (date(2024, 5, 2), date(2024, 5, 1), False),  # clock runs backwards: a recording error
    ],
)
def test_within_20_weeks(request_date, issued, expected):
    assert within_20_weeks(request_date, issued) is expected


@pytest.mark.parametrize(
    ("as_of", "start"),
    [(date(2024, 12, 31), date(2024, 1, 1)), (date(2024, 2, 29), date(2023, 3, 1)), (date(2025, 3, 31), date(2024, 4, 1))],
)
def test_default_period_is_the_12_months_ending_on_as_of(as_of, start):
    assert default_period_start(as_of) == start
    report = compute_timeliness(register(), as_of)
    assert (report.period_start, report.period_end, report.as_of) == (start, as_of, as_of)


def test_period_start_after_as_of_is_refused():
    with pytest.raises(ValueError, match="period_start"):
        compute_timeliness(register(), AS_OF, period_start=date(2025, 1, 1))


def test_a_frame_without_a_needed_column_is_named():
    with pytest.raises(ValueError, match="health_advice_received"):
        compute_timeliness(register().drop(columns=["health_advice_received"]), AS_OF)


def test_grouping_by_an_unknown_column_is_named():
    with pytest.raises(ValueError, match="locality"):
        compute_timeliness(register(), AS_OF, by="locality")


# --- a) final plan within 20 weeks ------------------------------------------------------------------


def test_20_weeks_is_140_days_inclusive():
    request = date(2024, 3, 1)
    frame = register(
        {"request_date": request, "final_issued_date": days(140, request)},
        {"request_date": request, "final_issued_date": days(141, request)},
    )
    assert counts(compute_timeliness(frame, AS_OF), FINAL_KEYS[0]) == (1, 2)


@pytest.mark.parametrize(
    ("issued", "counted"),
    [(START, True), (START - timedelta(days=1), False), (AS_OF, True), (AS_OF + timedelta(days=1), False)],
)
def test_20_week_population_is_plans_issued_in_the_period_inclusive(issued, counted):
    frame = register({"request_date": issued - timedelta(days=10), "final_issued_date": issued})
    assert counts(compute_timeliness(frame, AS_OF), FINAL_KEYS[0]) == ((1, 1) if counted else (0, 0))


def test_plans_not_yet_issued_are_not_in_the_20_week_figure():
    frame = register({"request_date": date(2024, 1, 1)})
    assert counts(compute_timeliness(frame, AS_OF), FINAL_KEYS[0]) == (0, 0)


def test_20_week_figure_counts_every_status():
    frame = register(
        {"request_date": date(2024, 2, 1), "final_issued_date": date(2024, 3, 1), "status": "ceased"},
        {"request_date": date(2024, 2, 1), "final_issued_date": date(2024, 3, 1), "status": "transferred"},
    )
    assert counts(compute_timeliness(frame, AS_OF), FINAL_KEYS[0]) == (2, 2)


def test_exception_cases_are_reported_three_ways_and_never_dropped():
    frame = register(
        {"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 3, 1)},  # on time
        {"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 9, 1)},  # late
        {"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 9, 1), "timescale_exception": True},
        {"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 2, 1), "timescale_exception": True},
        {"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 10, 1), "timescale_exception": True},
    )
    report = compute_timeliness(frame, AS_OF)
    assert counts(report, "final_plan_20_weeks_including_exceptions") == (2, 5)
    assert counts(report, "final_plan_20_weeks_excluding_exceptions") == (1, 2)
    assert counts(report, "final_plan_20_weeks_exception_cases") == (1, 3)


def test_a_plan_with_no_request_date_counts_as_not_met():
    frame = register({"final_issued_date": date(2024, 6, 1)})
    assert counts(compute_timeliness(frame, AS_OF), FINAL_KEYS[0]) == (0, 1)


@pytest.mark.parametrize(
    ("flags", "excluded"),
    [(["yes", "no", None], 1), ([True, False, None], 1), ([" Yes", "NO", ""], 1), ([1, 0, 0], 1)],
)
def test_the_exception_flag_reads_as_the_store_and_register_files_write_it(flags, excluded):
    frame = register(*({"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 2, 1)} for _ in flags))
    frame["timescale_exception"] = pd.Series(flags, dtype=object)
    report = compute_timeliness(frame, AS_OF)
    assert counts(report, "final_plan_20_weeks_exception_cases") == (excluded, excluded)
    assert counts(report, "final_plan_20_weeks_excluding_exceptions") == (3 - excluded, 3 - excluded)


def test_missing_exception_flag_means_no_exception():
    frame = register({"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 2, 1), "timescale_exception": None})
    assert counts(compute_timeliness(frame, AS_OF), FINAL_KEYS[1]) == (1, 1)


# --- b) advice within 6 weeks -----------------------------------------------------------------------


@pytest.mark.parametrize("advice", ADVICE)
def test_advice_is_due_within_42_days_inclusive(advice):
    requested = date(2024, 6, 3)
    frame = register(
        {f"{advice}_advice_requested": requested, f"{advice}_advice_received": days(42, requested)},
        {f"{advice}_advice_requested": requested, f"{advice}_advice_received": days(43, requested)},
    )
    report = compute_timeliness(frame, AS_OF)
    assert counts(report, f"advice_6_weeks_{advice}") == (1, 2)
    others = [a for a in ADVICE if a != advice]
    assert all(counts(report, f"advice_6_weeks_{a}") == (0, 0) for a in others)


@pytest.mark.parametrize(
    ("requested", "counted"),
    [
        (AS_OF - timedelta(days=43), True),  # day 43 is as_of: overdue today
        (AS_OF - timedelta(days=42), False),  # deadline is today: still time
        (START - timedelta(days=43), True),  # became overdue on the first day of the period
        (START - timedelta(days=44), False),  # became overdue before the period
    ],
)
def test_outstanding_advice_counts_as_not_met_from_the_day_it_is_overdue(requested, counted):
    frame = register({"health_advice_requested": requested})
    assert counts(compute_timeliness(frame, AS_OF), "advice_6_weeks_health") == ((0, 1) if counted else (0, 0))


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (START, (0, 1)),
        (START - timedelta(days=1), (0, 0)),
        (AS_OF, (0, 1)),
        (AS_OF + timedelta(days=1), (0, 0)),  # unknown on as_of, and it became overdue before the period
    ],
)
def test_late_advice_is_counted_in_the_period_it_was_received(received, expected):
    requested = date(2023, 10, 1)  # overdue from 12 Nov 2023, before the period
    frame = register({"education_advice_requested": requested, "education_advice_received": received})
    assert counts(compute_timeliness(frame, AS_OF), "advice_6_weeks_education") == expected


def test_advice_received_after_as_of_is_outstanding_on_as_of():
    requested = date(2024, 11, 1)
    frame = register({"education_advice_requested": requested, "education_advice_received": date(2025, 1, 5)})
    assert counts(compute_timeliness(frame, AS_OF), "advice_6_weeks_education") == (0, 1)


def test_advice_received_without_a_request_date_is_not_met():
    frame = register({"social_care_advice_received": date(2024, 5, 1)})
    assert counts(compute_timeliness(frame, AS_OF), "advice_6_weeks_social_care") == (0, 1)


def test_advice_neither_received_nor_due_is_not_counted():
    frame = register({"educational_psychology_advice_requested": date(2024, 12, 1)})
    assert counts(compute_timeliness(frame, AS_OF), "advice_6_weeks_educational_psychology") == (0, 0)


# --- c) annual review within 12 months --------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "in_population"),
    [(date(2023, 12, 31), False), (date(2023, 12, 30), True), (date(2024, 6, 1), False)],
)
def test_annual_review_population_starts_the_day_after_the_first_anniversary(issued, in_population):
    frame = register({"final_issued_date": issued})
    assert counts(compute_timeliness(frame, AS_OF), "annual_review_12_months") == ((0, 1) if in_population else (0, 0))


@pytest.mark.parametrize(
    ("review", "met"),
    [
        (date(2023, 12, 31), True),  # exactly 12 months ago: still in date
        (date(2023, 12, 30), False),
        (date(2024, 7, 1), True),
        (date(2025, 1, 10), False),  # after as_of: had not happened yet
        (None, False),
    ],
)
def test_annual_review_is_in_date_up_to_12_calendar_months_inclusive(review, met):
    frame = register({"final_issued_date": date(2022, 5, 1), "last_review_meeting_date": review})
    assert counts(compute_timeliness(frame, AS_OF), "annual_review_12_months") == ((1, 1) if met else (0, 1))


@pytest.mark.parametrize(("as_of", "met"), [(date(2025, 2, 28), True), (date(2025, 3, 1), False)])
def test_a_leap_day_review_is_in_date_until_28_february(as_of, met):
    frame = register({"final_issued_date": date(2022, 5, 1), "last_review_meeting_date": date(2024, 2, 29)})
    assert counts(compute_timeliness(frame, as_of), "annual_review_12_months") == ((1, 1) if met else (0, 1))


@pytest.mark.parametrize(("review", "met"), [(date(2023, 2, 28), False), (date(2023, 3, 1), True)])
def test_on_a_leap_day_a_review_on_28_february_last_year_is_out_of_date(review, met):
    frame = register({"final_issued_date": date(2020, 5, 1), "last_review_meeting_date": review})
    assert counts(compute_timeliness(frame, date(2024, 2, 29)), "annual_review_12_months") == ((1, 1) if met else (0, 1))


@pytest.mark.parametrize(("as_of", "counted"), [(date(2025, 2, 28), False), (date(2025, 3, 1), True)])
def test_a_leap_day_plan_first_falls_due_on_28_february(as_of, counted):
    frame = register({"final_issued_date": date(2024, 2, 29)})
    assert counts(compute_timeliness(frame, as_of), "annual_review_12_months") == ((0, 1) if counted else (0, 0))


@pytest.mark.parametrize("status", ["ceased", "transferred"])
def test_only_active_plans_need_an_annual_review(status):
    frame = register({"final_issued_date": date(2020, 1, 1), "status": status})
    assert counts(compute_timeliness(frame, AS_OF), "annual_review_12_months") == (0, 0)


# --- d) review decision within 4 weeks --------------------------------------------------------------


def test_review_decision_is_due_within_28_days_inclusive():
    meeting = date(2024, 4, 10)
    frame = register(
        {"last_review_meeting_date": meeting, "review_decision_date": days(28, meeting)},
        {"last_review_meeting_date": meeting, "review_decision_date": days(29, meeting)},
    )
    assert counts(compute_timeliness(frame, AS_OF), "review_decision_4_weeks") == (1, 2)


@pytest.mark.parametrize(
    ("meeting", "counted"),
    [(AS_OF - timedelta(days=29), True), (AS_OF - timedelta(days=28), False), (START - timedelta(days=30), False)],
)
def test_a_meeting_without_a_decision_is_not_met_from_day_29(meeting, counted):
    frame = register({"last_review_meeting_date": meeting})
    assert counts(compute_timeliness(frame, AS_OF), "review_decision_4_weeks") == ((0, 1) if counted else (0, 0))


def test_a_decision_in_the_period_for_a_meeting_before_it_is_counted():
    frame = register({"last_review_meeting_date": date(2023, 12, 20), "review_decision_date": date(2024, 1, 10)})
    assert counts(compute_timeliness(frame, AS_OF), "review_decision_4_weeks") == (1, 1)


# --- no data, grouping and the JSON view ------------------------------------------------------------


def test_an_empty_register_shows_no_data_for_every_measure():
    report = compute_timeliness(register(), AS_OF)
    keys = [m.key for m in report.measures]
    assert set(ALL_KEYS) <= set(keys) and len(keys) == len(set(keys)) == 30  # issues 8 and 22 add measures
    assert all(m.total == 0 and m.percent is None and m.shown == "no data" for m in report.measures)
    assert all(m["percent"] is None for m in report.to_dict()["measures"])


def test_percent_and_not_met():
    measure = Measure("k", "label", "definition", met=1, total=3, target_days=42)
    assert measure.not_met == 2
    assert measure.percent == pytest.approx(33.333, abs=1e-3)
    assert measure.to_dict()["percent"] == 33.3
    assert Measure("k", "l", "d", met=0, total=4, target_days=None).percent == 0.0


def test_to_dict_is_json_ready():
    frame = register({"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 2, 1)})
    data = json.loads(json.dumps(compute_timeliness(frame, AS_OF).to_dict()))
    assert data["as_of"] == "2024-12-31" and data["period_start"] == "2024-01-01"
    first = next(m for m in data["measures"] if m["key"] == FINAL_KEYS[0])
    assert first["percent"] == 100.0 and first["group"] is None
    assert first["definition"].startswith("Every plan whose final plan was issued 1 January 2024 to 31 December 2024")


def test_every_definition_states_its_period_or_date():
    for measure in compute_timeliness(register(), AS_OF).measures:
        assert "31 December 2024" in measure.definition, measure.key


def test_grouping_by_team_gives_every_team_every_measure():
    frame = register(
        {"team": "North", "request_date": date(2024, 1, 1), "final_issued_date": date(2024, 2, 1),
         "health_advice_requested": date(2024, 3, 1), "health_advice_received": date(2024, 3, 20)},
        {"team": "South", "request_date": date(2024, 1, 1), "final_issued_date": date(2024, 9, 1)},
        {"team": None, "request_date": date(2024, 1, 1), "final_issued_date": date(2024, 2, 1)},
    )
    report = compute_timeliness(frame, AS_OF, by="team")
    groups = [m.group for m in report.measures if m.key == FINAL_KEYS[0]]
    assert groups == [None, "(not recorded)", "North", "South"]
    assert counts(report, FINAL_KEYS[0], "South") == (0, 1)
    assert counts(report, "advice_6_weeks_health", "North") == (1, 1)
    south_health = report.get("advice_6_weeks_health", "South")
    assert south_health.total == 0 and south_health.percent is None
    for key in ALL_KEYS:
        overall = report.get(key)
        parts = [m for m in report.measures if m.key == key and m.group is not None]
        assert sum(m.total for m in parts) == overall.total and sum(m.met for m in parts) == overall.met


# --- an independent reference, written as a QA officer would count by hand --------------------------


def reference(rows: list[dict], as_of: date, start: date, group: str | None = None) -> dict[str, tuple[int, int]]:
    """Plain-Python counts for one group (None = all), from the written definitions, not the code."""
    tally = {key: [0, 0] for key in ALL_KEYS}

    def count(key: str, met: bool) -> None:
        tally[key][1] += 1
        tally[key][0] += int(met)

    def in_period(d: date | None) -> bool:
        return d is not None and start <= d <= as_of

    def on_time(begin: date | None, end: date | None, limit: int) -> bool:
        return begin is not None and end is not None and 0 <= (end - begin).days <= limit

    def stopped_or_overdue(key: str, begin: date | None, end: date | None, limit: int) -> None:
        if end is not None and end > as_of:
            end = None  # not known on as_of
        if in_period(end):
            count(key, on_time(begin, end, limit))
        elif end is None and begin is not None and in_period(begin + timedelta(days=limit + 1)):
            count(key, False)

    for row in rows:
        if group is not None and (row["team"] or "(not recorded)") != group:
            continue
        if in_period(row["final_issued_date"]):
            met = on_time(row["request_date"], row["final_issued_date"], 140)
            count("final_plan_20_weeks_including_exceptions", met)
            if row["timescale_exception"]:
                count("final_plan_20_weeks_exception_cases", met)
            else:
                count("final_plan_20_weeks_excluding_exceptions", met)
        for advice in ADVICE:
            stopped_or_overdue(
                f"advice_6_weeks_{advice}", row[f"{advice}_advice_requested"], row[f"{advice}_advice_received"], 42
            )
        issued, review = row["final_issued_date"], row["last_review_meeting_date"]
        if row["status"] == "active" and issued is not None and issued + relativedelta(months=12) < as_of:
            in_date = review is not None and review <= as_of and review + relativedelta(months=12) >= as_of
            count("annual_review_12_months", in_date)
        stopped_or_overdue("review_decision_4_weeks", review, row["review_decision_date"], 28)
    return {key: (met, total) for key, (met, total) in tally.items()}


def random_rows(rnd: random.Random, n: int, around: date) -> list[dict]:
    """Plans with dates dense near the clock boundaries around `around`, and some missing."""

    def some_date(spread: int) -> date | None:
        return None if rnd.random() < 0.2 else around + timedelta(days=rnd.randint(-spread, 60))

    def after(begin: date | None, limits: tuple[int, ...]) -> date | None:
        if begin is None or rnd.random() < 0.25:
            return None if rnd.random() < 0.8 else some_date(500)
        return begin + timedelta(days=rnd.choice(limits) + rnd.choice([-1, 0, 1, 0, 30, -3]))

    rows = []
    for _ in range(n):
        row = {"team": rnd.choice(["North", "South", "East", None]), "status": rnd.choice(["active", "active", "ceased"])}
        row["request_date"] = some_date(900)
        row["final_issued_date"] = after(row["request_date"], (140, 100, 200))
        row["timescale_exception"] = rnd.random() < 0.2
        for advice in ADVICE:
            row[f"{advice}_advice_requested"] = some_date(500)
            row[f"{advice}_advice_received"] = after(row[f"{advice}_advice_requested"], (42, 20, 60))
        row["last_review_meeting_date"] = some_date(800)
        row["review_decision_date"] = after(row["last_review_meeting_date"], (28, 10, 40))
        rows.append(row)
    return rows


def assert_matches_reference(rows: list[dict], as_of: date) -> None:
    report = compute_timeliness(register(*rows), as_of, by="team")
    start = report.period_start
    got = {key: counts(report, key) for key in ALL_KEYS}
    assert got == reference(rows, as_of, start)
    for team in ["North", "South", "East", "(not recorded)"]:
        if any((r["team"] or "(not recorded)") == team for r in rows):
            assert {key: counts(report, key, team) for key in ALL_KEYS} == reference(rows, as_of, start, team)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "as_of", [date(2024, 12, 31), date(2024, 2, 29), date(2025, 2, 28), date(2023, 3, 1), date(2024, 3, 1)]
)
def test_matches_the_reference_on_a_seeded_random_register(seed, as_of):
    rows = random_rows(random.Random(seed), 400, around=as_of - timedelta(days=200))
    assert_matches_reference(rows, as_of)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**9),
    n=st.integers(0, 60),
    as_of=st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)),
    offset=st.integers(0, 400),
)
def test_matches_the_reference_on_any_register(seed, n, as_of, offset):
    rows = random_rows(random.Random(seed), n, around=as_of - timedelta(days=offset))
    assert_matches_reference(rows, as_of)


def test_the_12_month_threshold_is_exact_on_every_day_of_four_years():
    """The vectorised annual review compares with one threshold day; check it against relativedelta."""
    from audit.timeliness.reviews import year_before as _year_before

    year = relativedelta(months=12)
    for n in range(4 * 366):
        as_of = date(2023, 1, 1) + timedelta(days=n)
        first = _year_before(as_of)
        assert first + year >= as_of and (first - timedelta(days=1)) + year < as_of, as_of
