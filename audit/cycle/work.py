"""An auditor's work still to do across every open cycle: what their home page lists and what comes next.

After a submission the auditor is told how many scorecards they have left and offered the next one (the
earliest due, then the lowest plan reference), so grading a batch is one click after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from audit.cycle.lifecycle import assignment_state
from audit.store.models import Assignment, Cycle, Plan, SampledPlan, Scorecard
from audit.vocabulary import CycleStatus, ScorecardStatus, section_words


@dataclass(frozen=True)
class Work:
    assignment_id: int
    plan_ref: str
    sections: str
    cycle_id: int
    cycle: str
    due: date
    state: str  # not_started, draft or late (audit.cycle.lifecycle.assignment_state)


def work_to_do(session: Session, auditor_id: int, today: date) -> list[Work]:
    """The auditor's active assignments in open cycles without a submitted scorecard, earliest due first."""
    rows = session.exec(
        select(Assignment, Plan, Cycle, Scorecard)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .where(Assignment.auditor_id == auditor_id, Assignment.active == True,  # noqa: E712
               Cycle.status == CycleStatus.open.value)
    ).all()
    work = [Work(a.id, plan.plan_ref, ", ".join(section_words(s) for s in a.sections), cycle.id, cycle.name, a.due_date,
                 assignment_state(card, a, today))
            for a, plan, cycle, card in rows
            if card is None or card.status != ScorecardStatus.submitted.value]
    return sorted(work, key=lambda w: (w.due, w.plan_ref, w.assignment_id))
