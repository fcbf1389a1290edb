"""Scorecards: the one place grades are saved, whether they come from a file, the web form or the API.

`save_scorecard` checks everything before writing anything: the auditor is the one assigned, every
criterion of the assigned sections is graded (when submitting), weak grades carry a comment, and a
submitted scorecard is never changed. The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from audit.cells import text_problem
from audit.errors import Conflict, InputRejected, NotFound, Problem
from audit.limits import DEFAULT_TEXT_CHARS
from audit.rubrics.loading import Rubric
from audit.store.models import Assignment, Auditor, CriterionGrade, Cycle, Plan, SampledPlan, Scorecard, utcnow
from audit.vocabulary import Grade, ScorecardStatus, section_words
from audit.words import moment


@dataclass(frozen=True)
class GradeEntry:
    """What an auditor gave one criterion: a grade (None = not graded yet) and a comment; or, where the rubric
    allows it, `not_applicable` with the reason in the comment."""

    grade: Grade | None
    comment: str = ""
    not_applicable: bool = False


def assigned_criteria(rubric: Rubric, assignment: Assignment) -> list[tuple[str, str]]:
    """(section or part, criterion id) for every criterion the assignment covers, in rubric order; criteria whose
    register conditions did not hold for the plan when it was assigned are left out."""
    skipped = set(assignment.skipped_criteria or ())
    return [(u.code, c.id) for u in rubric.units if u.code in assignment.sections for c in u.criteria
            if c.id not in skipped]


def check_entries(
    rubric: Rubric, assignment: Assignment, entries: dict[str, GradeEntry], submit: bool,
    max_comment_chars: int = DEFAULT_TEXT_CHARS,
) -> list[tuple[str, Problem]]:
    """Every problem with a set of grades, keyed by criterion id; `column` is the field (grade or comment)."""
    problems: list[tuple[str, Problem]] = []
    for cid, entry in entries.items():
        bad = text_problem(entry.comment, max_comment_chars)
        if bad is not None:
            problems.append((cid, Problem(f"the comment for criterion {cid} {bad[0]}", column="comment", fix=bad[1])))
    expected = {cid for _, cid in assigned_criteria(rubric, assignment)}
    for cid in entries:
        if cid not in expected:
            problems.append((cid, Problem(
                f"criterion {cid} is not in the sections assigned to you "
                f"({', '.join(section_words(x) for x in assignment.sections)})",
                column="criterion_id", fix="remove the row or use the scorecard generated for this assignment",
            )))
    for _, cid in assigned_criteria(rubric, assignment):
        entry = entries.get(cid)
        if entry is not None and entry.not_applicable:
            problems += [(cid, p) for p in _not_applicable_problems(rubric, cid, entry)]
            continue
        if entry is None or entry.grade is None:
            if submit:
                problems.append((cid, Problem(f"criterion {cid} has no grade", column="grade",
                                              fix="choose Outstanding, Good, Requires Improvement or Inadequate")))
            continue
        if entry.grade.is_weak and not entry.comment.strip():
            problems.append((cid, Problem(
                f"criterion {cid} is graded {entry.grade.label} without a comment", column="comment",
                fix="say what needs to improve; a comment is required for Requires Improvement and Inadequate",
            )))
    return problems


def _not_applicable_problems(rubric: Rubric, cid: str, entry: GradeEntry) -> list[Problem]:
    """A criterion marked not applicable: the rubric must allow it, with a reason and no grade as well."""
    if not rubric.criterion(cid)[1].allow_not_applicable:
        return [Problem(f"criterion {cid} cannot be marked not applicable", column="grade",
                        fix="grade it: the rubric does not allow 'not applicable' for this criterion")]
    problems = []
    if entry.grade is not None:
        problems.append(Problem(f"criterion {cid} has a grade and is marked not applicable", column="grade",
                                fix="give a grade or mark it not applicable, not both"))
    if not entry.comment.strip():
        problems.append(Problem(f"criterion {cid} is marked not applicable without a reason", column="comment",
                                fix="say in the comment why it does not apply to this plan"))
    return problems


def save_scorecard(
    session: Session,
    assignment: Assignment,
    auditor: Auditor,
    rubric: Rubric,
    entries: dict[str, GradeEntry],
    *,
    submit: bool,
    source: str,
    now: datetime | None = None,
    what: str = "Scorecard",
) -> Scorecard:
    """Save a draft or submit; raises InputRejected/Conflict/NotFound and writes nothing on failure.

    On a Conflict from a simultaneous save the session has been rolled back.
    """
    now = now or utcnow()
    if assignment.auditor_id != auditor.id:
        raise NotFound(f"Assignment {assignment.id} is not assigned to {auditor.code}.")
    if not assignment.active:
        raise Conflict(f"Assignment {assignment.id} was withdrawn from the cycle; it no longer takes grades.")
    cycle = session.get(Cycle, assignment.cycle_id)
    if cycle.status == "closed":
        raise Conflict(f"Cycle {cycle.id} is closed; it no longer takes grades.")
    problems = check_entries(rubric, assignment, entries, submit)
    if problems:
        raise InputRejected(what, [p for _, p in problems])

    card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).first()
    if card is not None and card.status == ScorecardStatus.submitted.value:
        raise Conflict(
            f"The scorecard for assignment {assignment.id} was already submitted on "
            f"{moment(card.submitted_at)}; submitted scorecards cannot be changed."
        )
    if card is None:
        card = Scorecard(assignment_id=assignment.id, rubric_version_id=cycle.rubric_version_id,
                         auditor_id=auditor.id, source=source)
        session.add(card)
        try:
            session.flush()
        except IntegrityError:
            # The unique assignment_id constraint is what stops two simultaneous first saves making two
            # cards. The losing save's whole unit of work is abandoned, so nothing of it is half written.
            session.rollback()
            raise Conflict(
                f"Someone else saved assignment {assignment.id}'s scorecard at the same moment, so yours was "
                "not saved. Reload the scorecard to see what is stored, then save again."
            ) from None
    existing = {g.criterion_id: g for g in session.exec(
        select(CriterionGrade).where(CriterionGrade.scorecard_id == card.id)).all()}
    section_of = {cid: sec for sec, cid in assigned_criteria(rubric, assignment)}
    for cid, entry in entries.items():
        row = existing.get(cid) or CriterionGrade(scorecard_id=card.id, section=section_of[cid], criterion_id=cid)
        row.grade = int(entry.grade) if entry.grade is not None and not entry.not_applicable else None
        row.not_applicable = entry.not_applicable
        row.comment = entry.comment.strip()
        session.add(row)
    card.source = source
    card.updated_at = now
    if submit:
        card.status = ScorecardStatus.submitted.value
        card.submitted_at = now
        card.late = now.date() > assignment.due_date
    session.add(card)
    session.flush()
    return card


def load_entries(session: Session, scorecard: Scorecard) -> dict[str, GradeEntry]:
    rows = session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == scorecard.id)).all()
    return {r.criterion_id: GradeEntry(Grade(r.grade) if r.grade else None, r.comment, r.not_applicable) for r in rows}


def assignments_for(session: Session, cycle: Cycle, auditor: Auditor) -> list[tuple[Assignment, Plan]]:
    """An auditor's active assignments in a cycle, with their plans (only their own: object-level access)."""
    return list(session.exec(
        select(Assignment, Plan)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .where(Assignment.cycle_id == cycle.id, Assignment.auditor_id == auditor.id,
               Assignment.active == True)  # noqa: E712
        .order_by(Plan.plan_ref, Assignment.id)
    ).all())


def every_assignment_of(session: Session, auditor: Auditor) -> list[tuple[Assignment, Plan, Cycle, Scorecard | None]]:
    """Every active assignment of one auditor in every cycle, with its plan, cycle and scorecard: one query,
    however many cycles the auditor has worked in (their own only: object-level access)."""
    return list(session.exec(
        select(Assignment, Plan, Cycle, Scorecard)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .where(Assignment.auditor_id == auditor.id, Assignment.active == True)  # noqa: E712
        .order_by(Cycle.id.desc(), Plan.plan_ref, Assignment.id)
    ).all())
