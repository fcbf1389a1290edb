"""One plan's statutory clocks (audit/timeliness/plan_clocks.py): met, not met, running, overdue, not recorded."""

from __future__ import annotations

from datetime import date, timedelta

from audit.store.models import Plan
from audit.timeliness.plan_clocks import plan_clocks

TODAY = date(2027, 3, 1)


def plan(**dates) -> Plan:
    base = {"area_id": 1, "plan_ref": "P-1", "team": "North", "phase": "primary", "year_group": "Y3",
            "primary_need": "ASD", "setting_type": "mainstream", "status": "active", "case_officer": "CO-1"}
    return Plan(**base, **dates)


def by_label(p: Plan, service: str | None = None) -> dict:
    return {c.label: c for c in plan_clocks(p, TODAY, service)}


def test_final_plan_met_within_20_weeks_and_not_met_after():
    start = date(2026, 9, 1)
    met = by_label(plan(request_date=start, final_issued_date=start + timedelta(days=140)))["Final plan issued"]
    late = by_label(plan(request_date=start, final_issued_date=start + timedelta(days=141)))["Final plan issued"]
    assert (met.state, met.days, met.deadline) == ("met", 140, start + timedelta(days=140))
    assert late.state == "not_met"


def test_a_clock_still_running_is_running_until_its_deadline_then_overdue():
    running = by_label(plan(request_date=TODAY - timedelta(days=30)))["Final plan issued"]
    overdue = by_label(plan(request_date=TODAY - timedelta(days=200)))["Final plan issued"]
    assert (running.state, running.stopped, running.days) == ("running", None, None)
    assert overdue.state == "overdue"


def test_an_assessment_the_area_started_runs_from_that_day_and_missing_dates_say_not_recorded():
    started = by_label(plan(area_started_date=date(2026, 10, 1), final_issued_date=date(2026, 12, 1)))
    assert started["Final plan issued"].state == "met" and "Decision whether to assess" not in started
    assert by_label(plan())["Final plan issued"].state == "not_recorded"


def test_advice_clocks_name_their_service_and_a_service_sees_only_its_own():
    p = plan(request_date=date(2026, 9, 1), health_advice_requested=date(2026, 9, 8),
             health_advice_received=date(2026, 11, 1), education_advice_requested=date(2026, 9, 8),
             educational_psychology_advice_requested=date(2026, 9, 8), last_review_meeting_date=date(2026, 5, 1),
             review_decision_date=date(2026, 5, 20))
    health = by_label(p, "health")
    assert list(health) == ["Health advice"] and health["Health advice"].state == "not_met"
    assert set(by_label(p, "education")) == {"Education advice", "Educational psychology advice"}
    sen = by_label(p, "sen_team")
    assert sen["Decision after the annual review"].state == "met"
    assert sen["Next annual review"].deadline == date(2027, 5, 1) and sen["Next annual review"].state == "running"
