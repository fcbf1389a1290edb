"""Assignment: owning agency, no conflicts of interest, balanced load, clear error when an agency is missing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from audit.cycle.assignment import assign_cycle
from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.errors import AuditError
from audit.store.models import Assignment, Auditor, SampledPlan
from tests.factories import make_auditor, make_auditor_pool, make_plan, whole_plan_rubric

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def new_cycle(session, area, size=10):
    return create_cycle(session, area, whole_plan_rubric(), name="c", sample_size=size, due_date=date(2026, 12, 1),
                        created_at=NOW)


def test_sections_go_to_their_agency_and_social_care_only_when_it_applies(session, area):
    make_auditor_pool(session, area)
    with_sc = make_plan(session, area, social_care_advice_requested=date(2025, 1, 20))
    without = make_plan(session, area)
    cycle = new_cycle(session, area, 2)
    _, assignments = open_cycle(session, cycle)
    by_plan = {}
    for a in assignments:
        plan_id = session.get(SampledPlan, a.sampled_plan_id).plan_id
        by_plan.setdefault(plan_id, {})[a.agency] = sorted(a.sections)
        assert session.get(Auditor, a.auditor_id).agency == a.agency
    assert by_plan[with_sc.id] == {"sen_team": ["A:sen_team", "E:sen_team", "I", "J", "K"], "education": ["B", "F"],
                                   "health": ["C", "G"], "social_care": ["D", "H"],
                                   "parent_carer_forum": ["A:parent_carer_forum", "E:parent_carer_forum"]}
    assert "social_care" not in by_plan[without.id]


def test_never_the_case_officer_or_an_advice_author(session, area):
    make_auditor(session, area, "CO-01", "sen_team")  # the plans' case officer also audits
    make_auditor(session, area, "AUD-SEN-01", "sen_team")
    make_auditor(session, area, "ED-AUTHOR", "education")
    make_auditor(session, area, "AUD-ED-01", "education")
    make_auditor(session, area, "AUD-HE-01", "health")
    make_auditor(session, area, "AUD-PCF-01", "parent_carer_forum")
    for _ in range(4):
        make_plan(session, area, case_officer="CO-01", education_advice_author="ED-AUTHOR")
    _, assignments = open_cycle(session, new_cycle(session, area, 4))
    codes = {session.get(Auditor, a.auditor_id).code for a in assignments}
    assert "CO-01" not in codes and "ED-AUTHOR" not in codes


def test_load_is_balanced(session, area):
    make_auditor_pool(session, area, per_agency=3)
    for _ in range(12):
        make_plan(session, area)
    _, assignments = open_cycle(session, new_cycle(session, area, 12))
    for agency in ("sen_team", "education", "health"):
        loads = Counter(a.auditor_id for a in assignments if a.agency == agency)
        assert sorted(loads.values()) == [4, 4, 4]


def test_missing_agency_is_a_clear_error_and_nothing_is_written(session, area):
    make_auditor(session, area, "AUD-SEN-01", "sen_team")
    make_auditor(session, area, "AUD-ED-01", "education")
    make_plan(session, area)
    cycle = new_cycle(session, area, 1)
    from audit.cycle.sampling import sample_cycle

    sample_cycle(session, cycle)
    with pytest.raises(AuditError, match="no available auditor for Health"):
        assign_cycle(session, cycle)
    assert session.exec(select(Assignment)).all() == []


def test_rerun_adds_only_what_is_missing(session, area):
    make_auditor_pool(session, area)
    for _ in range(3):
        make_plan(session, area)
    cycle = new_cycle(session, area, 3)
    _, first = open_cycle(session, cycle)
    assert first and assign_cycle(session, cycle) == []
    assert len(session.exec(select(Assignment)).all()) == len(first)
