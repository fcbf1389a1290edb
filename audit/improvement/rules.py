"""Rules, as data, that turn a scored cycle's findings into improvement-plan actions and their evidence.

The rules file (config/improvement-rules.yaml, or EHCP_AUDIT_IMPROVEMENT_RULES_FILE) names the plan new
actions go into and, per rule, a level (criterion, section or service), a threshold share of plans graded
Requires Improvement or Inadequate and a minimum count. A weak target adds the cycle as evidence (naming
the weak plans by pseudonym) to every open action already linked to it, in any of the area's plans; when
none is open, it raises a new action linked to the target. Thresholds left out come from the settings
(EHCP_AUDIT_WEAK_CRITERION_SHARE and _MIN_PLANS), so the defaults before rules became data still hold.
Rerunning adds nothing: evidence and rule-raised actions sit under unique constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from audit.errors import InputRejected, Problem
from audit.improvement.layouts import LAYOUTS
from audit.improvement.plans import (
    SYSTEM,
    Finding,
    add_action,
    add_evidence,
    create_plan,
    ensure_area,
    link_action,
    next_reference,
    plans_of,
)
from audit.improvement.scales import StatusScale, get_scale
from audit.results.analysis import CycleResults, weak_by
from audit.rubrics.loading import read_yaml_file
from audit.settings import Settings
from audit.store.models import ActionEvidence, ActionLink, ImprovementAction, ImprovementPlan, LocalArea
from audit.vocabulary import Agency, LinkLevel

SHIPPED_RULES = Path(__file__).resolve().parents[2] / "config" / "improvement-rules.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOP = ("plan", "scale", "layout", "status_from_evidence", "rules")
_RULE = ("id", "level", "weak_share", "min_weak", "targets", "rubrics", "area", "lead", "milestone_days",
         "impact_days", "enabled")
_EVIDENCE = ("held_cycles", "margin", "min_plans")
DEFAULT_AREAS = {"criterion": ("Q", "Quality of EHC plans (audit findings)"),
                 "section": ("Q", "Quality of EHC plans (audit findings)"),
                 "service": ("S", "Each service's contribution to EHC plans (audit findings)")}


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    weak_share: float
    min_weak: int
    area: tuple[str, str]
    lead: str
    milestone_days: int
    impact_days: int
    targets: tuple[str, ...] = ()
    rubrics: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class EvidenceRules:
    """How proposals read the data (audit.improvement.proposals)."""

    held_cycles: int = 2
    margin: float = 0.10
    min_plans: int = 5


@dataclass(frozen=True)
class RuleSet:
    plan: str
    scale: str
    layout: str
    evidence: EvidenceRules
    rules: tuple[Rule, ...]
    source: str = ""


def rules_from_content(raw: object, source: str, settings: Settings) -> RuleSet:
    """Validate a parsed rules file, filling defaults from the settings; InputRejected lists every problem."""
    problems: list[Problem] = []

    def problem(where: str | None, message: str, fix: str) -> None:
        problems.append(Problem(message, file=source, column=where, fix=fix))

    if not isinstance(raw, dict):
        raise InputRejected(f"Improvement rules {source}", [Problem(
            "the file should be a block with plan, scale, layout, status_from_evidence and rules", file=source,
            fix="start from config/improvement-rules.yaml")])
    _unknown(raw, _TOP, "", "the rules file", problem)
    layout = str(raw.get("layout", "app"))
    if layout not in LAYOUTS:
        problem("layout", f"'{layout}' is not a layout", f"use one of {', '.join(LAYOUTS)}")
    evidence_raw = raw.get("status_from_evidence") or {}
    if not isinstance(evidence_raw, dict):
        problem("status_from_evidence", "should be a block", f"write {', '.join(_EVIDENCE)} under it")
        evidence_raw = {}
    _unknown(evidence_raw, _EVIDENCE, "status_from_evidence", "status_from_evidence", problem)
    evidence = EvidenceRules(
        held_cycles=_number(evidence_raw, "held_cycles", 2, "status_from_evidence", problem, int, 1, None),
        margin=_number(evidence_raw, "margin", 0.10, "status_from_evidence", problem, float, 0.0, 0.99),
        min_plans=_number(evidence_raw, "min_plans", 5, "status_from_evidence", problem, int, 1, None))
    entries = raw.get("rules")
    if not isinstance(entries, list) or not entries:
        problem("rules", "'rules' is missing or empty", "list the rules, each starting with '- '")
        entries = []
    rules, seen = [], set()
    for n, entry in enumerate(entries, start=1):
        where = f"rules[{n}]"
        if not isinstance(entry, dict):
            problem(where, "each rule should be a block", "see config/improvement-rules.yaml")
            continue
        _unknown(entry, _RULE, where, "a rule", problem)
        rule_id = str(entry.get("id", ""))
        if not _ID.match(rule_id):
            problem(f"{where}.id", f"'{rule_id}' is not a usable rule id", "use lower-case letters, digits, '-' or '_'")
        elif rule_id in seen:
            problem(f"{where}.id", f"rule id '{rule_id}' is used twice", "give each rule its own id")
        seen.add(rule_id)
        level = str(entry.get("level", ""))
        if level not in LinkLevel.values():
            problem(f"{where}.level", f"'{level}' is not a level", f"use one of {', '.join(LinkLevel.values())}")
            level = "criterion"
        targets = _list(entry, "targets", where, problem)
        if level == "service":
            for target in targets:
                if target not in Agency.values():
                    problem(f"{where}.targets", f"'{target}' is not a service", f"use {', '.join(Agency.values())}")
        area = entry.get("area") or {}
        if not isinstance(area, dict) or (area and not (area.get("ref") and area.get("title"))):
            problem(f"{where}.area", "the area should give a ref and a title", "write area: {ref: Q, title: ...}")
            area = {}
        default_ref, default_title = DEFAULT_AREAS[level]
        rules.append(Rule(
            id=rule_id, level=level,
            weak_share=_number(entry, "weak_share", settings.weak_criterion_share, where, problem, float, 0.01, 1.0),
            min_weak=_number(entry, "min_weak", settings.weak_criterion_min_plans, where, problem, int, 1, None),
            area=(str(area.get("ref", default_ref)), " ".join(str(area.get("title", default_title)).split())),
            lead=str(entry.get("lead") or settings.improvement_lead),
            milestone_days=_number(entry, "milestone_days", settings.improvement_milestone_days, where, problem, int,
                                   1, None),
            impact_days=_number(entry, "impact_days", 2 * settings.improvement_milestone_days, where, problem, int,
                                1, None),
            targets=tuple(targets), rubrics=tuple(_list(entry, "rubrics", where, problem)),
            enabled=bool(entry.get("enabled", True))))
    if problems:
        raise InputRejected(f"Improvement rules {source}", problems)
    return RuleSet(str(raw.get("plan") or "Audit findings"), str(raw.get("scale") or "brag"), layout, evidence,
                   tuple(rules), source)


def _unknown(raw: dict, allowed: tuple[str, ...], where: str, what: str, problem) -> None:
    for key in raw:
        if key not in allowed:
            problem(f"{where}.{key}" if where else str(key), f"'{key}' is not a known key of {what}",
                    f"use only {', '.join(allowed)}")


def _number(raw: dict, key: str, default, where: str, problem, kind, low, high):
    value = raw.get(key)
    if value is None:
        return default
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or float(value).is_integer())
    if not ok or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of {low} or more"
        problem(f"{where}.{key}", f"'{value}' is not a usable {key}",
                f"use a {'whole ' if kind is int else ''}number {span}")
        return default
    return kind(value)


def _list(raw: dict, key: str, where: str, problem) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problem(f"{where}.{key}", f"'{key}' should be a list", f"write {key}: [F1, F2]")
        return []
    return [str(v) for v in value]


def load_rules(settings: Settings, path: Path | None = None) -> RuleSet:
    """The area's rules file, or the shipped one; its thresholds default to the settings."""
    path = Path(path or settings.improvement_rules_file or SHIPPED_RULES)
    return rules_from_content(read_yaml_file(path, "Improvement rules file"), path.name, settings)


