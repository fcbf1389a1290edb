"""Raise actions from a scored cycle: amendment tasks for weak plans, improvement actions for weak criteria.

Each action has a key built from what raised it (cycle + plan, or cycle + criterion), backed by a unique
constraint, so rerunning the step never raises the same action twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from audit.analysis import CycleResults, criterion_stats
from audit.codes import ActionKind, Grade, TaskStatus
from audit.models import Action, Plan
from audit.settings import Settings


def amendment_due(plan: Plan, today: date, days: int) -> date:
    """`days` from today, but never later than the day before the plan's next annual review is due."""
    due = today + timedelta(days=days)
    last = plan.last_review_meeting_date or plan.final_issued_date
    if last:
        next_review = last + relativedelta(months=12)
        if today < next_review - timedelta(days=1) < due:
            due = next_review - timedelta(days=1)
    return due


def raise_actions(session: Session, results: CycleResults, settings: Settings, today: date) -> list[Action]:
    """Add the actions this cycle's findings call for that are not raised yet; returns the new ones."""
    cycle = results.cycle
    keys = set(session.exec(select(Action.key).where(Action.cycle_id == cycle.id)).all())
    new: list[Action] = []
    weak_plans = results.plans[results.plans["grade"].notna() & (results.plans["grade"] <= int(Grade.REQUIRES_IMPROVEMENT))]
    for row in weak_plans.itertuples():
        plan = session.get(Plan, row.plan_id)
        key = f"amend:{cycle.id}:{plan.id}"
        if key in keys:
            continue
        grade = Grade(int(row.grade))
        weak_sections = results.sections[(results.sections["sampled_plan_id"] == row.sampled_plan_id)
                                         & (results.sections["grade"] <= int(Grade.REQUIRES_IMPROVEMENT))]["section"]
        new.append(Action(
            area_id=cycle.area_id, key=key, kind=ActionKind.amendment.value, cycle_id=cycle.id, plan_id=plan.id,
            title=f"Amend plan {plan.plan_ref} (graded {grade.label})",
            detail="Sections to amend: " + (", ".join(sorted(weak_sections)) or "see scorecard comments"),
            lead=plan.case_officer, milestone=amendment_due(plan, today, settings.amendment_due_days),
            status=TaskStatus.not_started.value,
            evidence={"cycle_id": cycle.id, "plan_ref": plan.plan_ref, "grade": grade.label},
        ))
    crit = results.criteria
    if not crit.empty:
        stats = criterion_stats(results)
        for row in stats.itertuples():
            share = row.weak / row.plans
            if row.weak < settings.weak_criterion_min_plans or share < settings.weak_criterion_share:
                continue
            key = f"improve:{cycle.id}:{row.criterion_id}"
            if key in keys:
                continue
            _, criterion = results.rubric.criterion(row.criterion_id)
            plan_refs = sorted(results.plans.set_index("sampled_plan_id").loc[
                crit[(crit["criterion_id"] == row.criterion_id) & (crit["grade"] <= int(Grade.REQUIRES_IMPROVEMENT))]
                ["sampled_plan_id"], "plan_ref"].tolist())
            new.append(Action(
                area_id=cycle.area_id, key=key, kind=ActionKind.improvement.value, cycle_id=cycle.id,
                section=row.section, criterion_id=row.criterion_id,
                title=f"Improve criterion {row.criterion_id}: {criterion.text}",
                detail=f"{row.weak} of {row.plans} plans ({100 * share:.0f}%) graded Requires Improvement or "
                       f"Inadequate on this criterion in cycle {cycle.id}.",
                lead=settings.improvement_lead, milestone=today + timedelta(days=settings.improvement_milestone_days),
                status=TaskStatus.not_started.value,
                evidence={"cycle_id": cycle.id, "weak": int(row.weak), "plans": int(row.plans),
                          "share": round(share, 3), "plan_refs": plan_refs},
            ))
    session.add_all(new)
    session.flush()
    return new


def cycle_actions(session: Session, cycle_id: int) -> list[Action]:
    return list(session.exec(select(Action).where(Action.cycle_id == cycle_id).order_by(Action.kind, Action.key)).all())
