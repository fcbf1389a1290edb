"""Raise actions from a scored cycle: amendment tasks for weak plans, improvement-plan actions by the rules.

Amendment tasks (audit.cycle.amendments) have a key built from the cycle and the plan; improvement actions and
their evidence come from the rules file (audit.improvement.rules). Both sit under unique constraints, so
rerunning the step never raises the same thing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from audit.cycle.amendments import amendment_due, raise_amendments
from audit.improvement.plans import SYSTEM
from audit.improvement.rules import Applied, RuleSet, apply_rules, load_rules
from audit.improvement.scales import StatusScale, load_scales
from audit.results.analysis import CycleResults
from audit.rubrics.model import Rubric
from audit.settings import Settings
from audit.store.models import Action, ActionEvidence, ImprovementAction, ImprovementPlan
from audit.vocabulary import LinkLevel

__all__ = ["Raised", "action_services", "amendment_due", "cycle_actions", "cycle_improvement_actions", "raise_actions"]


@dataclass
class Raised:
    """What one run of the step added."""

    amendments: list[Action]
    applied: Applied

    @property
    def improvements(self) -> list[ImprovementAction]:
        return self.applied.new_actions

    @property
    def count(self) -> int:
        """New amendment tasks and new improvement actions (evidence added to existing actions not counted)."""
        return len(self.amendments) + len(self.applied.new_actions)


def raise_actions(session: Session, results: CycleResults, settings: Settings, today: date,
                  rules: RuleSet | None = None, scales: dict[str, StatusScale] | None = None) -> Raised:
    """Add the amendment tasks and improvement actions this cycle's findings call for that are not there yet."""
    amendments = raise_amendments(session, results.cycle, settings, today)
    applied = apply_rules(session, results, rules or load_rules(settings), scales or load_scales(settings.scales_dir),
                          today, SYSTEM)
    session.flush()
    return Raised(amendments, applied)


def cycle_actions(session: Session, cycle_id: int) -> list[Action]:
    """The cycle's amendment tasks (improvement actions are in `cycle_improvement_actions`)."""
    return list(session.exec(select(Action).where(Action.cycle_id == cycle_id).order_by(Action.kind, Action.key)).all())


def cycle_improvement_actions(session: Session, cycle_id: int, scales: dict[str, StatusScale]) -> list[dict]:
    """Improvement actions the cycle raised or evidenced, as rows for the board: reference, action, lead, status."""
    rows = session.exec(
        select(ImprovementAction, ImprovementPlan, ActionEvidence)
        .join(ActionEvidence, ActionEvidence.action_id == ImprovementAction.id)
        .join(ImprovementPlan, ImprovementPlan.id == ImprovementAction.plan_id)
        .where(ActionEvidence.cycle_id == cycle_id).order_by(ImprovementAction.plan_id, ImprovementAction.position)
    ).all()
    out: dict[int, dict] = {}
    for action, plan, evidence in rows:
        scale = scales.get(plan.scale)
        status = scale.status(action.status) if scale else None
        entry = out.setdefault(action.id, {
            "kind": "improvement", "reference": action.reference, "plan": plan.name,
            "title": f"{action.reference} {action.action}", "lead": action.lead,
            "milestone": action.action_due.isoformat() if action.action_due else action.action_milestone,
            "status": status.label if status else "not yet graded",
            "new": action.raised_cycle_id == cycle_id, "detail": [], "targets": []})
        entry["detail"].append(evidence.reason)
        if (evidence.level, evidence.target) not in entry["targets"]:
            entry["targets"].append((evidence.level, evidence.target))
    return [e | {"detail": "; ".join(e["detail"])} for e in out.values()]


def action_services(targets: list[tuple[str, str]], rubric: Rubric) -> list[str]:
    """The services (agency codes) an improvement action concerns, from what this cycle evidenced it on
    (`targets` of a `cycle_improvement_actions` row): a service itself, a section that service judges, or a
    criterion in such a section. A service lead sees the actions that name their service here; a target this
    rubric does not know concerns no service (the whole board sees it)."""
    agencies = {section.code: section.agency for section in rubric.sections}
    found: set[str] = set()
    for level, target in targets:
        if level == LinkLevel.service.value:
            found.add(target)
        elif level == LinkLevel.section.value and target in agencies:
            found.add(agencies[target])
        elif level == LinkLevel.criterion.value:
            try:
                found.add(rubric.criterion(target)[0].agency)
            except KeyError:
                pass
    return sorted(found)

