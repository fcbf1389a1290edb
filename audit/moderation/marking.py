"""Second marking and moderation: which plans are re-graded blind, what the second marker may see, when two
markers disagree, which grade counts, and the moderator's agreed grades (the originals are never changed).

A "piece" is one agency's sections of one sampled plan: one first assignment, and when selected, one second
assignment of the same sections given to another auditor of that agency. Grades are compared per section
(criterion grades rolled up by the rubric's rule) and over the piece as a whole (the service grade).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from audit import clock
from audit.cells import text_problem
from audit.cycle.assignment import cycle_rubric, is_conflicted
from audit.errors import AuditError, Conflict, InputRejected, NotFound, Problem
from audit.limits import DEFAULT_TEXT_CHARS
from audit.rubrics.loading import Rubric
from audit.rubrics.scoring import NOT_APPLICABLE, section_grade, service_grade
from audit.store.models import (
    Assignment,
    Auditor,
    CriterionGrade,
    Cycle,
    CycleModeration,
    ModeratedGrade,
    Plan,
    SampledPlan,
    Scorecard,
)
from audit.vocabulary import Grade, MarkerRole, SampleStatus, ScorecardStatus

RULES = ("random", "extremes", "per_auditor")
POLICIES = ("first", "lower", "moderator")
SECOND_MARKING_DAYS = 14  # a second marker selected after the due date still gets two weeks


@dataclass(frozen=True)
class ModerationRules:
    """How a cycle is second-marked and moderated; frozen on the cycle when second marking is selected."""

    share: float = 0.2
    rules: tuple[str, ...] = RULES
    gap: int = 2
    on_overall: bool = True
    policy: str = "first"

    def __post_init__(self):
        unknown = set(self.rules) - set(RULES)
        if unknown:
            raise AuditError(f"Unknown second-marking rule(s) {', '.join(sorted(unknown))}; use {', '.join(RULES)}.")
        if self.policy not in POLICIES:
            raise AuditError(f"Unknown agreement policy '{self.policy}'; use {', '.join(POLICIES)}.")

    @classmethod
    def from_settings(cls, settings) -> ModerationRules:
        return cls(settings.second_marking_share, tuple(settings.second_marking_rules), settings.disagreement_gap,
                   settings.disagreement_on_overall, settings.auto_agree_policy)

    def to_dict(self) -> dict:
        return {**asdict(self), "rules": list(self.rules)}


def rules_for_cycle(session: Session, cycle: Cycle, settings=None) -> ModerationRules:
    """The cycle's frozen rules if second marking was selected, else the settings' (or the defaults)."""
    row = session.exec(select(CycleModeration).where(CycleModeration.cycle_id == cycle.id)).first()
    if row is not None:
        return ModerationRules(**{**row.rules, "rules": tuple(row.rules["rules"])})
    return ModerationRules.from_settings(settings) if settings is not None else ModerationRules()


@dataclass
class Mark:
    """One marker's work on a piece: the assignment, who, and (once submitted) their section grades."""

    assignment: Assignment
    auditor: Auditor
    submitted: bool
    scorecard_id: int | None
    sections: dict[str, Grade] = field(default_factory=dict)
    overall: Grade | None = None


def piece_marks(session: Session, cycle: Cycle, rubric: Rubric) -> dict[tuple[int, str], dict[str, Mark]]:
    """(sampled plan id, agency) -> {role: Mark} for the cycle's active assignments."""
    # The scorecard's id and status only: loading whole scorecards was most of a 200-plan cycle's queue.
    rows = session.exec(
        select(Assignment, Auditor, Scorecard.id, Scorecard.status)
        .join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(Scorecard, Scorecard.assignment_id == Assignment.id, isouter=True)
        .where(Assignment.cycle_id == cycle.id, Assignment.active == True)  # noqa: E712
    ).all()
    submitted_ids = {card_id for _, _, card_id, status in rows if status == ScorecardStatus.submitted.value}
    card_ids = sorted(submitted_ids)
    criteria: dict[int, dict[str, Grade | str]] = {}
    if card_ids:
        # Plain columns, not ORM objects: a 200-plan cycle has tens of thousands of criterion grades.
        for card_id, criterion_id, grade, not_applicable in session.exec(
                select(CriterionGrade.scorecard_id, CriterionGrade.criterion_id, CriterionGrade.grade,
                       CriterionGrade.not_applicable)
                .where(CriterionGrade.scorecard_id.in_(card_ids))).all():
            if not_applicable:
                criteria.setdefault(card_id, {})[criterion_id] = NOT_APPLICABLE
            elif grade is not None:
                criteria.setdefault(card_id, {})[criterion_id] = Grade(grade)
    out: dict[tuple[int, str], dict[str, Mark]] = {}
    for a, auditor, card_id, _status in rows:
        submitted = card_id in submitted_ids
        mark = Mark(a, auditor, submitted, card_id)
        if submitted:
            for code in a.sections:
                g = section_grade(rubric.section(code), criteria.get(card_id, {}), rubric.rollup.section_method,
                                  a.skipped_criteria or ())
                if g is not None and g != NOT_APPLICABLE:  # a part marked wholly not applicable is not compared
                    mark.sections[code] = g
            mark.overall = service_grade(rubric, mark.sections, a.agency)
        out.setdefault((a.sampled_plan_id, a.agency), {})[a.marker_role] = mark
    return out


