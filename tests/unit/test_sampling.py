"""Sampling: proportional strata, reproducible seeds, exclusions recorded and honoured."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from dateutil.relativedelta import relativedelta
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, open_cycle, withdraw_plan
from audit.cycle.sampling import allocate, sample_cycle
from audit.errors import AuditError
from audit.rubrics.loading import find_rubric
from audit.store.models import Plan, SampledPlan
from audit.vocabulary import SampleStatus
from tests.factories import ROOT, make_auditor_pool, make_plan, whole_plan_rubric

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def cycle_for(session, area, size, strata=(), seed=1, created=NOW, rubric=None):
    return create_cycle(session, area, rubric or whole_plan_rubric(), name="c", sample_size=size,
                        due_date=created.date() + relativedelta(weeks=4), strata=list(strata), seed=seed,
                        created_at=created)


def refs(session, cycle, status=SampleStatus.sampled.value):
    return sorted(p.plan_ref for _, p in session.exec(
        select(SampledPlan, Plan).join(Plan).where(SampledPlan.cycle_id == cycle.id, SampledPlan.status == status)))


def test_allocation_is_proportional_and_exact():
    assert allocate({"a": 60, "b": 30, "c": 10}, 10) == {"a": 6, "b": 3, "c": 1}
    alloc = allocate({"a": 7, "b": 7, "c": 7}, 10)
    assert sum(alloc.values()) == 10 and max(alloc.values()) - min(alloc.values()) <= 1
    assert allocate({"a": 2, "b": 1}, 50) == {"a": 2, "b": 1}  # never more than a stratum holds
    assert allocate({}, 5) == {}


def test_stratified_sample_follows_the_register(session, area):
    for team, n in (("North", 40), ("South", 20), ("East", 20)):
        for _ in range(n):
            make_plan(session, area, team=team)
    cycle = cycle_for(session, area, 20, ["team"])
    drawn = sample_cycle(session, cycle)
    teams = [session.get(Plan, sp.plan_id).team for sp in drawn]
    assert (teams.count("North"), teams.count("South"), teams.count("East")) == (10, 5, 5)
    assert {sp.stratum for sp in drawn} == {"team=North", "team=South", "team=East"}


def test_same_seed_same_sample_and_rerun_adds_nothing(session, area):
    for _ in range(50):
        make_plan(session, area)
    first = cycle_for(session, area, 10, seed=5)
    second = cycle_for(session, area, 10, seed=5, created=NOW + relativedelta(days=1))
    second.exclusions = {**second.exclusions, "audited_within_months": 0}
    other = cycle_for(session, area, 10, seed=6, created=NOW + relativedelta(days=2))
    other.exclusions = {**other.exclusions, "audited_within_months": 0}
    sample_cycle(session, first)
    sample_cycle(session, second)
    sample_cycle(session, other)
    assert refs(session, first) == refs(session, second)
    assert refs(session, first) != refs(session, other)
    assert len(sample_cycle(session, first)) == 10
    assert len(session.exec(select(SampledPlan).where(SampledPlan.cycle_id == first.id)).all()) == 10


def test_exclusions(session, area):
    keep = make_plan(session, area)
    make_plan(session, area, status="ceased")
    make_plan(session, area, status="transferred")
    make_plan(session, area, final_issued_date=None)  # assessment still running: nothing to audit
    recent = make_plan(session, area)
    older = make_plan(session, area)
    earlier = cycle_for(session, area, 1, created=NOW - relativedelta(months=3))
    session.add(SampledPlan(cycle_id=earlier.id, plan_id=recent.id, stratum="all"))
    long_ago = cycle_for(session, area, 1, created=NOW - relativedelta(months=13))
    session.add(SampledPlan(cycle_id=long_ago.id, plan_id=older.id, stratum="all"))
    session.flush()
    cycle = cycle_for(session, area, 10)
    assert refs(session, cycle) == [] and len(sample_cycle(session, cycle)) == 2
    assert refs(session, cycle) == sorted([keep.plan_ref, older.plan_ref])
    assert cycle.exclusions == {"active_only": True, "audited_within_months": 12, "require_final_plan": True}


def test_a_withdrawn_plan_in_an_earlier_cycle_is_not_excluded(session, area):
    plan = make_plan(session, area)
    earlier = cycle_for(session, area, 1, created=NOW - relativedelta(months=2))
    session.add(SampledPlan(cycle_id=earlier.id, plan_id=plan.id, stratum="all", status="withdrawn"))
    session.flush()
    assert [sp.plan_id for sp in sample_cycle(session, cycle_for(session, area, 1))] == [plan.id]


def test_themed_cycle_samples_only_plans_with_that_advice(session, area):
    with_sc = [make_plan(session, area, social_care_advice_requested=date(2025, 1, 20)) for _ in range(3)]
    for _ in range(10):
        make_plan(session, area)
    themed = find_rubric(ROOT / "rubrics", "themed-social-care-advice")
    drawn = sample_cycle(session, cycle_for(session, area, 10, rubric=themed))
    assert sorted(sp.plan_id for sp in drawn) == sorted(p.id for p in with_sc)


def test_unknown_stratum_and_empty_pool_are_clear_errors(session, area):
    with pytest.raises(AuditError, match=r"Unknown stratum field.*favourite_colour"):
        cycle_for(session, area, 5, ["favourite_colour"])
    with pytest.raises(AuditError, match="No plan can be sampled"):
        sample_cycle(session, cycle_for(session, area, 5))


def test_replacement_comes_from_the_same_stratum_or_none(session, area):
    make_auditor_pool(session, area)
    north = [make_plan(session, area, team="North") for _ in range(2)]
    make_plan(session, area, team="South")
    cycle = cycle_for(session, area, 2, ["team"])
    open_cycle(session, cycle)
    sampled_north = [r for r in refs(session, cycle) if r in {p.plan_ref for p in north}]
    replacement = withdraw_plan(session, cycle, sampled_north[0], "ceased")
    assert replacement is not None and session.get(Plan, replacement.plan_id).team == "North"
    # The North stratum is now used up: a second withdrawal cannot be replaced.
    assert withdraw_plan(session, cycle, session.get(Plan, replacement.plan_id).plan_ref, "moved away") is None
    with pytest.raises(AuditError, match="already withdrawn"):
        withdraw_plan(session, cycle, sampled_north[0], "again")
    with pytest.raises(AuditError, match="reason"):
        withdraw_plan(session, cycle, refs(session, cycle)[0], "  ")
