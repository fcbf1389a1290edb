"""The plan-level loop: a weak plan's amendment task, its re-audit in a later cycle, and before and after grades.

1. A plan graded Requires Improvement or Inadequate gets an amendment task for its case officer (a code),
   due in EHCP_AUDIT_AMENDMENT_DUE_DAYS days (or _WORKING_DAYS working days), never later than the day
   before the plan's next annual review.
2. The case officer (or the QA lead) marks the task done, saying what was amended.
3. The next whole-plan cycle to be opened samples the plan again, as a re-audit on top of its random
   sample (stratum "re-audit"); if the random draw already picked the plan it is flagged as the re-audit
   within the sample. Re-audits on top are left out of the cycle's own statistics (audit.results.analysis), so
   the board's figures stay those of a random sample.
4. When the re-audit cycle is scored, the task is "re-audited" and its before and after grades are
   reported side by side. A re-audited plan still weak gets a new task from that cycle.

Every step is an AmendmentEvent (who, when, why). The task is an `Action` of kind "amendment".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from audit.errors import AuditError, Conflict, NotFound
from audit.settings import Settings
from audit.store.models import Action, AmendmentEvent, Cycle, Plan, PlanResult, RubricVersion, SampledPlan, SectionResult, utcnow
from audit.timeliness.workdays import nth_working_day
from audit.vocabulary import REAUDIT_STRATUM, SYSTEM, ActionKind, CycleStatus, Grade, PlanStatus, SampleStatus, TaskStatus


def next_review_due(plan: Plan) -> date | None:
    last = plan.last_review_meeting_date or plan.final_issued_date
    return last + relativedelta(months=12) if last else None


def amendment_due(plan: Plan, today: date, days: int, working_days: int | None = None) -> date:
    """`days` from today (or the `working_days`-th working day after today), never later than the day before
    the plan's next annual review is due (unless that day has already passed)."""
    due = nth_working_day(today + timedelta(days=1), working_days) if working_days else today + timedelta(days=days)
    review = next_review_due(plan)
    if review and today < review - timedelta(days=1) < due:
        due = review - timedelta(days=1)
    return due


def task_event(session: Session, task: Action, kind: str, by: str, reason: str, detail: dict | None = None,
               now: datetime | None = None) -> AmendmentEvent:
    event = AmendmentEvent(task_id=task.id, kind=kind, by=by, reason=reason, detail=detail or {}, at=now or utcnow())
    session.add(event)
    session.flush()
    return event


