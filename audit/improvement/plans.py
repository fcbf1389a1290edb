"""Improvement plans in the store: plans, areas of weakness, actions, links, evidence and status history.

Every change of an action's status or evidence is written with who made it, when and why
(ActionStatusChange, ActionEvent); nothing here deletes history. Unique constraints on links, evidence
and rule-raised actions let reruns add nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from audit import vocabulary
from audit.errors import AuditError, Conflict, NotFound
from audit.improvement.layouts import LAYOUTS
from audit.improvement.milestones import read_milestone
from audit.improvement.scales import StatusScale
from audit.rubrics.loading import Rubric
from audit.store.models import (
    ActionEvent,
    ActionEvidence,
    ActionLink,
    ActionStatusChange,
    Cycle,
    ImprovementAction,
    ImprovementPlan,
    LocalArea,
    WeaknessArea,
    utcnow,
)
from audit.vocabulary import Agency, LinkLevel, label

SYSTEM = vocabulary.SYSTEM  # who, for changes the cycle flow makes from the data


def plans_of(session: Session, area_id: int) -> list[ImprovementPlan]:
    return list(session.exec(select(ImprovementPlan).where(ImprovementPlan.area_id == area_id)
                             .order_by(ImprovementPlan.id)).all())


def get_plan(session: Session, area_id: int, plan: int | str) -> ImprovementPlan:
    """A plan of the area by id or by name."""
    query = select(ImprovementPlan).where(ImprovementPlan.area_id == area_id)
    if isinstance(plan, int) or str(plan).isdigit():
        query = query.where(ImprovementPlan.id == int(plan))
    else:
        query = query.where(ImprovementPlan.name == str(plan))
    found = session.exec(query).first()
    if found is None:
        names = ", ".join(f"{p.id} ({p.name})" for p in plans_of(session, area_id)) or "none yet"
        raise NotFound(f"No improvement plan '{plan}' in this area; the plans are: {names}.")
    return found


def create_plan(session: Session, area: LocalArea, name: str, scale: StatusScale, layout: str, by: str,
                options: dict | None = None, source_file: str | None = None) -> ImprovementPlan:
    if layout not in LAYOUTS:
        raise AuditError(f"Unknown layout '{layout}'; use one of {', '.join(LAYOUTS)}.")
    if not name.strip():
        raise AuditError("Give the improvement plan a name.")
    exists = session.exec(select(ImprovementPlan).where(ImprovementPlan.area_id == area.id,
                                                        ImprovementPlan.name == name.strip())).first()
    if exists is not None:
        raise Conflict(f"An improvement plan named '{name}' already exists (plan {exists.id}); choose another name.")
    plan = ImprovementPlan(area_id=area.id, name=name.strip(), scale=scale.key, layout=layout,
                           layout_options=options or {}, source_file=source_file, created_by=by)
    session.add(plan)
    session.flush()
    return plan


def ensure_area(session: Session, plan: ImprovementPlan, reference: str, title: str) -> WeaknessArea:
    """The plan's area of weakness with this reference, created (at the end) when missing."""
    area = session.exec(select(WeaknessArea).where(WeaknessArea.plan_id == plan.id,
                                                   WeaknessArea.reference == reference)).first()
    if area is None:
        count = len(session.exec(select(WeaknessArea.id).where(WeaknessArea.plan_id == plan.id)).all())
        area = WeaknessArea(plan_id=plan.id, reference=reference, title=title, position=count + 1)
        session.add(area)
        session.flush()
    return area


def next_reference(session: Session, area: WeaknessArea) -> str:
    """The next free reference in an area: '<area>.<n>'."""
    taken = set(session.exec(select(ImprovementAction.reference).where(ImprovementAction.plan_id == area.plan_id)).all())
    n = 1 + len(session.exec(select(ImprovementAction.id).where(ImprovementAction.weakness_id == area.id)).all())
    while f"{area.reference}.{n}" in taken:
        n += 1
    return f"{area.reference}.{n}"


def add_action(session: Session, plan: ImprovementPlan, area: WeaknessArea, *, reference: str, action: str, by: str,
               reason: str, now: datetime | None = None, **fields) -> ImprovementAction:
    """A new action with its 'created' event; milestones' last dates become the due dates."""
    position = 1 + len(session.exec(select(ImprovementAction.id).where(ImprovementAction.plan_id == plan.id)).all())
    row = ImprovementAction(plan_id=plan.id, weakness_id=area.id, reference=reference, action=action,
                            position=position, created_by=by, created_at=now or utcnow(), **fields)
    set_milestones(row)
    session.add(row)
    session.flush()
    add_event(session, row, "created", by, reason, now=now)
    return row


