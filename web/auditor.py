"""Auditors: their assignments, the scorecard form (draft, submit, read-only after) and the confirmation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select
from starlette.datastructures import FormData

from audit import clock
from audit.cycle.assignment import cycle_rubric
from audit.cycle.lifecycle import assignment_state, cycle_complete
from audit.cycle.plan_details import plan_details
from audit.cycle.scorecards import (
    GradeEntry,
    assigned_criteria,
    check_entries,
    every_assignment_of,
    load_entries,
    save_scorecard,
)
from audit.cycle.work import work_to_do
from audit.documents.review import evidence_for, save_evidence
from audit.documents.storage import current_document
from audit.errors import Conflict, InputRejected, NotFound
from audit.protection.permissions import Permission
from audit.rubrics.loading import Rubric
from audit.store.models import Assignment, Auditor, Cycle, Plan, SampledPlan, Scorecard, User
from audit.vocabulary import Agency, Grade, ScorecardStatus, label, section_words
from audit.words import moment
from web.deps import CheckedFirst, Id, Refused, allow, form_data, one_save_at_a_time, page, store
from web.documents import document_panel
from web.lists import listing
from web.trigger import launch

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Auditing = Annotated[User, Depends(allow(Permission.grade_plans))]
# Each state of an auditor's work: its words (audit.vocabulary) and its tag colour.
STATE_TAGS = {state: (label(state, "work_status"), colour) for state, colour in (
    ("submitted", "govuk-tag--green"), ("draft", "govuk-tag--blue"), ("not_started", "govuk-tag--grey"),
    ("late", "govuk-tag--red"))}


def own_assignment(session: Session, user: User, assignment_id: int) -> tuple[Assignment, Auditor, Cycle, Plan]:
    """The assignment if it is the signed-in auditor's; anyone else's is 'not found' (object-level check).

    One query for the four rows every scorecard request needs (it runs on every page view and save).
    """
    row = session.exec(
        select(Assignment, Auditor, Cycle, Plan)
        .join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .where(Assignment.id == assignment_id)
    ).first()
    if row is None or user.auditor_id is None or row[0].auditor_id != user.auditor_id:
        raise Refused("object", f"There is no assignment {assignment_id} among your audits.", 404)
    return row[0], row[1], row[2], row[3]


def continue_if_complete(request: Request, session: Session, cycle: Cycle) -> bool:
    """After a submission: if every scorecard is in, let the cycle flow continue (without blocking the request)."""
    if not cycle_complete(session, cycle):
        return False
    launch(request.app, cycle.id)
    return True


def sections_words(codes: list[str]) -> str:
    """An assignment's sections as people read them: "A (Parent carer forum's part), I" for "A:parent_carer_forum", "I"."""
    return ", ".join(section_words(code) for code in codes)


MY_AUDITS_SORTS = {"due": lambda r: (r["due"], r["plan_ref"]), "plan": lambda r: r["plan_ref"],
                   "cycle": lambda r: (-r["cycle_id"], r["plan_ref"]), "status": lambda r: (r["tag"][0], r["due"])}


@router.get("/my-audits")
def my_audits(request: Request, user: Auditing, q: str = "", sort: str = "", order: str = "",
              page_number: Annotated[str, Query(alias="page")] = "1"):
    today = _today()
    with store(request) as session:
        auditor = session.get(Auditor, user.auditor_id)
        rows = []
        for assignment, plan, cycle, card in every_assignment_of(session, auditor):
            state = assignment_state(card, assignment, today)
            rows.append({"id": assignment.id, "plan_ref": plan.plan_ref, "sections": sections_words(assignment.sections),
                         "cycle": cycle.name, "cycle_id": cycle.id, "due": assignment.due_date, "state": state,
                         "tag": STATE_TAGS[state]})
    # Filtered, sorted and paged on the server (web/lists.py): an auditor with years of cycles still gets one page.
    shown = listing(rows, path="/my-audits", sorts=MY_AUDITS_SORTS, default_sort="due",
                    text=lambda r: f"{r['plan_ref']} {r['cycle']} {r['tag'][0]} {r['sections']}", q=q, sort=sort,
                    order=order, page=page_number)
    return page(request, "my_audits.html", title="My audits", listing=shown, any_work=bool(rows), auditor=auditor,
                agency=Agency(auditor.agency).label)