# Selection --------------------------------------------------------------------------------------------------

@dataclass
class Selection:
    created: list[Assignment]
    unavailable: list[str]  # pieces selected but with no eligible second auditor, in words


def selected_pieces(session: Session, cycle: Cycle, rules: ModerationRules) -> set[tuple[int, str]]:
    """The (sampled plan, agency) pieces the rules pick; deterministic for a cycle's seed."""
    return set(selection_reasons(session, cycle, rules))


def selection_reasons(session: Session, cycle: Cycle, rules: ModerationRules) -> dict[tuple[int, str], tuple[str, ...]]:
    """(sampled plan, agency) -> the rules that pick that piece, in RULES order; deterministic for a cycle's seed."""
    marks = piece_marks(session, cycle, cycle_rubric(session, cycle))
    firsts = {key: m[MarkerRole.first.value] for key, m in marks.items() if MarkerRole.first.value in m}
    chosen: dict[tuple[int, str], list[str]] = {}
    if "random" in rules.rules and rules.share > 0:
        plan_ids = sorted({sp for sp, _ in firsts})
        k = min(len(plan_ids), math.ceil(rules.share * len(plan_ids)))
        picked = set(random.Random(f"second-marking-{cycle.seed}").sample(plan_ids, k))
        for key in firsts:
            if key[0] in picked:
                chosen.setdefault(key, []).append("random")
    if "extremes" in rules.rules:
        extremes = {Grade.INADEQUATE, Grade.OUTSTANDING}
        for key, m in firsts.items():
            if m.submitted and (m.overall in extremes or extremes & set(m.sections.values())):
                chosen.setdefault(key, []).append("extremes")
    if "per_auditor" in rules.rules:
        by_auditor: dict[str, list[tuple[int, str]]] = {}
        for key, m in firsts.items():
            by_auditor.setdefault(m.auditor.code, []).append(key)
        for code, keys in sorted(by_auditor.items()):
            if not chosen.keys() & set(keys):
                pick = random.Random(f"second-marking-{cycle.seed}-{code}").choice(sorted(keys))
                chosen.setdefault(pick, []).append("per_auditor")
    return {key: tuple(reasons) for key, reasons in chosen.items()}


def select_second_marking(
    session: Session, cycle: Cycle, rules: ModerationRules, today: date | None = None
) -> Selection:
    """Create blind second assignments for the selected pieces whose first scorecard is in; safe to rerun.

    The second auditor is of the same agency, active, not the first marker and not conflicted on the plan;
    the least loaded in the cycle is chosen (ties by code). The cycle's rules are frozen on the first call.
    """
    if session.exec(select(CycleModeration).where(CycleModeration.cycle_id == cycle.id)).first() is None:
        session.add(CycleModeration(cycle_id=cycle.id, rules=rules.to_dict()))
    today = today or clock.today()
    rubric = cycle_rubric(session, cycle)
    marks = piece_marks(session, cycle, rubric)
    auditors = session.exec(select(Auditor).where(Auditor.area_id == cycle.area_id, Auditor.active == True)).all()  # noqa: E712
    existing = session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id)).all()
    load = Counter(a.auditor_id for a in existing if a.active)
    have = {(a.sampled_plan_id, a.agency) for a in existing if a.marker_role == MarkerRole.second.value}
    plans = dict(session.exec(select(SampledPlan.id, Plan).join(Plan, Plan.id == SampledPlan.plan_id)
                              .where(SampledPlan.cycle_id == cycle.id)).all())
    created, unavailable = [], []
    reasons = selection_reasons(session, cycle, rules)
    for key in sorted(reasons):
        first = marks[key][MarkerRole.first.value]
        if key in have or not first.submitted:
            continue
        plan = plans[key[0]]
        pool = [a for a in auditors if a.agency == key[1] and a.id != first.auditor.id and not is_conflicted(a, plan)]
        if not pool:
            unavailable.append(f"plan {plan.plan_ref} ({key[1]}): no other {key[1]} auditor free to second-mark it")
            continue
        chosen = min(pool, key=lambda a: (load[a.id], a.code))
        load[chosen.id] += 1
        created.append(Assignment(
            cycle_id=cycle.id, sampled_plan_id=key[0], agency=key[1], sections=list(first.assignment.sections),
            skipped_criteria=first.assignment.skipped_criteria,
            auditor_id=chosen.id, marker_role=MarkerRole.second.value,
            due_date=max(cycle.due_date, today + timedelta(days=SECOND_MARKING_DAYS)), selected_by=list(reasons[key]),
        ))
    session.add_all(created)
    session.flush()
    return Selection(created, unavailable)


