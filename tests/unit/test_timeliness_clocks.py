"""The clocks added in issue 8: decision to assess, phase transfer, transfers in (working days).

Boundaries by hand, then random registers against a plain-Python reference that counts working days one
day at a time from GOV.UK's published England and Wales bank holidays (typed in below, not from a library).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from audit.register.frames import PLAN_DATE_COLUMNS
from audit.timeliness.measures import compute_timeliness
from audit.timeliness.workdays import bank_holidays, is_working_day, nth_working_day

AS_OF = date(2025, 12, 31)
START = date(2025, 1, 1)
# https://www.gov.uk/bank-holidays (England and Wales), 2022-2026.
GOV_UK = {date(*d) for d in [
    (2022, 1, 3), (2022, 4, 15), (2022, 4, 18), (2022, 5, 2), (2022, 6, 2), (2022, 6, 3), (2022, 8, 29),
    (2022, 9, 19), (2022, 12, 26), (2022, 12, 27),
    (2023, 1, 2), (2023, 4, 7), (2023, 4, 10), (2023, 5, 1), (2023, 5, 8), (2023, 5, 29), (2023, 8, 28),
    (2023, 12, 25), (2023, 12, 26),
    (2024, 1, 1), (2024, 3, 29), (2024, 4, 1), (2024, 5, 6), (2024, 5, 27), (2024, 8, 26), (2024, 12, 25),
    (2024, 12, 26),
    (2025, 1, 1), (2025, 4, 18), (2025, 4, 21), (2025, 5, 5), (2025, 5, 26), (2025, 8, 25), (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1), (2026, 4, 3), (2026, 4, 6), (2026, 5, 4), (2026, 5, 25), (2026, 8, 31), (2026, 12, 25),
    (2026, 12, 28),
]}
OPTIONAL = ["decision_to_assess_date", "phase_transfer_date", "phase_transfer_amended_date",
            "transfer_in_notified_date", "transfer_in_received_date"]


def register(*rows: dict) -> pd.DataFrame:
    base = dict.fromkeys(PLAN_DATE_COLUMNS) | {"status": "active", "timescale_exception": False,
                                                    "team": "North", "phase_transfer_to": None}
    frame = pd.DataFrame([base | r for r in rows], columns=list(base))
    for column in PLAN_DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def counts(frame, key, as_of=AS_OF, group=None, by=None):
    m = compute_timeliness(frame, as_of, by=by).get(key, group)
    return m.met, m.total


def test_the_library_holidays_are_gov_uks_on_weekdays():
    library = {d for d in bank_holidays() if 2022 <= d.year <= 2026 and d.weekday() < 5}
    assert library == GOV_UK


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2022, 9, 12), 15, date(2022, 10, 3)),  # over the Queen's funeral (Mon 19 Sep)
    (date(2023, 5, 1), 1, date(2023, 5, 2)),  # May Day is not day 1
    (date(2025, 12, 19), 15, date(2026, 1, 13)),  # over Christmas and New Year
    (date(2025, 4, 12), 1, date(2025, 4, 14)),  # a Saturday: day 1 is Monday
    (date(2025, 4, 14), 15, date(2025, 5, 7)),  # Easter and the May bank holiday
])
def test_nth_working_day(start, n, expected):
    assert nth_working_day(start, n) == expected
    assert is_working_day(expected)


# --- decision to assess -----------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "met"), [(0, True), (42, True), (43, False)])
def test_decision_to_assess_boundaries(days, met):
    request = date(2025, 3, 3)
    frame = register({"request_date": request, "decision_to_assess_date": request + timedelta(days=days)})
    assert counts(frame, "decision_to_assess_6_weeks") == (int(met), 1)


def test_an_outstanding_decision_counts_from_day_43_once_the_column_is_recorded():
    frame = register({"request_date": date(2025, 11, 19)}, {"request_date": date(2025, 11, 20)},
                     {"request_date": date(2025, 1, 1), "decision_to_assess_date": date(2025, 1, 20)})
    # 19 Nov + 43 = 1 Jan 2026 (not yet late on 31 Dec); 20 Nov the same. Only the recorded decision counts.
    assert counts(frame, "decision_to_assess_6_weeks") == (1, 1)
    frame = register({"request_date": date(2025, 11, 18)},
                     {"request_date": date(2025, 1, 1), "decision_to_assess_date": date(2025, 1, 20)})
    assert counts(frame, "decision_to_assess_6_weeks") == (1, 2)  # 18 Nov + 43 = 31 Dec: late today


def test_a_register_without_the_new_columns_says_no_data():
    frame = register({"request_date": date(2025, 1, 6), "final_issued_date": date(2025, 5, 1)}).drop(
        columns=OPTIONAL + ["phase_transfer_to"])
    report = compute_timeliness(frame, AS_OF)
    for key in ("decision_to_assess_6_weeks", "phase_transfer_amended_by_deadline", "transfer_in_15_working_days"):
        assert report.get(key).shown == "no data"
    assert "records no decision_to_assess_date" in report.get("decision_to_assess_6_weeks").definition
    assert report.get("final_plan_20_weeks_including_exceptions").total == 1


# --- phase transfer ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("to", "amended", "met"), [
    ("secondary", date(2025, 2, 15), True),
    ("secondary", date(2025, 2, 16), False),
    ("primary", date(2024, 11, 1), True),
    ("post_16", date(2025, 3, 31), True),
    ("post_16", date(2025, 4, 1), False),
    ("secondary", None, False),
])
def test_phase_transfer_deadlines(to, amended, met):
    frame = register({"phase_transfer_date": date(2025, 9, 1), "phase_transfer_to": to,
                      "phase_transfer_amended_date": amended})
    assert counts(frame, "phase_transfer_amended_by_deadline") == (int(met), 1)


def test_phase_transfer_in_a_leap_year_and_outside_the_period():
    frame = register({"phase_transfer_date": date(2024, 9, 1), "phase_transfer_to": "post_16",
                      "phase_transfer_amended_date": date(2024, 3, 31)})
    assert counts(frame, "phase_transfer_amended_by_deadline", as_of=date(2024, 12, 31)) == (1, 1)
    assert counts(frame, "phase_transfer_amended_by_deadline", as_of=date(2024, 3, 30)) == (0, 0)
    assert counts(frame, "phase_transfer_amended_by_deadline") == (0, 0)  # deadline in 2024, period is 2025


# --- transfers in -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("received", "met"), [
    (date(2025, 4, 14), True), (date(2025, 5, 7), True), (date(2025, 5, 8), False), (date(2025, 4, 11), False)])
def test_transfer_in_working_day_boundaries(received, met):
    frame = register({"transfer_in_notified_date": date(2025, 4, 14), "transfer_in_received_date": received})
    assert counts(frame, "transfer_in_15_working_days") == (int(met), 1)


def test_an_outstanding_transfer_is_late_the_day_after_its_15th_working_day():
    notified = date(2025, 12, 3)  # 15th working day: 23 Dec
    frame = register({"transfer_in_notified_date": notified})
    assert counts(frame, "transfer_in_15_working_days", as_of=date(2025, 12, 23)) == (0, 0)
    assert counts(frame, "transfer_in_15_working_days", as_of=date(2025, 12, 24)) == (0, 1)


# --- against an independent reference ---------------------------------------------------------------

def reference_working_day(start: date, n: int) -> date:
    day, count = start, 0
    while True:
        if day.weekday() < 5 and day not in GOV_UK:
            count += 1
            if count == n:
                return day
        day += timedelta(days=1)


def reference(rows, as_of, start, team=None):
    out = {"decision_to_assess_6_weeks": [0, 0], "phase_transfer_amended_by_deadline": [0, 0],
           "transfer_in_15_working_days": [0, 0]}
    recorded = any(r.get("decision_to_assess_date") for r in rows)
    for r in rows:
        if team is not None and r["team"] != team:
            continue
        req, dec = r.get("request_date"), r.get("decision_to_assess_date")
        if recorded and req:
            if dec and dec <= as_of:
                if start <= dec <= as_of:
                    out["decision_to_assess_6_weeks"][1] += 1
                    out["decision_to_assess_6_weeks"][0] += 0 <= (dec - req).days <= 42
            elif start <= req + timedelta(days=43) <= as_of:
                out["decision_to_assess_6_weeks"][1] += 1
        if r.get("phase_transfer_date"):
            year = r["phase_transfer_date"].year
            deadline = date(year, 3, 31) if r.get("phase_transfer_to") == "post_16" else date(year, 2, 15)
            if start <= deadline <= as_of:
                out["phase_transfer_amended_by_deadline"][1] += 1
                amended = r.get("phase_transfer_amended_date")
                out["phase_transfer_amended_by_deadline"][0] += bool(amended and amended <= deadline)
        notified, received = r.get("transfer_in_notified_date"), r.get("transfer_in_received_date")
        if notified or received:
            deadline = reference_working_day(notified, 15) if notified else None
            if received and received <= as_of:
                if start <= received <= as_of:
                    out["transfer_in_15_working_days"][1] += 1
                    out["transfer_in_15_working_days"][0] += bool(notified and notified <= received <= deadline)
            elif deadline and start <= deadline + timedelta(days=1) <= as_of:
                out["transfer_in_15_working_days"][1] += 1
    return {k: tuple(v) for k, v in out.items()}


def random_rows(rng: random.Random, n: int) -> list[dict]:
    def maybe(day, p=0.8):
        return day if rng.random() < p else None

    rows = []
    for _ in range(n):
        request = date(2024, 6, 1) + timedelta(days=rng.randrange(0, 700))
        notified = date(2024, 10, 1) + timedelta(days=rng.randrange(0, 500))
        transfer = date(rng.choice([2024, 2025, 2026]), 9, 1)
        rows.append({
            "team": rng.choice(["North", "South", "Post-16"]),
            "request_date": request,
            "decision_to_assess_date": maybe(request + timedelta(days=rng.randrange(20, 70))),
            "phase_transfer_date": maybe(transfer, 0.3),
            "phase_transfer_to": rng.choice(["primary", "secondary", "post_16", None]),
            "phase_transfer_amended_date": maybe(date(transfer.year, 2, 1) + timedelta(days=rng.randrange(0, 80))),
            "transfer_in_notified_date": maybe(notified, 0.2),
            "transfer_in_received_date": maybe(notified + timedelta(days=rng.randrange(0, 40)), 0.15),
        })
    for r in rows:  # a received date needs a notified date on a real register; keep a few without, as errors
        if r["transfer_in_received_date"] and not r["transfer_in_notified_date"] and rng.random() < 0.7:
            r["transfer_in_received_date"] = None
        if not r["phase_transfer_date"]:
            r["phase_transfer_to"] = None
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_random_registers_match_the_reference(seed):
    rng = random.Random(seed)
    rows = random_rows(rng, 400)
    frame = register(*rows)
    as_of = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 500))
    start = as_of.replace(year=as_of.year - 1) + timedelta(days=1) if not (as_of.month == 2 and as_of.day == 29) else None
    report = compute_timeliness(frame, as_of, by="team")
    period_start = report.period_start
    assert {k: (report.get(k).met, report.get(k).total) for k in reference(rows, as_of, period_start)} == \
        reference(rows, as_of, period_start)
    for team in ("North", "South", "Post-16"):
        got = {k: (report.get(k, team).met, report.get(k, team).total) for k in reference(rows, as_of, period_start)}
        assert got == reference(rows, as_of, period_start, team)
    assert start is None or start == period_start


def test_the_register_imports_the_new_optional_columns(session, area, tmp_path):
    from sqlmodel import select

    from audit.register.plans import import_register
    from audit.store.models import Plan

    path = tmp_path / "register.csv"
    path.write_text(
        "plan_ref,team,phase,year_group,primary_need,setting_type,status,case_officer,request_date,"
        "decision_to_assess_date,phase_transfer_date,phase_transfer_to,phase_transfer_amended_date,"
        "transfer_in_notified_date,transfer_in_received_date\n"
        "P-1,North,primary,6,ASD,Mainstream,active,CO-01,2025-01-06,2025-02-10,2025-09-01,Secondary,"
        "14/02/2025,2025-03-03,2025-03-20\n"
        "P-2,North,primary,6,ASD,Mainstream,active,CO-01,2025-01-06,,,,,,\n", encoding="utf-8")
    import_register(session, area, path)
    plan = session.exec(select(Plan).where(Plan.plan_ref == "P-1")).one()
    assert (plan.decision_to_assess_date, plan.phase_transfer_to, plan.phase_transfer_amended_date,
            plan.transfer_in_received_date) == (date(2025, 2, 10), "secondary", date(2025, 2, 14), date(2025, 3, 20))
    assert session.exec(select(Plan).where(Plan.plan_ref == "P-2")).one().phase_transfer_date is None