@router.get("/my-audits/{assignment_id}")
def scorecard_page(request: Request, assignment_id: Id, user: Auditing, saved: bool = False):
    with store(request) as session:
        assignment, _auditor, cycle, plan = own_assignment(session, user, assignment_id)
        rubric = cycle_rubric(session, cycle)
        card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).first()
        entries = load_entries(session, card) if card else {}
        submitted = card is not None and card.status == ScorecardStatus.submitted.value
        values = {cid: (NOT_APPLICABLE if e.not_applicable else str(int(e.grade)) if e.grade else "", e.comment)
                  for cid, e in entries.items()}
        state = assignment_state(card, assignment, _today())
        evidence = evidence_for(session, assignment.id)
        has_document = current_document(session, plan.id) is not None
    document = None
    if has_document:  # reading it is recorded in the trail: a unit of work of its own
        with store(request, write=True) as session:
            document = document_panel(session, user, plan)
    return page(request, "scorecard.html", title=f"Scorecard for plan {plan.plan_ref}", plan=plan, cycle=cycle,
                sections=sections_words(assignment.sections),
                details=plan_details(plan, user.role), document=document, evidence=evidence,
                assignment=assignment, card=card, submitted=submitted, saved=saved, tag=STATE_TAGS[state],
                criteria=_criteria_view(rubric, assignment, values, {}), closed=cycle.status == "closed")


@router.post("/my-audits/{assignment_id}")
def save_scorecard_form(request: Request, assignment_id: Id, user: Auditing,
                        form: Annotated[FormData, Depends(form_data)]):
    submit = form.get("action") == "submit"
    with one_save_at_a_time(assignment_id), store(request, write=True) as session:
        assignment, auditor, cycle, plan = own_assignment(session, user, assignment_id)
        rubric = cycle_rubric(session, cycle)
        values = {cid: (str(form.get(f"grade-{cid}", "")), str(form.get(f"comment-{cid}", "")))
                  for _, cid in assigned_criteria(rubric, assignment)}
        conflict = _blocked(session, assignment, cycle)
        entries, field_errors = _parse(values)
        if conflict is None:
            for cid, problem in check_entries(rubric, assignment, entries, submit):
                field_errors.setdefault((cid, problem.column), _message(cid, problem.column, problem.sentence()))
        if not field_errors and conflict is None:
            try:
                with session.begin_nested():
                    save_scorecard(session, assignment, auditor, rubric, entries, submit=submit, source="web")
                    save_evidence(session, assignment.id, _evidence(form, rubric, assignment))
            except Conflict as exc:
                conflict = str(exc)
            except (InputRejected, NotFound) as exc:  # checked above; kept so nothing is ever half saved
                conflict = str(exc)
    if field_errors or conflict:
        errors = [{"text": conflict, "href": "#scorecard"}] if conflict else [
            {"text": text, "href": f"#{column}-{cid}"} for (cid, column), text in field_errors.items()]
        return page(request, "scorecard.html", status=409 if conflict else 400,
                    title=f"Scorecard for plan {plan.plan_ref}", plan=plan, cycle=cycle,
                sections=sections_words(assignment.sections), assignment=assignment,
                    details=plan_details(plan, user.role),
                    card=None, submitted=False, saved=False, errors=errors, tag=None, closed=False, document=None,
                    evidence={cid: passage for cid, (_, passage) in _evidence(form, rubric, assignment).items()},
                    criteria=_criteria_view(rubric, assignment, values, field_errors))
    if not submit:
        return RedirectResponse(f"/my-audits/{assignment_id}?saved=true", status_code=303)
    with store(request) as session:
        continue_if_complete(request, session, session.get(Cycle, cycle.id))
    return RedirectResponse(f"/my-audits/{assignment_id}/submitted", status_code=303)


@router.get("/my-audits/{assignment_id}/submitted")
def confirmation(request: Request, assignment_id: Id, user: Auditing):
    with store(request) as session:
        assignment, _, cycle, plan = own_assignment(session, user, assignment_id)
        card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).first()
        left = work_to_do(session, user.auditor_id, _today()) if card is not None else []
    if card is None or card.status != ScorecardStatus.submitted.value:
        return RedirectResponse(f"/my-audits/{assignment_id}", status_code=303)
    return page(request, "submitted.html", title="Scorecard submitted", plan=plan, cycle=cycle,
                assignment=assignment, card=card, left=left, sections=sections_words(assignment.sections))