@dataclass
class Applied:
    """What applying the rules to one cycle did."""

    findings: list[Finding] = field(default_factory=list)
    new_actions: list[ImprovementAction] = field(default_factory=list)
    evidence: list[ActionEvidence] = field(default_factory=list)  # added or updated this time


def rules_plan(session: Session, area: LocalArea, rules: RuleSet, scales: dict[str, StatusScale]) -> ImprovementPlan:
    """The plan rule actions go into, created (on the rules' scale and layout) the first time."""
    found = session.exec(select(ImprovementPlan).where(ImprovementPlan.area_id == area.id,
                                                       ImprovementPlan.name == rules.plan)).first()
    return found or create_plan(session, area, rules.plan, get_scale(scales, rules.scale), rules.layout, SYSTEM)


def find_weak(results: CycleResults, rule: Rule) -> list[Finding]:
    """The targets one rule finds weak in a cycle."""
    if not rule.enabled or (rule.rubrics and results.rubric.key not in rule.rubrics):
        return []
    rubric = results.rubric.key if rule.level == LinkLevel.criterion.value else ""
    found = []
    for row in weak_by(results, rule.level).itertuples():
        if rule.targets and row.target not in rule.targets:
            continue
        if row.weak >= rule.min_weak and row.share >= rule.weak_share:
            found.append(Finding(rule.id, rule.level, row.target, rubric, row.plans, row.weak, tuple(row.plan_refs)))
    return found