def set_milestones(action: ImprovementAction) -> None:
    """Each milestone's kind (date, range, recurring, none) and due date, from the text as written."""
    for name in ("action", "impact"):
        milestone = read_milestone(getattr(action, f"{name}_milestone"))
        setattr(action, f"{name}_due", milestone.due)
        setattr(action, f"{name}_milestone_kind", milestone.kind)


def add_event(session: Session, action: ImprovementAction, kind: str, by: str, reason: str, detail: dict | None = None,
              now: datetime | None = None) -> ActionEvent:
    event = ActionEvent(action_id=action.id, kind=kind, by=by, reason=reason, detail=detail or {}, at=now or utcnow())
    session.add(event)
    session.flush()
    return event


def set_status(session: Session, action: ImprovementAction, scale: StatusScale, status: str, by: str, reason: str,
               source: str = "lead", proposal_id: int | None = None, period: str | None = None,
               now: datetime | None = None) -> ActionStatusChange:
    """Change an action's status, recording who, when and why; the status is a key or label on the plan's scale."""
    found = scale.status(status) or scale.by_label(status)
    if found is None:
        raise AuditError(f"'{status}' is not a status on the {scale.title} scale; use one of "
                         f"{', '.join(scale.labels())}.")
    if not by.strip():
        raise AuditError("Say who is changing the status.")
    if not reason.strip():
        raise AuditError(f"Give a reason for setting action {action.reference} to '{found.label}'.")
    now = now or utcnow()
    change = ActionStatusChange(action_id=action.id, status=found.key, previous=action.status, source=source,
                                proposal_id=proposal_id, changed_by=by.strip(), reason=reason.strip(), changed_at=now,
                                period=period or f"{now:%b %Y}")
    action.status = found.key
    session.add(action)
    session.add(change)
    session.flush()
    return change


def check_link(level: str, target: str, rubric: Rubric | None = None) -> None:
    """Refuse a link to something that does not exist (in the rubric, when one is given)."""
    if level not in LinkLevel.values():
        raise AuditError(f"'{level}' cannot be linked; use one of {', '.join(LinkLevel.values())}.")
    if level == LinkLevel.service.value and target not in Agency.values():
        raise AuditError(f"'{target}' is not a service; use one of {', '.join(Agency.values())}.")
    if rubric is None or level == LinkLevel.service.value:
        return
    known = ([c.id for s in rubric.sections for c in s.criteria] if level == LinkLevel.criterion.value
             else [s.code for s in rubric.sections])
    if target not in known:
        raise AuditError(f"The rubric '{rubric.key}' has no {level} '{target}'; use one of {', '.join(known)}.")


def link_action(session: Session, action: ImprovementAction, level: str, target: str, by: str, reason: str,
                rubric: Rubric | None = None, now: datetime | None = None) -> tuple[ActionLink, bool]:
    """Link an action to what it should improve; returns (link, created). Linking twice adds nothing."""
    check_link(level, target, rubric)
    key = rubric.key if rubric and level != LinkLevel.service.value else ""
    existing = session.exec(select(ActionLink).where(ActionLink.action_id == action.id, ActionLink.level == level,
                                                     ActionLink.target == target, ActionLink.rubric == key)).first()
    if existing is not None:
        return existing, False
    link = ActionLink(action_id=action.id, level=level, target=target, rubric=key, created_by=by, reason=reason,
                      created_at=now or utcnow())
    session.add(link)
    session.flush()
    add_event(session, action, "linked", by, reason, {"level": level, "target": target, "rubric": key}, now=now)
    return link, True


def links_of(session: Session, action_id: int) -> list[ActionLink]:
    return list(session.exec(select(ActionLink).where(ActionLink.action_id == action_id).order_by(ActionLink.id)).all())


@dataclass(frozen=True)
class Finding:
    """One weak target in one cycle, as a rule saw it."""

    rule: str
    level: str
    target: str
    rubric: str
    plans: int
    weak: int
    plan_refs: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.weak / self.plans if self.plans else 0.0

    def describe(self, cycle: Cycle) -> str:
        target = label(self.target, "agency") if self.level == LinkLevel.service.value else self.target
        return (f"{self.weak} of {self.plans} plans ({100 * self.share:.0f}%) graded Requires Improvement or "
                f"Inadequate on {self.level} {target} in cycle {cycle.id} ({cycle.name})")


