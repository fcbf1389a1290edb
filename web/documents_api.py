"""Plan documents in the JSON API (/api/v1): a document's sections and pre-check flags, and deciding a flag.

The same rules as the pages: only the plan's assigned auditors, a moderator of the plan and QA leads may read a
document (anyone else: 404), every reading is in the audit trail, and a decision never sets a grade.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from audit.documents.access import read_document
from audit.documents.review import decide_flag
from audit.errors import AuditError, NotFound
from audit.protection.permissions import Permission
from audit.store.models import PrecheckFlag, User
from web.api import ProblemOut
from web.api import router as api_router
from web.deps import CheckedFirst, Id, allow, store
from web.errors import problem

router = APIRouter(prefix="/api/v1", tags=["v1"], route_class=CheckedFirst)
router.responses.update(api_router.responses)  # 401, 403 and 422, as every /api/v1 operation documents
Reader = Annotated[User, Depends(allow(Permission.use_account))]


class SectionOut(BaseModel):
    letter: str
    heading: str
    text: str


class FlagOut(BaseModel):
    id: int
    rule_id: str
    section: str
    quote: str
    explanation: str
    status: str = Field(description="open, confirmed or dismissed")
    reason: str = ""


class DocumentOut(BaseModel):
    document: int
    plan_ref: str
    file_name: str
    sections: list[SectionOut]
    flags: list[FlagOut]


class DecisionIn(BaseModel):
    decision: Literal["confirmed", "dismissed"]
    reason: str = Field("", max_length=2000, description="Required to dismiss.")


@router.get("/documents/{document_id}", response_model=DocumentOut, responses={404: {"model": ProblemOut}})
def document(request: Request, document_id: Id, user: Reader):
    """A plan document's sections and pre-check flags, if you may read it (the reading is in the audit trail)."""
    try:
        with store(request, write=True) as session:
            return DocumentOut(**read_document(session, document_id, user))
    except NotFound as exc:
        return problem(str(exc), 404, reason="object")


@router.post("/documents/{document_id}/flags/{precheck_flag_id}", response_model=FlagOut,
             responses={404: {"model": ProblemOut}, 422: {"model": ProblemOut}})
def decide(request: Request, document_id: Id, precheck_flag_id: Id, body: DecisionIn, user: Reader):
    """Confirm or dismiss a pre-check flag (a dismissal needs a reason); it never sets a grade."""
    try:
        with store(request, write=True) as session:
            flag = session.get(PrecheckFlag, precheck_flag_id)
            if flag is None or flag.document_id != document_id:
                raise NotFound(f"There is no pre-check flag {precheck_flag_id} on document {document_id}.")
            flag = decide_flag(session, precheck_flag_id, user, body.decision, body.reason)
            shown = next(f for f in read_document(session, document_id, user)["flags"] if f["id"] == flag.id)
            return FlagOut(**shown)
    except NotFound as exc:
        return problem(str(exc), 404, reason="object")
    except AuditError as exc:
        return problem("The decision was not recorded.", 422, [str(exc)])