# Blindness --------------------------------------------------------------------------------------------------

# Comparison, agreement and what counts ---------------------------------------------------------------------

@dataclass
class Piece:
    """A double-marked piece with both scorecards in, compared section by section."""

    sampled_plan_id: int
    plan_ref: str
    agency: str
    first: Mark
    second: Mark
    disagreement: list[str]  # reasons in words; empty when within the rule
    moderated: dict[str, ModeratedGrade]

    @property
    def needs_moderator(self) -> bool:
        return bool(self.disagreement)

    @property
    def awaiting_moderation(self) -> bool:
        return self.needs_moderator and set(self.first.assignment.sections) - set(self.moderated)


def disagreement_reasons(first: Mark, second: Mark, rules: ModerationRules) -> list[str]:
    """Why two markers' grades go to a moderator (empty list: within the rule)."""
    reasons = []
    for code in first.assignment.sections:
        a, b = first.sections.get(code), second.sections.get(code)
        if a is not None and b is not None and abs(int(a) - int(b)) >= rules.gap:
            reasons.append(f"section {code}: {a.label} and {b.label} are {abs(int(a) - int(b))} grades apart")
    if rules.on_overall and first.overall is not None and second.overall is not None and first.overall != second.overall:
        reasons.append(f"overall: {first.overall.label} and {second.overall.label}")
    if rules.policy == "moderator" and not reasons:
        reasons.append("every double-marked plan is moderated (policy: moderator)")
    return reasons


def double_marked(session: Session, cycle: Cycle, rules: ModerationRules | None = None,
                  marks: dict[tuple[int, str], dict[str, Mark]] | None = None) -> list[Piece]:
    """Every piece whose first and second scorecards are both submitted, with its disagreement and moderation."""
    rules = rules or rules_for_cycle(session, cycle)
    marks = marks if marks is not None else piece_marks(session, cycle, cycle_rubric(session, cycle))
    refs = dict(session.exec(select(SampledPlan.id, Plan.plan_ref).join(Plan, Plan.id == SampledPlan.plan_id)
                             .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status == SampleStatus.sampled.value)).all())
    moderated: dict[int, dict[str, ModeratedGrade]] = {}
    for m in session.exec(select(ModeratedGrade).where(ModeratedGrade.cycle_id == cycle.id)).all():
        moderated.setdefault(m.sampled_plan_id, {})[m.section] = m
    pieces = []
    for (sp_id, agency), roles in sorted(marks.items()):
        first, second = roles.get(MarkerRole.first.value), roles.get(MarkerRole.second.value)
        if sp_id not in refs or not (first and second and first.submitted and second.submitted):
            continue
        own = {k: v for k, v in moderated.get(sp_id, {}).items() if k in first.assignment.sections}
        pieces.append(Piece(sp_id, refs[sp_id], agency, first, second, disagreement_reasons(first, second, rules), own))
    return sorted(pieces, key=lambda p: (p.plan_ref, p.agency))


def moderation_queue(session: Session, cycle: Cycle) -> list[Piece]:
    """Pieces a moderator still has to agree (at least one section without an agreed grade)."""
    return [p for p in double_marked(session, cycle) if p.awaiting_moderation]


@dataclass
class Marking:
    """One reading of a cycle's marking: its rules, every marker's marks and the double-marked pieces.

    What counts, the moderation overview and the agreement statistics all start from it: read it once per
    view (`read_marking`) and pass it on, rather than each working it out again."""

    rules: ModerationRules
    marks: dict[tuple[int, str], dict[str, Mark]]
    pieces: list[Piece]


