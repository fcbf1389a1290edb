"""What people see of moderation: a second marker's blind view of an assignment, both scorecards side by side,
every score labelled first, second or moderated, the units agreement is computed on, and the cycle's overview."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session, select

from audit.cycle.assignment import cycle_rubric
from audit.errors import NotFound
from audit.moderation.marking import (
    Marking,
    Piece,
    counted_sources,
    double_marked,
    piece_marks,
    read_marking,
    rules_for_cycle,
    selection_reasons,
)
from audit.store.models import (
    Assignment,
    Auditor,
    CriterionGrade,
    Cycle,
    GradeEvidence,
    ModeratedGrade,
    Plan,
    SampledPlan,
    Scorecard,
)
from audit.vocabulary import Agency, Grade, MarkerRole, ScorecardStatus


@dataclass
class AssignmentView:
    """What one auditor may see for an assignment: their own grades, and the other marker's only when both are in."""

    assignment_id: int
    marker_role: str
    own: dict[str, tuple[int | None, str]]
    other: dict[str, tuple[int | None, str]] | None
    other_hidden_reason: str | None


def _criterion_rows(session: Session, scorecard_id: int | None) -> dict[str, tuple[int | None, str]]:
    if scorecard_id is None:
        return {}
    return {g.criterion_id: (g.grade, g.comment)
            for g in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == scorecard_id)).all()}


def assignment_view(session: Session, assignment: Assignment, viewer: Auditor) -> AssignmentView:
    """The blind rule: neither marker sees the other's grades until both scorecards are submitted."""
    if assignment.auditor_id != viewer.id:
        raise NotFound(f"Assignment {assignment.id} is not assigned to {viewer.code}.")
    cards = {a.marker_role: c for a, c in session.exec(
        select(Assignment, Scorecard).join(Scorecard, Scorecard.assignment_id == Assignment.id, isouter=True)
        .where(Assignment.sampled_plan_id == assignment.sampled_plan_id, Assignment.agency == assignment.agency,
               Assignment.active == True))}  # noqa: E712
    mine = cards.get(assignment.marker_role)
    other_role = MarkerRole.second.value if assignment.marker_role == MarkerRole.first.value else MarkerRole.first.value
    own = _criterion_rows(session, mine.id if mine else None)
    if other_role not in cards:
        return AssignmentView(assignment.id, assignment.marker_role, own, None, "not double-marked")
    both_in = all(c is not None and c.status == ScorecardStatus.submitted.value for c in cards.values())
    if not both_in:
        return AssignmentView(assignment.id, assignment.marker_role, own, None,
                              "hidden until both markers have submitted (blind second marking)")
    return AssignmentView(assignment.id, assignment.marker_role, own,
                          _criterion_rows(session, cards[other_role].id), None)


def _evidence(session: Session, assignment_id: int) -> dict[str, str]:
    """The passages of the plan each marker kept as evidence for a grade (issue 20)."""
    return {e.criterion_id: e.passage for e in session.exec(
        select(GradeEvidence).where(GradeEvidence.assignment_id == assignment_id)).all()}


def side_by_side(piece: Piece, session: Session) -> pd.DataFrame:
    """Both scorecards of a piece, criterion by criterion, for the moderator, with each marker's evidence."""
    a = _criterion_rows(session, piece.first.scorecard_id)
    b = _criterion_rows(session, piece.second.scorecard_id)
    ea, eb = _evidence(session, piece.first.assignment.id), _evidence(session, piece.second.assignment.id)
    rows = [{"criterion_id": cid, "first_grade": Grade(a[cid][0]).label if a.get(cid, (None,))[0] else None,
             "first_comment": a.get(cid, (None, ""))[1],
             "second_grade": Grade(b[cid][0]).label if b.get(cid, (None,))[0] else None,
             "second_comment": b.get(cid, (None, ""))[1],
             "first_evidence": ea.get(cid, ""), "second_evidence": eb.get(cid, "")}
            for cid in sorted(set(a) | set(b))]
    return pd.DataFrame(rows, columns=["criterion_id", "first_grade", "first_comment", "second_grade", "second_comment",
                                       "first_evidence", "second_evidence"])


