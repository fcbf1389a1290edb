"""The plan-level loop in detail: due dates, marking done, where re-audits go, chasing, and second rounds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from audit.cycle.amendments import amendment_due, before_after, mark_done
from audit.cycle.reminders import overdue_amendment_items, record_chase
from audit.cycle.sampling import Exclusions
from audit.errors import AuditError, Conflict
from audit.rubrics.loading import find_rubric
from audit.store.models import Action, AmendmentEvent, Plan, SampledPlan
from audit.vocabulary import REAUDIT_STRATUM, Grade
from tests.factories import ROOT
from tests.improvement_data import LoopArea


@pytest.fixture
def loop(tmp_path):
    area = LoopArea(tmp_path, plans=14)
    yield area
    area.close()


def test_due_in_working_days_skips_bank_holidays_and_never_passes_the_next_review():
    plan = Plan(area_id=1, plan_ref="X", team="N", phase="primary", year_group="4", primary_need="ASD",
                setting_type="s", status="active", case_officer="CO-01", last_review_meeting_date=date(2026, 2, 10))
    friday = date(2026, 12, 18)
    # Five working days after Friday 18 December 2026: 21-24 December, then Monday 28 is the Boxing Day substitute.
    assert amendment_due(plan, friday, 28, working_days=5) == date(2026, 12, 29)
    assert amendment_due(plan, date(2027, 1, 20), 28) == date(2027, 2, 9)  # the day before the review is due
    assert amendment_due(plan, date(2027, 3, 1), 28) == date(2027, 3, 29)  # review already overdue: no cap


def weak_first_plan(loop, **options) -> str:
    cycle_id = loop.new_cycle(**options)
    with loop.store() as session:
        ref = min(p.plan_ref for p in session.exec(
            select(Plan).join(SampledPlan, SampledPlan.plan_id == Plan.id).where(SampledPlan.cycle_id == cycle_id)))
    loop.grade(cycle_id, lambda r, rank, cid: Grade.INADEQUATE if r == ref else Grade.GOOD)
    loop.run_step(cycle_id)
    return ref


def the_task(loop) -> Action:
    with loop.store() as session:
        return session.exec(select(Action).order_by(Action.id)).first()


def test_marking_done_needs_a_note_and_happens_once(loop):
    weak_first_plan(loop)
    with loop.store() as session:
        task = session.get(Action, the_task(loop).id)
        with pytest.raises(AuditError, match="Say what was amended"):
            mark_done(session, task, "CO-01", "")
        mark_done(session, task, "CO-01", "Section F quantified")
        with pytest.raises(Conflict, match="already marked done"):
            mark_done(session, task, "CO-01", "again")
        events = [(e.kind, e.by, e.reason) for e in session.exec(select(AmendmentEvent).order_by(AmendmentEvent.id))]
        assert events[0][0] == "raised" and events[-1] == ("done", "CO-01", "Section F quantified")


def test_a_plan_the_random_draw_picks_again_is_the_re_audit_within_the_sample(loop):
    ref = weak_first_plan(loop)
    with loop.store() as session:
        mark_done(session, session.get(Action, the_task(loop).id), "CO-01", "rewritten")
    # No 12-month exclusion and a sample of every plan: the random draw includes the amended plan.
    cycle_id = loop.new_cycle(size=14, exclusions=Exclusions(audited_within_months=0))
    with loop.store() as session:
        rows = session.exec(select(SampledPlan).where(SampledPlan.cycle_id == cycle_id)).all()
        (flagged,) = [r for r in rows if r.reaudit_task_id is not None]
        assert len(rows) == 14 and flagged.stratum != REAUDIT_STRATUM
        assert session.get(Plan, flagged.plan_id).plan_ref == ref


def test_a_themed_cycle_leaves_the_re_audit_to_the_next_whole_plan_cycle(loop):
    weak_first_plan(loop)
    with loop.store() as session:
        mark_done(session, session.get(Action, the_task(loop).id), "CO-01", "rewritten")
    themed = loop.new_cycle(rubric=find_rubric(ROOT / "rubrics", "themed-health-advice"))
    whole = loop.new_cycle()
    with loop.store() as session:
        flagged = session.exec(select(SampledPlan).where(SampledPlan.reaudit_task_id.is_not(None))).all()
        assert [r.cycle_id for r in flagged] == [whole] and themed != whole


def test_overdue_tasks_are_chased_and_the_chases_counted_for_escalation(loop):
    weak_first_plan(loop)
    task = the_task(loop)
    later = date.fromordinal(task.milestone.toordinal() + 10)
    with loop.store() as session:
        (item,) = overdue_amendment_items(session, loop.area_id, later)
        assert (item.times_chased, item.email) == (0, None)  # CO-01 is not in the auditors list
        record_chase(session, item)
        (again,) = overdue_amendment_items(session, loop.area_id, later)
        assert again.times_chased == 1 and again.last_chased is not None
        mark_done(session, session.get(Action, task.id), "CO-01", "done at last")
        assert overdue_amendment_items(session, loop.area_id, later) == []


def test_a_re_audited_plan_still_weak_gets_a_second_task_and_both_grades_are_reported(loop):
    ref = weak_first_plan(loop)
    with loop.store() as session:
        mark_done(session, session.get(Action, the_task(loop).id), "CO-01", "some changes")
    cycle_id = loop.new_cycle()
    loop.grade(cycle_id, lambda r, rank, cid: Grade.REQUIRES_IMPROVEMENT if r == ref else Grade.GOOD)
    loop.run_step(cycle_id)
    with loop.store() as session:
        tasks = session.exec(select(Action).order_by(Action.id)).all()
        assert [(t.cycle_id, t.status) for t in tasks] == [(loop.cycles[0], "reaudited"), (cycle_id, "not_started")]
        assert tasks[1].evidence["reaudit"] is True and tasks[1].title.endswith("(graded Requires Improvement)")
        (row,) = before_after(session, loop.area_id)
        assert (row["plan_ref"], row["before"], row["after"], row["change"]) == (
            ref, "Inadequate", "Requires Improvement", "better")
