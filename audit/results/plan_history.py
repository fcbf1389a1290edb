"""Looking one plan up by its reference: its audits across cycles, as far as the person looking may see.

Who sees what (the `look_up_plans` permission's scope, audit.protection.permissions):

- QA leads, moderators and board members: every plan of the area and every audit of it. Comments are shown to
  the roles that moderate (QA lead, moderator); a board member sees grades, not what auditors wrote.
- An auditor (and a parent carer forum auditor): only plans they audited, only the cycles they audited them in,
  and only their own scorecards' comments; the plan's section and overall grades of those cycles.
- A service lead: only plans their service audited, only their service's sections, scorecards and clocks (no
  overall plan grade, which mixes every service's sections); amendment tasks go to the SEN team's lead.
- Officer codes (case officer, advice authors, a task's lead) and auditor codes only with `see_officer_names`:
  a parent carer forum auditor sees none.

A plan the person may not see is `None`, exactly like a reference that does not exist, so the page cannot tell
anyone that a plan they may not see is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from audit.cycle.lifecycle import assignment_state
from audit.cycle.plan_details import plan_details
from audit.protection.permissions import Permission, Scope, permits, scope
from audit.store.models import (
    Action,
    Assignment,
    Auditor,
    CriterionGrade,
    Cycle,
    ModeratedGrade,
    Plan,
    PlanResult,
    SampledPlan,
    Scorecard,
    SectionResult,
)
from audit.timeliness.plan_clocks import PlanClock, plan_clocks
from audit.vocabulary import REAUDIT_STRATUM, ActionKind, Grade, label, section_words


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their role, their auditor record (if they grade plans) and their service (a service lead)."""

    role: str
    auditor_id: int | None = None
    service: str | None = None


@dataclass
class PlanHistory:
    plan: Plan
    details: dict
    audits: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    clocks: list[PlanClock] = field(default_factory=list)
    shows_comments: bool = False
    shows_people: bool = False


def _grade(value: int | None) -> str:
    return Grade(value).label if value else ""


def look_up_plan(session: Session, area_id: int, plan_ref: str, viewer: Viewer, today: date) -> PlanHistory | None:
    """The plan as `viewer` may see it, or None when there is no such plan or it is not theirs to see."""
    reach = scope(viewer.role, Permission.look_up_plans)
    ref = plan_ref.strip()
    if reach is None or not ref:
        return None
    plan = session.exec(select(Plan).where(Plan.area_id == area_id, Plan.plan_ref == ref)).first()
    if plan is None:
        return None
    rows = session.exec(
        select(SampledPlan, Cycle).join(Cycle, Cycle.id == SampledPlan.cycle_id)
        .where(SampledPlan.plan_id == plan.id).order_by(Cycle.due_date.desc(), Cycle.id.desc())
    ).all()
    assignments = session.exec(
        select(Assignment, Auditor).join(Auditor, Auditor.id == Assignment.auditor_id)
        .where(col(Assignment.sampled_plan_id).in_([sp.id for sp, _ in rows]))
        .order_by(Assignment.agency, Assignment.marker_role)
    ).all() if rows else []
    mine = _visible_assignments(assignments, reach, viewer)
    if reach is not Scope.all and not mine:
        return None
    people = permits(viewer.role, Permission.see_officer_names)
    comments_for_all = reach is Scope.all and permits(viewer.role, Permission.moderate)
    history = PlanHistory(plan=plan, details=plan_details(plan, viewer.role), shows_people=people,
                          shows_comments=comments_for_all or reach is not Scope.all)
    seen_samples = {a.sampled_plan_id for a, _ in mine}
    for sampled, cycle in rows:
        if reach is not Scope.all and sampled.id not in seen_samples:
            continue  # a cycle this auditor or service took no part in
        history.audits.append(_audit(session, sampled, cycle, [(a, who) for a, who in mine
                                                                if a.sampled_plan_id == sampled.id],
                                     reach, viewer, people, comments_for_all or reach is not Scope.all, today))
    if reach is Scope.all or (reach is Scope.own_service and viewer.service == "sen_team"):
        history.tasks = _tasks(session, plan, people)
    history.clocks = plan_clocks(plan, today, viewer.service if reach is Scope.own_service else None)
    return history