def score_labels(session: Session, cycle: Cycle) -> pd.DataFrame:
    """Every section score of the cycle labelled first, second or moderated, with which one counts."""
    rubric = cycle_rubric(session, cycle)
    counted = counted_sources(session, cycle)
    refs = dict(session.exec(select(SampledPlan.id, Plan.plan_ref).join(Plan, Plan.id == SampledPlan.plan_id)
                             .where(SampledPlan.cycle_id == cycle.id)).all())
    rows = []
    for (sp_id, _agency), roles in piece_marks(session, cycle, rubric).items():
        for role, mark in roles.items():
            for code in mark.assignment.sections:
                c = counted.get((sp_id, code))
                rows.append({"plan_ref": refs[sp_id], "section": code, "role": role, "by": mark.auditor.code,
                             "grade": mark.sections[code].label if code in mark.sections else None,
                             "counts": c is not None and c.role == role, "basis": c.basis if c and c.role == role else ""})
    for m in session.exec(select(ModeratedGrade).where(ModeratedGrade.cycle_id == cycle.id)).all():
        rows.append({"plan_ref": refs[m.sampled_plan_id], "section": m.section, "role": MarkerRole.moderated.value,
                     "by": m.moderator_code, "grade": Grade(m.grade).label, "counts": True, "basis": m.rationale})
    order = {r: i for i, r in enumerate(MarkerRole.values())}
    rows.sort(key=lambda r: (r["plan_ref"], r["section"], order[r["role"]]))
    return pd.DataFrame(rows, columns=["plan_ref", "section", "role", "by", "grade", "counts", "basis"])


def agreement_units(session: Session, cycle: Cycle, marking: Marking | None = None) -> pd.DataFrame:
    """One row per double-marked section: plan, section, agency, both auditors, both section grades, and how the
    piece was chosen for second marking: "random" (the randomly chosen plans) or "rule" (extremes, per auditor).

    `marking`: the cycle's marking if the caller has read it already (double_marked is not worked out again)."""
    pieces = double_marked(session, cycle) if marking is None else marking.pieces
    recorded = {(p.sampled_plan_id, p.agency): p.second.assignment.selected_by for p in pieces}
    if any(reasons is None for reasons in recorded.values()):  # chosen before the reasons were kept: work them out
        rules = rules_for_cycle(session, cycle) if marking is None else marking.rules
        worked_out = selection_reasons(session, cycle, rules)
        recorded = {key: reasons if reasons is not None else worked_out.get(key, ())
                    for key, reasons in recorded.items()}
    rows = [{"sampled_plan_id": p.sampled_plan_id, "plan_ref": p.plan_ref, "section": code, "agency": p.agency,
             "first_auditor": p.first.auditor.code, "second_auditor": p.second.auditor.code,
             "first_grade": int(p.first.sections[code]) if code in p.first.sections else None,
             "second_grade": int(p.second.sections[code]) if code in p.second.sections else None,
             "chosen_by": "random" if "random" in recorded[(p.sampled_plan_id, p.agency)] else "rule"}
            for p in pieces for code in p.first.assignment.sections]
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)


UNIT_COLUMNS = ["sampled_plan_id", "plan_ref", "section", "agency", "first_auditor", "second_auditor", "first_grade",
                "second_grade", "chosen_by"]


def moderation_overview(session: Session, cycle: Cycle, marking: Marking | None = None) -> dict:
    """Second marking, moderation and agreement for one cycle: plain data for the board and the QA lead.

    `marking`: the cycle's marking if the caller has read it already (audit.results.analysis.CycleResults)."""
    from audit.moderation.agreement import (
        agreement_tables,  # agreement is pure statistics; only this view needs it
    )

    marking = marking or read_marking(session, cycle)
    rules, pieces = marking.rules, marking.pieces
    rubric = cycle_rubric(session, cycle)
    seconds = session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id, Assignment.active == True,  # noqa: E712
                                                    Assignment.marker_role == MarkerRole.second.value)).all()
    tables = agreement_tables(agreement_units(session, cycle, marking),
                              {s.code: f"{s.code}: {s.title}" for s in rubric.sections})
    tables["agency"]["group"] = tables["agency"]["group"].map(lambda a: Agency(a).label if a in Agency.values() else a)
    queue = [p for p in pieces if p.awaiting_moderation]
    return {
        "rules": rules.to_dict(),
        "second_marked_plans": len({a.sampled_plan_id for a in seconds}),
        "double_marked_plans": len({p.sampled_plan_id for p in pieces}),
        "sent_to_moderation": len({p.sampled_plan_id for p in pieces if p.needs_moderator}),
        "awaiting_moderation": [{"plan_ref": p.plan_ref, "agency": Agency(p.agency).label,
                                 "first": p.first.auditor.code, "second": p.second.auditor.code,
                                 "reasons": "; ".join(p.disagreement)} for p in queue],
        "moderated_sections": sum(len(p.moderated) for p in pieces),
        "agreement": tables,
    }