def read_marking(session: Session, cycle: Cycle) -> Marking:
    rules = rules_for_cycle(session, cycle)
    marks = piece_marks(session, cycle, cycle_rubric(session, cycle))
    return Marking(rules, marks, double_marked(session, cycle, rules, marks))


@dataclass(frozen=True)
class Counted:
    """Which score counts for a plan's section, and why."""

    role: str  # first, second or moderated
    scorecard_id: int | None  # whose criterion grades count (the first marker's under a moderated section grade)
    grade: Grade | None  # the moderated section grade, when role == moderated
    basis: str


def counted_sources(session: Session, cycle: Cycle, marking: Marking | None = None) -> dict[tuple[int, str], Counted]:
    """(sampled plan id, section) -> the counted score: moderated if agreed, else by the cycle's policy."""
    marking = marking or read_marking(session, cycle)
    rules = marking.rules
    out: dict[tuple[int, str], Counted] = {}
    for (sp_id, _agency), roles in marking.marks.items():
        first = roles.get(MarkerRole.first.value)
        if first and first.submitted:
            for code in first.assignment.sections:
                out[(sp_id, code)] = Counted("first", first.scorecard_id, None, "first marker (not double-marked)")
    for piece in marking.pieces:
        for code in piece.first.assignment.sections:
            key = (piece.sampled_plan_id, code)
            if code in piece.moderated:
                out[key] = Counted("moderated", piece.first.scorecard_id, Grade(piece.moderated[code].grade),
                                   "agreed by the moderator")
            elif piece.needs_moderator:
                out[key] = Counted("first", piece.first.scorecard_id, None, "first marker until moderated")
            elif rules.policy == "lower" and _lower(piece.second, piece.first, code):
                out[key] = Counted("second", piece.second.scorecard_id, None, "agreed automatically: the lower grade")
            else:
                basis = "the lower grade" if rules.policy == "lower" else "the first marker's grade"
                out[key] = Counted("first", piece.first.scorecard_id, None, f"agreed automatically: {basis}")
    return out


def _lower(a: Mark, b: Mark, code: str) -> bool:
    ga, gb = a.sections.get(code), b.sections.get(code)
    return ga is not None and gb is not None and ga < gb


def moderate(
    session: Session, cycle: Cycle, plan_ref: str, agency: str, moderator_code: str,
    agreed: dict[str, tuple[Grade, str]], now: datetime | None = None,
) -> list[ModeratedGrade]:
    """Record the agreed grade and rationale per section of a double-marked piece; checks all before writing."""
    piece = next((p for p in double_marked(session, cycle) if p.plan_ref == plan_ref and p.agency == agency), None)
    if piece is None:
        raise NotFound(f"Plan {plan_ref} has no {agency} sections double-marked with both scorecards in "
                       f"cycle {cycle.id}; 'ehcp-audit moderation queue {cycle.id}' lists what can be moderated.")
    if moderator_code in (piece.first.auditor.code, piece.second.auditor.code):
        raise Conflict(f"{moderator_code} marked plan {plan_ref} and cannot moderate it; ask another moderator.")
    problems = []
    for code, (_grade, rationale) in agreed.items():
        if code not in piece.first.assignment.sections:
            problems.append(Problem(f"section {code} is not one of the moderated sections "
                                    f"({', '.join(piece.first.assignment.sections)})", column="section"))
        elif code in piece.moderated:
            problems.append(Problem(f"section {code} was already moderated by {piece.moderated[code].moderator_code}",
                                    column="section", fix="an agreed grade is final; leave it out"))
        if not str(rationale).strip():
            problems.append(Problem(f"section {code} has no rationale", column="rationale",
                                    fix="say why this grade was agreed"))
        elif (bad := text_problem(str(rationale), DEFAULT_TEXT_CHARS)) is not None:
            problems.append(Problem(f"the rationale for section {code} {bad[0]}", column="rationale", fix=bad[1]))
    if problems:
        raise InputRejected(f"Moderation of {plan_ref}", problems)
    rows = [ModeratedGrade(cycle_id=cycle.id, sampled_plan_id=piece.sampled_plan_id, section=code, grade=int(Grade(g)),
                           rationale=r.strip(), moderator_code=moderator_code,
                           created_at=now or clock.now())
            for code, (g, r) in agreed.items()]
    session.add_all(rows)
    session.flush()
    return rows
