"""Simulated auditors for the demo and benchmarks: they grade through the same `save_scorecard` as people."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from audit import clock
from audit.cycle.assignment import cycle_rubric
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.store.models import Assignment, Auditor, Cycle, Plan, SampledPlan, Scorecard
from audit.synthetic.area import simulate_grades
from audit.vocabulary import ScorecardStatus


def submit_simulated(
    session: Session, cycle: Cycle, seed: int, skip_auditors: set[str] = frozenset(), now: datetime | None = None
) -> int:
    """Submit a scorecard for every open assignment (except the skipped auditors'); returns how many."""
    rubric = cycle_rubric(session, cycle)
    rows = session.exec(
        select(Assignment, Auditor, Plan, Scorecard)
        .join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .join(Scorecard, Scorecard.assignment_id == Assignment.id, isouter=True)
        .where(Assignment.cycle_id == cycle.id, Assignment.active == True)  # noqa: E712
        .order_by(Assignment.id)
    ).all()
    count = 0
    for assignment, auditor, plan, card in rows:
        if auditor.code in skip_auditors or (card is not None and card.status == ScorecardStatus.submitted.value):
            continue
        grades = simulate_grades(assigned_criteria(rubric, assignment), plan.plan_ref, auditor.code, seed)
        entries = {cid: GradeEntry(grade, comment) for cid, (grade, comment) in grades.items()}
        save_scorecard(session, assignment, auditor, rubric, entries, submit=True, source="simulated",
                       now=now or clock.now())
        count += 1
    return count