def _blocked(session: Session, assignment: Assignment, cycle: Cycle) -> str | None:
    """Why this scorecard takes no grades now (submitted, withdrawn, cycle closed), before checking the form."""
    card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).first()
    if card is not None and card.status == ScorecardStatus.submitted.value:
        return (f"This scorecard was already submitted on {moment(card.submitted_at)}. Submitted "
                "scorecards cannot be changed; nothing you entered just now was saved.")
    if not assignment.active:
        return "This plan was withdrawn from the cycle, so its scorecard no longer takes grades."
    if cycle.status == "closed":
        return "This cycle is closed, so its scorecards no longer take grades."
    return None


def _evidence(form: FormData, rubric: Rubric, assignment: Assignment) -> dict[str, tuple[str, str]]:
    """The passage typed or pasted as each criterion's evidence (section letter, passage)."""
    letters = {c.id: (s.parent or s.code) for s in rubric.units for c in s.criteria}
    return {cid: (letters.get(cid, ""), str(form.get(f"evidence-{cid}", "")))
            for _, cid in assigned_criteria(rubric, assignment) if f"evidence-{cid}" in form}


def _today():

    return clock.today()


def _parse(values: dict[str, tuple[str, str]]) -> tuple[dict[str, GradeEntry], dict[tuple[str, str], str]]:
    entries, errors = {}, {}
    for cid, (grade, comment) in values.items():
        if grade == NOT_APPLICABLE:  # the rubric allows it for this criterion; check_entries says if not
            entries[cid] = GradeEntry(None, comment, not_applicable=True)
            continue
        if grade in ("", None):
            parsed = None
        else:
            try:
                parsed = Grade(int(grade))
            except ValueError:
                errors[(cid, "grade")] = f"Choose a grade for {cid} from the list"
                continue
        entries[cid] = GradeEntry(parsed, comment)
    return entries, errors


def _message(cid: str, column: str | None, fallback: str) -> str:
    if column == "grade":
        return f"Choose a grade for {cid}"
    if column == "comment" and "without a comment" in fallback:
        return (f"Enter a comment for {cid}: say what needs to improve (a comment is required for "
                "Requires Improvement and Inadequate)")
    return fallback  # e.g. a comment that is too long or reads as a formula


def _criteria_view(rubric: Rubric, assignment: Assignment, values: dict[str, tuple[str, str]],
                   errors: dict[tuple[str, str], str]) -> list[dict]:
    """Sections and criteria in rubric order with descriptors, what was typed and any error per field."""
    sections = []
    skipped = set(assignment.skipped_criteria or ())  # register conditions that do not hold for this plan
    for section in rubric.units:  # sections, and this agency's part of a shared section ("E:health")
        if section.code not in assignment.sections:
            continue
        criteria = []
        for c in section.criteria:
            if c.id in skipped:
                continue
            grade, comment = values.get(c.id, ("", ""))
            not_applicable = [{"value": NOT_APPLICABLE, "label": "Not applicable",
                               "descriptor": "Give the reason in the comment"}] if c.allow_not_applicable else []
            criteria.append({
                "id": c.id, "text": c.text, "grade": grade, "comment": comment,
                "grade_label": "Not applicable" if grade == NOT_APPLICABLE else
                Grade(int(grade)).label if grade.isdigit() and int(grade) in Grade._value2member_map_ else "",
                "choices": [{"value": str(int(g)), "label": g.label, "descriptor": c.descriptors.get(g, "")}
                            for g in sorted(Grade, reverse=True)] + not_applicable,
                "grade_error": errors.get((c.id, "grade")), "comment_error": errors.get((c.id, "comment")),
            })
        title = section.title if section.parent is None else f"{section.title} ({Agency(section.agency).label}'s part)"
        sections.append({"code": section.code, "title": title, "criteria": criteria,
                         "letter": section.parent or section.code})
    return sections


NOT_APPLICABLE = "na"  # the form's value for "not applicable"