def raise_amendments(session: Session, cycle: Cycle, settings: Settings, today: date) -> list[Action]:
    """An amendment task for every plan of the cycle graded RI or Inadequate that has none yet (re-audits too)."""
    rows = session.exec(
        select(PlanResult, SampledPlan, Plan).join(SampledPlan, SampledPlan.id == PlanResult.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .where(PlanResult.cycle_id == cycle.id, col(PlanResult.grade).is_not(None),
               PlanResult.grade <= int(Grade.REQUIRES_IMPROVEMENT))
        .order_by(Plan.plan_ref)).all()
    keys = set(session.exec(select(Action.key).where(Action.cycle_id == cycle.id)).all())
    new = []
    for result, sampled, plan in rows:
        key = f"amend:{cycle.id}:{plan.id}"
        if key in keys:
            continue
        grade = Grade(result.grade)
        weak = sorted(session.exec(select(SectionResult.section).where(
            SectionResult.cycle_id == cycle.id, SectionResult.sampled_plan_id == sampled.id,
            col(SectionResult.grade).is_not(None), SectionResult.grade <= int(Grade.REQUIRES_IMPROVEMENT))).all())
        task = Action(
            area_id=cycle.area_id, key=key, kind=ActionKind.amendment.value, cycle_id=cycle.id, plan_id=plan.id,
            title=f"Amend plan {plan.plan_ref} (graded {grade.label})",
            detail="Sections to amend: " + (", ".join(weak) or "see scorecard comments"),
            lead=plan.case_officer, status=TaskStatus.not_started.value,
            milestone=amendment_due(plan, today, settings.amendment_due_days, settings.amendment_due_working_days),
            evidence={"cycle_id": cycle.id, "plan_ref": plan.plan_ref, "grade": grade.label, "sections": weak,
                      "reaudit": sampled.reaudit_task_id is not None})
        session.add(task)
        session.flush()
        task_event(session, task, "raised", SYSTEM, f"plan graded {grade.label} in cycle {cycle.id} ({cycle.name})",
                   {"due": task.milestone.isoformat()})
        new.append(task)
    return new


def get_task(session: Session, task_id: int, area_id: int | None = None) -> Action:
    task = session.get(Action, task_id)
    if task is None or task.kind != ActionKind.amendment.value or (area_id is not None and task.area_id != area_id):
        raise NotFound(f"No amendment task {task_id}. 'ehcp-audit improvement tasks' lists them.")
    return task


def mark_done(session: Session, task: Action, by: str, note: str, now: datetime | None = None) -> Action:
    """The case officer has amended the plan; the next whole-plan cycle re-audits it."""
    if not by.strip():
        raise AuditError("Say who marks the task done.")
    if not note.strip():
        raise AuditError(f"Say what was amended in plan {task.evidence.get('plan_ref', '')} before marking the task done.")
    if task.status != TaskStatus.not_started.value:
        raise Conflict(f"Task {task.id} was already marked done on {task.done_at:%d %B %Y} by {task.done_by}.")
    now = now or utcnow()
    task.status, task.done_at, task.done_by = TaskStatus.done.value, now, by.strip()
    session.add(task)
    task_event(session, task, "done", by.strip(), note.strip(), now=now)
    return task


def schedule_reaudits(session: Session, cycle: Cycle, now: datetime | None = None) -> list[SampledPlan]:
    """Add every done, not yet re-audited task's plan to a whole-plan cycle being sampled; returns the rows."""
    if cycle.status != CycleStatus.draft.value:
        return []
    if session.get(RubricVersion, cycle.rubric_version_id).kind != "whole_plan":
        return []  # a themed audit looks at one kind of advice; the re-audit waits for a whole-plan cycle
    tasks = session.exec(
        select(Action, Plan, Cycle).join(Plan, Plan.id == Action.plan_id).join(Cycle, Cycle.id == Action.cycle_id)
        .where(Action.area_id == cycle.area_id, Action.kind == ActionKind.amendment.value,
               Action.status == TaskStatus.done.value, col(Action.reaudit_cycle_id).is_(None),
               Action.cycle_id != cycle.id, Plan.status == PlanStatus.active.value)
        .order_by(Plan.plan_ref, Action.id)).all()
    rows = []
    for task, plan, raised_in in tasks:
        if raised_in.created_at >= cycle.created_at:
            continue
        row = session.exec(select(SampledPlan).where(SampledPlan.cycle_id == cycle.id,
                                                     SampledPlan.plan_id == plan.id)).first()
        placed = "within the random sample"
        if row is None:
            row = SampledPlan(cycle_id=cycle.id, plan_id=plan.id, stratum=REAUDIT_STRATUM)
            placed = "on top of the random sample"
        row.reaudit_task_id = task.id
        task.reaudit_cycle_id = cycle.id
        session.add_all([row, task])
        session.flush()
        task_event(session, task, "reaudit-scheduled", SYSTEM, f"re-audit {placed} of cycle {cycle.id} ({cycle.name})",
                   {"cycle_id": cycle.id}, now=now)
        rows.append(row)
    return rows


def record_reaudits(session: Session, cycle: Cycle) -> list[Action]:
    """Mark re-audited every task whose plan has an overall grade in this (re-audit) cycle."""
    rows = session.exec(
        select(Action, PlanResult).join(SampledPlan, SampledPlan.reaudit_task_id == Action.id)
        .join(PlanResult, PlanResult.sampled_plan_id == SampledPlan.id)
        .where(SampledPlan.cycle_id == cycle.id, Action.status == TaskStatus.done.value,
               SampledPlan.status == SampleStatus.sampled.value, col(PlanResult.grade).is_not(None))).all()
    done = []
    for task, result in rows:
        task.status = TaskStatus.reaudited.value
        session.add(task)
        task_event(session, task, "reaudited", SYSTEM,
                   f"re-audited in cycle {cycle.id} ({cycle.name}): {Grade(result.grade).label} "
                   f"(was {task.evidence.get('grade')})", {"cycle_id": cycle.id, "grade": Grade(result.grade).label})
        done.append(task)
    session.flush()
    return done


def tasks_of(session: Session, area_id: int, status: str | None = None,
             reaudit_scheduled: bool = False) -> list[tuple[Action, Plan]]:
    query = (select(Action, Plan).join(Plan, Plan.id == Action.plan_id)
             .where(Action.area_id == area_id, Action.kind == ActionKind.amendment.value))
    if status:
        query = query.where(Action.status == status)
    if reaudit_scheduled:
        query = query.where(col(Action.reaudit_cycle_id).is_not(None))
    return list(session.exec(query.order_by(Action.milestone, Plan.plan_ref)).all())


def overdue_tasks(session: Session, area_id: int, today: date) -> list[tuple[Action, Plan]]:
    """Amendment tasks not done by their due date, oldest first."""
    return [(t, p) for t, p in tasks_of(session, area_id, TaskStatus.not_started.value) if t.milestone < today]


def _grades(session: Session, cycle_id: int, plan_id: int) -> tuple[str, dict[str, str]]:
    """A plan's overall grade in a cycle (or why there is none) and its section grades."""
    row = session.exec(select(SampledPlan, PlanResult).join(PlanResult, PlanResult.sampled_plan_id == SampledPlan.id,
                                                            isouter=True)
                       .where(SampledPlan.cycle_id == cycle_id, SampledPlan.plan_id == plan_id)).first()
    if row is None or row[1] is None:
        return "awaiting audit", {}
    sampled, result = row
    sections = {s.section: Grade(s.grade).label if s.grade else s.status.replace("_", " ")
                for s in session.exec(select(SectionResult).where(SectionResult.sampled_plan_id == sampled.id))}
    return (Grade(result.grade).label if result.grade else "incomplete"), sections


def before_after(session: Session, area_id: int) -> list[dict]:
    """Every re-audited (or scheduled) plan: its grade when the task was raised and at the re-audit, side by side."""
    out = []
    # Only the tasks with a re-audit: an area raises hundreds of tasks a year, and the board pack asks twice.
    for task, plan in tasks_of(session, area_id, reaudit_scheduled=True):
        before, before_sections = _grades(session, task.cycle_id, plan.id)
        after, after_sections = _grades(session, task.reaudit_cycle_id, plan.id)
        change = None
        if before in Grade.labels_best_first() and after in Grade.labels_best_first():
            b, a = Grade.parse(before), Grade.parse(after)
            change = "better" if a > b else "worse" if a < b else "same"
        out.append({
            "task_id": task.id, "plan_ref": plan.plan_ref, "officer": task.lead,
            "raised_in": session.get(Cycle, task.cycle_id).name, "before": before,
            "done_at": task.done_at.date().isoformat() if task.done_at else None,
            "reaudit_cycle": session.get(Cycle, task.reaudit_cycle_id).name, "after": after, "change": change,
            "sections": [{"section": s, "before": before_sections.get(s, "–"), "after": after_sections.get(s, "–")}
                         for s in sorted(set(before_sections) | set(after_sections))],
        })
    return out
