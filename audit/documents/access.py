"""Who may read a plan document, and what they see: only the plan's assigned auditors, a moderator of the
plan and QA leads; anyone else is told it does not exist (the web answers 404). Every reading adds a
`DocumentView`, so the audit trail holds who read which plan's text and when. A role without
`see_officer_names` (a parent carer forum auditor) sees the text with officers' names and codes removed."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from audit.cycle.plan_details import officers
from audit.errors import NotFound
from audit.protection.permissions import Permission, Role, permits
from audit.store.models import (
    Assignment,
    DocumentSection,
    DocumentView,
    ModeratedGrade,
    Plan,
    PlanDocument,
    PrecheckFlag,
    SampledPlan,
    User,
)

REMOVED = "[name removed]"
# "Case officer: Jo Bloggs", "Written by: ...", "Signed (SEN officer): ..." lines on the plan's cover or end.
_OFFICER_LINE = re.compile(r"(?im)^(\s*(?:case ?(?:officer|worker)|caseworker|sen(?:d)? officer|key ?worker|"
                           r"written by|completed by|signed(?: by)?|officer|author|co-ordinator|coordinator)"
                           r"(?:\s*\([^)]*\))?\s*[:\-–]\s*)(.+)$")


def may_read(session: Session, user: User, plan_id: int) -> bool:
    """Whether this account may read the plan's documents."""
    if user.role == Role.qa_lead:
        return True
    sampled = select(SampledPlan.id).where(SampledPlan.plan_id == plan_id)
    if user.role in (Role.auditor, Role.parent_carer_auditor) and user.auditor_id is not None:
        return session.exec(select(Assignment.id).where(Assignment.sampled_plan_id.in_(sampled),
                                                        Assignment.auditor_id == user.auditor_id)).first() is not None
    if user.role == Role.moderator:
        second = select(Assignment.id).where(Assignment.sampled_plan_id.in_(sampled),
                                             Assignment.marker_role == "second")
        agreed = select(ModeratedGrade.id).where(ModeratedGrade.sampled_plan_id.in_(sampled),
                                                 ModeratedGrade.moderator_code == user.username)
        return session.exec(second).first() is not None or session.exec(agreed).first() is not None
    return False


def redact(text: str, plan: Plan) -> str:
    """The text without officers' names (lines naming an officer) or the plan's officer codes."""
    text = _OFFICER_LINE.sub(lambda m: m.group(1) + REMOVED, text)
    for code in sorted(set(officers(plan).values()), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(code)}\b", REMOVED, text)
    return text


def read_document(session: Session, document_id: int, user: User) -> dict:
    """The document's sections and flags as this account may see them; records the view. NotFound otherwise."""
    document = session.get(PlanDocument, document_id)
    if document is None or document.purged_at is not None or not may_read(session, user, document.plan_id):
        raise NotFound(f"There is no plan document {document_id}.")
    plan = session.get(Plan, document.plan_id)
    shown = (lambda t: t) if permits(user.role, Permission.see_officer_names) else (lambda t: redact(t, plan))
    session.add(DocumentView(document_id=document.id, viewer=user.username, role=user.role))
    session.flush()
    sections = session.exec(select(DocumentSection).where(DocumentSection.document_id == document.id)
                            .order_by(DocumentSection.id)).all()
    flags = session.exec(select(PrecheckFlag).where(PrecheckFlag.document_id == document.id)
                         .order_by(PrecheckFlag.id)).all()
    return {"document": document.id, "plan_ref": plan.plan_ref, "file_name": document.label,
            "sections": [{"letter": s.letter, "heading": shown(s.heading), "text": shown(s.text)} for s in sections],
            "flags": [{"id": f.id, "rule_id": f.rule_id, "section": f.section, "quote": shown(f.quote),
                       "explanation": f.explanation, "status": f.status, "reason": shown(f.reason)}
                      for f in flags]}