def apply_rules(session: Session, results: CycleResults, rules: RuleSet, scales: dict[str, StatusScale], today: date,
                by: str = SYSTEM) -> Applied:
    """Raise or evidence actions for every weak target the rules find in the cycle; rerunning adds nothing."""
    cycle = results.cycle
    area = session.get(LocalArea, cycle.area_id)
    applied = Applied()
    for rule in rules.rules:
        for finding in find_weak(results, rule):
            applied.findings.append(finding)
            key = f"{cycle.id}:{rule.id}:{finding.level}:{finding.target}"
            targets = list(session.exec(select(ImprovementAction).where(ImprovementAction.raised_key == key)))
            targets = targets or open_linked_actions(session, area.id, finding, scales)
            if not targets:
                plan = rules_plan(session, area, rules, scales)
                targets = [_raise(session, plan, rule, finding, results, key, today, by)]
                applied.new_actions.append(targets[0])
            for action in targets:
                row, outcome = add_evidence(session, action, cycle, finding, by)
                if outcome != "unchanged":
                    applied.evidence.append(row)
    return applied


def open_linked_actions(session: Session, area_id: int, finding: Finding,
                        scales: dict[str, StatusScale]) -> list[ImprovementAction]:
    """Actions of the area linked to the finding's target whose status is not completed (or embedded)."""
    out = []
    for plan in plans_of(session, area_id):
        scale = scales.get(plan.scale)
        rows = session.exec(
            select(ImprovementAction).join(ActionLink, ActionLink.action_id == ImprovementAction.id)
            .where(ImprovementAction.plan_id == plan.id, ActionLink.level == finding.level,
                   ActionLink.target == finding.target, ActionLink.rubric.in_(["", finding.rubric]))
            .order_by(ImprovementAction.id)).all()
        unique = {a.id: a for a in rows}.values()  # an action linked twice (two rubrics) once
        out += [a for a in unique if a.removed_in is None and (scale is None or not scale.is_closed(a.status))]
    return out


def _raise(session: Session, plan: ImprovementPlan, rule: Rule, finding: Finding, results: CycleResults, key: str,
           today: date, by: str) -> ImprovementAction:
    cycle, rubric = results.cycle, results.rubric
    what = describe_target(finding.level, finding.target, results)
    area = ensure_area(session, plan, *rule.area)
    pct = round(100 * finding.share)
    action = add_action(
        session, plan, area, reference=next_reference(session, area), by=by,
        reason=f"raised by rule {rule.id}: {finding.describe(cycle)}",
        finding=f"{what}: {finding.weak} of {finding.plans} plans ({pct}%) Requires Improvement or Inadequate "
                f"in {cycle.name}",
        action=f"Improve {what}",
        lead=rule.lead,
        output_evidence=f"Guidance, training or practice change for those who write {what.lower()}, delivered and "
                        "recorded.",
        action_milestone=(today + timedelta(days=rule.milestone_days)).isoformat(),
        impact_evidence=f"Audits show the share of plans Requires Improvement or Inadequate on {what.lower()} "
                        f"well below {pct}%, held over later cycles.",
        impact_milestone=(today + timedelta(days=rule.impact_days)).isoformat(),
        raised_key=key, raised_cycle_id=cycle.id)
    link_action(session, action, finding.level, finding.target, by, f"raised by rule {rule.id}",
                rubric if finding.level != LinkLevel.service.value else None)
    return action


def describe_target(level: str, target: str, results: CycleResults | None = None) -> str:
    """'Criterion F2 (Provision is specified and quantified)', 'Section F (...)', 'Service: Health'."""
    if level == LinkLevel.service.value:
        return f"Service: {Agency(target).label}" if target in Agency.values() else f"Service: {target}"
    if results is not None:
        try:
            if level == LinkLevel.criterion.value:
                return f"Criterion {target} ({results.rubric.criterion(target)[1].text})"
            return f"Section {target} ({results.rubric.section(target).title})"
        except KeyError:
            pass
    return f"{level.capitalize()} {target}"
