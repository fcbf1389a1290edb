"""Issue 22's clocks and the open-case ageing against a plain-Python reference on random registers, plan by plan.

The reference is written from the regulations, not from the code: calendar months with relativedelta, working days
counted one day at a time from GOV.UK's published bank holidays (typed into test_timeliness_clocks), weeks as days.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from audit.timeliness.ageing import open_case_ageing
from audit.timeliness.measures import compute_timeliness
from tests.unit.test_timeliness_clocks import GOV_UK
from tests.unit.test_timeliness_statutory import register

ADVICE = ["education", "health", "social_care", "educational_psychology"]


def working_day(start: date, n: int) -> date:
    """The n-th working day of the period beginning with `start`, one day at a time."""
    day, count = start, 0
    while True:
        if day.weekday() < 5 and day not in GOV_UK:
            count += 1
            if count == n:
                return day
        day += timedelta(days=1)


def last_day(start: date, months: int) -> date:
    later = start + relativedelta(months=months)
    return later - timedelta(days=1) if later.day == start.day else later


def reference(rows: list[dict], as_of: date) -> dict[str, list[int]]:
    begin = as_of - relativedelta(years=1) + timedelta(days=1)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    recorded = {c for r in rows for c, v in r.items() if v not in (None, False)}

    def inside(d):
        return d is not None and begin <= d <= as_of

    def count(key, met):
        tally[key][1] += 1
        tally[key][0] += bool(met)

    def clock(key, start, stop, deadline, exception=None, split=False):
        """Counted when it stopped in the period, or on its first late day if still running."""
        stopped = stop is not None and stop <= as_of
        if inside(stop):
            met = start is not None and deadline is not None and start <= stop <= deadline
        elif not stopped and start is not None and deadline is not None and inside(deadline + timedelta(days=1)):
            met = False
        else:
            return
        count(key, met)
        if split:
            count(f"{key}_exception_cases" if exception else f"{key}_excluding_exceptions", met)

    for r in rows:
        start = r.get("request_date") or r.get("area_started_date")
        if "decision_to_assess_date" in recorded:
            clock("decision_to_assess_6_weeks", start, r.get("decision_to_assess_date"),
                  start and start + timedelta(days=42), r.get("decision_to_assess_exception"), True)
        for a in ADVICE:
            asked = r.get(f"{a}_advice_requested")
            clock(f"advice_6_weeks_{a}", asked, r.get(f"{a}_advice_received"), asked and asked + timedelta(days=42),
                  r.get(f"{a}_advice_exception"), True)
        notice = r.get("decision_not_to_issue_date")
        if inside(notice):
            met = start is not None and 0 <= (notice - start).days <= 112
            count("decision_not_to_issue_16_weeks", met)
            count("decision_not_to_issue_16_weeks_exception_cases" if r.get("timescale_exception")
                  else "decision_not_to_issue_16_weeks_excluding_exceptions", met)
        if "amendment_notice_date" in recorded:
            sent = r.get("amendment_notice_date")
            clock("amended_plan_8_weeks", sent, r.get("amendment_issued_date"), sent and sent + timedelta(days=56))
        move = r.get("phase_transfer_date")
        if move and r.get("post_16_move"):
            deadline = move - relativedelta(months=5)
            if inside(deadline):
                amended = r.get("phase_transfer_amended_date")
                count("post_16_move_5_months", amended is not None and amended <= deadline)
        aware = r.get("transfer_out_notified_date")
        if "transfer_out_notified_date" in recorded:
            deadline = aware and max(working_day(aware, 15), r.get("transfer_out_move_date") or aware)
            clock("transfer_out_15_working_days", aware, r.get("transfer_out_sent_date"), deadline)
        received = r.get("transfer_in_received_date")
        if "transfer_in_family_told_date" in recorded:
            clock("transfer_in_family_told_6_weeks", received, r.get("transfer_in_family_told_date"),
                  received and received + timedelta(days=42))
        if "transfer_in_review_date" in recorded:
            previous = r.get("transfer_in_previous_review_date") or r.get("final_issued_date")
            deadline = received and max(last_day(received, 3), last_day(previous, 12) if previous else received)
            clock("transfer_in_reviewed_by_deadline", received, r.get("transfer_in_review_date"), deadline)
    return dict(tally)


def random_rows(rnd: random.Random, n: int, around: date) -> list[dict]:
    def some(spread: int = 400) -> date | None:
        return None if rnd.random() < 0.3 else around + timedelta(days=rnd.randint(-spread, 90))

    def after(start: date | None, limits: tuple[int, ...]) -> date | None:
        if start is None or rnd.random() < 0.25:
            return None if rnd.random() < 0.85 else some()
        return start + timedelta(days=rnd.choice(limits) + rnd.choice([-2, -1, 0, 1, 0, 25, -20]))

    rows = []
    for _ in range(n):
        r: dict = {"team": rnd.choice(["North", "South"]), "status": rnd.choice(["active", "active", "ceased"]),
                   "plan_ref": f"P{len(rows)}"}
        r["request_date"] = some() if rnd.random() < 0.9 else None
        r["area_started_date"] = None if r["request_date"] else some()
        start = r["request_date"] or r["area_started_date"]
        r["final_issued_date"] = after(start, (140, 100, 200))
        r["decision_to_assess_date"] = after(start, (42, 20))
        r["decision_to_assess_outcome"] = rnd.choice(["assess", "assess", "not_assess", None])
        r["decision_to_assess_exception"] = rnd.random() < 0.1
        r["timescale_exception"] = rnd.random() < 0.1
        r["decision_not_to_issue_date"] = after(start, (112, 90)) if rnd.random() < 0.3 else None
        for a in ADVICE:
            r[f"{a}_advice_requested"] = some()
            r[f"{a}_advice_received"] = after(r[f"{a}_advice_requested"], (42, 20, 60))
            r[f"{a}_advice_exception"] = a != "education" and rnd.random() < 0.1
        r["amendment_notice_date"] = some()
        r["amendment_issued_date"] = after(r["amendment_notice_date"], (56, 30))
        r["post_16_move"] = rnd.random() < 0.3
        r["phase_transfer_date"] = some() if r["post_16_move"] else None
        r["phase_transfer_to"] = "post_16" if r["post_16_move"] else None
        r["phase_transfer_amended_date"] = r["phase_transfer_date"] and after(
            r["phase_transfer_date"] - relativedelta(months=5), (0, -10, 5))
        r["transfer_out_notified_date"] = some()
        r["transfer_out_move_date"] = r["transfer_out_notified_date"] and rnd.choice(
            [None, r["transfer_out_notified_date"] + timedelta(days=rnd.randint(-5, 60))])
        r["transfer_out_sent_date"] = after(r["transfer_out_notified_date"], (21, 15, 40))
        r["transfer_in_received_date"] = some()
        r["transfer_in_family_told_date"] = after(r["transfer_in_received_date"], (42, 20))
        r["transfer_in_previous_review_date"] = some(800) if rnd.random() < 0.5 else None
        r["transfer_in_review_date"] = after(r["transfer_in_received_date"], (90, 300, 365))
        rows.append(r)
    return rows


KEYS = ["decision_to_assess_6_weeks", "decision_not_to_issue_16_weeks", "amended_plan_8_weeks",
        "post_16_move_5_months", "transfer_out_15_working_days", "transfer_in_family_told_6_weeks",
        "transfer_in_reviewed_by_deadline"] + [f"advice_6_weeks_{a}" for a in ADVICE]
SPLIT = ["decision_to_assess_6_weeks", "decision_not_to_issue_16_weeks"] + [f"advice_6_weeks_{a}" for a in ADVICE]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("as_of", [date(2025, 12, 31), date(2024, 2, 29), date(2025, 3, 1), date(2026, 6, 30)])
def test_every_new_clock_matches_the_reference_plan_by_plan(seed, as_of):
    rows = random_rows(random.Random(seed), 300, around=as_of - timedelta(days=120))
    report = compute_timeliness(register(*rows), as_of)
    expected = reference(rows, as_of)
    keys = KEYS + [f"{k}_{s}" for k in SPLIT for s in ("excluding_exceptions", "exception_cases")]
    got = {k: [report.get(k).met, report.get(k).total] for k in keys}
    assert got == {k: expected.get(k, [0, 0]) for k in keys}
    education = report.get("advice_6_weeks_education_excluding_exceptions")  # none recorded: same as including
    assert (education.met, education.total) == (report.get("advice_6_weeks_education").met,
                                                 report.get("advice_6_weeks_education").total)


def reference_ageing(rows: list[dict], as_of: date) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    """Open cases per kind: how many, and the (plan, days) past the limit, oldest first."""
    out: dict[str, tuple[int, list[tuple[str, int]]]] = {}
    open_rows = []
    for r in rows:
        start = r.get("request_date") or r.get("area_started_date")
        closed = any(d is not None and d <= as_of for d in (r.get("final_issued_date"),
                                                            r.get("decision_not_to_issue_date")))
        refused = (r.get("decision_to_assess_outcome") == "not_assess" and r.get("decision_to_assess_date") is not None
                   and r["decision_to_assess_date"] <= as_of)
        if r["status"] == "active" and start is not None and start <= as_of and not closed and not refused:
            open_rows.append((r, (as_of - start).days))
    late = sorted(((-d, r["plan_ref"]) for r, d in open_rows if d > 140))
    out["open_requests"] = (len(open_rows), [(ref, -d) for d, ref in late])
    for a in ADVICE:
        waiting = []
        for r, _ in open_rows:
            asked, got = r.get(f"{a}_advice_requested"), r.get(f"{a}_advice_received")
            if asked is not None and asked <= as_of and not (got is not None and got <= as_of):
                waiting.append((r["plan_ref"], (as_of - asked).days))
        late = sorted(((-d, ref) for ref, d in waiting if d > 42))
        out[f"advice_outstanding_{a}"] = (len(waiting), [(ref, -d) for d, ref in late])
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("as_of", [date(2025, 12, 31), date(2024, 2, 29)])
def test_open_case_ageing_matches_the_reference_plan_by_plan(seed, as_of):
    rows = random_rows(random.Random(100 + seed), 300, around=as_of - timedelta(days=120))
    ageing = {a.key: a for a in open_case_ageing(register(*rows), as_of, by="team") if a.group is None}
    for key, (count, late) in reference_ageing(rows, as_of).items():
        assert ageing[key].open == count, key
        assert [(c.plan_ref, c.days) for c in ageing[key].listed] == late, key
        assert ageing[key].past_limit == len(late), key