def _visible_assignments(assignments: list, reach: Scope, viewer: Viewer) -> list:
    if reach is Scope.all:
        return list(assignments)
    if reach is Scope.own_assignments:
        return [(a, who) for a, who in assignments if viewer.auditor_id is not None and a.auditor_id == viewer.auditor_id]
    return [(a, who) for a, who in assignments if viewer.service and a.agency == viewer.service]


def _audit(session: Session, sampled: SampledPlan, cycle: Cycle, assignments: list, reach: Scope, viewer: Viewer,
           people: bool, comments: bool, today: date) -> dict:
    result = session.exec(select(PlanResult).where(PlanResult.sampled_plan_id == sampled.id)).first()
    sections = session.exec(select(SectionResult).where(SectionResult.sampled_plan_id == sampled.id)
                            .order_by(SectionResult.section)).all()
    if reach is Scope.own_service:
        sections = [s for s in sections if s.agency == viewer.service]
    moderated = {m.section: m for m in session.exec(
        select(ModeratedGrade).where(ModeratedGrade.sampled_plan_id == sampled.id))}
    cards = {c.assignment_id: c for c in session.exec(
        select(Scorecard).where(col(Scorecard.assignment_id).in_([a.id for a, _ in assignments])))} if assignments else {}
    scorecards = []
    for assignment, auditor in assignments:
        card = cards.get(assignment.id)
        state = assignment_state(card, assignment, today)
        own = viewer.auditor_id is not None and assignment.auditor_id == viewer.auditor_id
        grades = []
        if card is not None and card.status == "submitted":
            grades = [{"criterion": g.criterion_id, "section": g.section,
                       "grade": "Not applicable" if g.not_applicable else _grade(g.grade),
                       "comment": g.comment if (comments and (reach is not Scope.own_assignments or own)) else None}
                      for g in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == card.id)
                                            .order_by(CriterionGrade.section, CriterionGrade.criterion_id))]
        scorecards.append({
            "agency": label(assignment.agency, "agency"), "sections": ", ".join(section_words(s) for s in assignment.sections),
            "marker": label(assignment.marker_role, "marker_role"),
            "auditor": auditor.code if people else None, "state": label(state, "work_status"),
            "active": assignment.active, "due": assignment.due_date, "grades": grades,
        })
    return {
        "cycle_id": cycle.id, "cycle": cycle.name, "cycle_status": label(cycle.status, "cycle_status"),
        "due": cycle.due_date, "sample_status": label(sampled.status, "sample_status"),
        "withdrawn_reason": sampled.withdrawn_reason or "",
        "reaudit": sampled.stratum == REAUDIT_STRATUM or sampled.reaudit_task_id is not None,
        "overall": None if reach is Scope.own_service or result is None else (
            _grade(result.grade) or label(result.status, "section_status")),
        "sections": [{"section": s.section, "agency": label(s.agency, "agency"),
                      "grade": _grade(s.grade) or label(s.status, "section_status"),
                      "moderated": s.section in moderated} for s in sections],
        "scorecards": scorecards,
    }


def _tasks(session: Session, plan: Plan, people: bool) -> list[dict]:
    tasks = session.exec(select(Action).where(Action.plan_id == plan.id, Action.kind == ActionKind.amendment.value)
                         .order_by(Action.milestone)).all()
    cycles = {c.id: c.name for c in session.exec(select(Cycle).where(col(Cycle.id).in_(
        {t.cycle_id for t in tasks} | {t.reaudit_cycle_id for t in tasks})))} if tasks else {}
    return [{"title": t.title, "raised_in": cycles.get(t.cycle_id, ""), "due": t.milestone,
             "status": label(t.status, "task_status"), "lead": t.lead if people else None,
             "reaudit_cycle": cycles.get(t.reaudit_cycle_id) if t.reaudit_cycle_id else None,
             "done_at": t.done_at} for t in tasks]