def add_evidence(session: Session, action: ImprovementAction, cycle: Cycle, finding: Finding, by: str,
                 now: datetime | None = None) -> tuple[ActionEvidence, str]:
    """Record that a cycle's finding evidences an action; returns (row, 'added' | 'updated' | 'unchanged').

    A rerun after rescoring (a late scorecard) updates the counts and says so in the history.
    """
    reason = f"rule {finding.rule}: {finding.describe(cycle)}"
    row = session.exec(select(ActionEvidence).where(
        ActionEvidence.action_id == action.id, ActionEvidence.cycle_id == cycle.id, ActionEvidence.rule == finding.rule,
        ActionEvidence.level == finding.level, ActionEvidence.target == finding.target)).first()
    refs = sorted(finding.plan_refs)
    if row is None:
        row = ActionEvidence(action_id=action.id, cycle_id=cycle.id, rule=finding.rule, level=finding.level,
                             target=finding.target, plans=finding.plans, weak=finding.weak,
                             share=round(finding.share, 4), plan_refs=refs, recorded_by=by, reason=reason,
                             recorded_at=now or utcnow())
        session.add(row)
        session.flush()
        add_event(session, action, "evidence", by, reason, {"cycle_id": cycle.id, "plans": finding.plans,
                                                            "weak": finding.weak, "plan_refs": refs}, now=now)
        return row, "added"
    if (row.plans, row.weak, list(row.plan_refs)) == (finding.plans, finding.weak, refs):
        return row, "unchanged"
    before = {"plans": row.plans, "weak": row.weak, "plan_refs": list(row.plan_refs)}
    row.plans, row.weak, row.share, row.plan_refs = finding.plans, finding.weak, round(finding.share, 4), refs
    row.reason = reason
    session.add(row)
    session.flush()
    add_event(session, action, "evidence-updated", by, f"cycle {cycle.id} was rescored; {reason}",
              {"cycle_id": cycle.id, "before": before, "after": {"plans": finding.plans, "weak": finding.weak,
                                                                 "plan_refs": refs}}, now=now)
    return row, "updated"


def evidence_of(session: Session, action_id: int) -> list[ActionEvidence]:
    return list(session.exec(select(ActionEvidence).where(ActionEvidence.action_id == action_id)
                             .order_by(ActionEvidence.cycle_id, ActionEvidence.id)).all())


def history(session: Session, action_id: int) -> list[dict]:
    """Every status change and event of an action, oldest first: when, who, what, why."""
    items = [{"at": c.changed_at, "by": c.changed_by, "kind": f"status ({c.source})",
              "what": f"{c.previous or 'none'} -> {c.status}" + (f" [{c.period}]" if c.period else ""),
              "reason": c.reason}
             for c in session.exec(select(ActionStatusChange).where(ActionStatusChange.action_id == action_id)).all()]
    items += [{"at": e.at, "by": e.by, "kind": e.kind, "what": _event_text(e), "reason": e.reason}
              for e in session.exec(select(ActionEvent).where(ActionEvent.action_id == action_id)).all()]
    return sorted(items, key=lambda i: (i["at"], i["kind"]))


def _event_text(event: ActionEvent) -> str:
    d = event.detail
    if event.kind == "linked":
        return f"{d.get('level')} {d.get('target')}" + (f" ({d['rubric']})" if d.get("rubric") else "")
    if event.kind in ("evidence", "evidence-updated"):
        after = d.get("after", d)
        return f"cycle {d.get('cycle_id')}: {after.get('weak')} of {after.get('plans')} plans weak"
    if event.kind == "revised":  # field -> [before, after]
        return "; ".join(f"{k.replace('_', ' ')} '{v[0] or ''}' -> '{v[1] or ''}'" for k, v in d.items())
    if event.kind == "removed":
        return ""
    if event.kind.startswith("proposal"):
        return f"cycle {d.get('cycle_id')}: {d.get('proposed')}"
    return ", ".join(f"{k} {v}" for k, v in d.items())


def actions_of(session: Session, plan_id: int, removed: bool = False) -> list[tuple[ImprovementAction, WeaknessArea]]:
    """Every action of a plan with its area, in the plan's order (those a later revision removed only if asked)."""
    query = (select(ImprovementAction, WeaknessArea)
             .join(WeaknessArea, WeaknessArea.id == ImprovementAction.weakness_id)
             .where(ImprovementAction.plan_id == plan_id))
    if not removed:
        query = query.where(col(ImprovementAction.removed_in).is_(None))
    return list(session.exec(query.order_by(WeaknessArea.position, col(ImprovementAction.position))).all())
