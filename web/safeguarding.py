"""The safeguarding route: an auditor flags a concern on an assigned plan (page and API); the designated contact is
emailed at once; the QA lead sees open flags, records follow-up, retries a failed email and closes flags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.datastructures import FormData

from audit.cycle.lifecycle import find_area
from audit.errors import AuditError, InputRejected
from audit.protection.permissions import Permission
from audit.protection.safeguarding import add_note, close_flag, flag_view, get_flag, list_flags, raise_flag
from audit.store.models import SafeguardingFlag, User
from flows.alerts import notify_contacts, why_not_sendable
from web.api import ProblemOut
from web.auditor import own_assignment
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.errors import problem

# Who may raise a flag, and who follows flags up (the permission matrix will take these over).

router = APIRouter(route_class=CheckedFirst)
Flagging = Annotated[User, Depends(allow(Permission.flag_safeguarding))]
FollowingUp = Annotated[User, Depends(allow(Permission.follow_up_safeguarding))]
NOTIFY_TEXT = {
    "sent": "The designated safeguarding contact was emailed.",
    "failed": "The email to the designated safeguarding contact could not be sent. Your concern is recorded, the QA "
              "lead can see it, and the email will be tried again automatically.",
    "pending": "The email to the designated safeguarding contact is being sent.",
}


class ConcernIn(BaseModel):
    concern: str = Field(description="What you saw that worries you about a child's safety.", max_length=20_000)


class FlagOut(BaseModel):
    id: int
    assignment_id: int
    plan_ref: str
    status: str = Field(description="open or closed")
    notify_status: str = Field(description="sent: the designated contact was emailed; failed: it is retried")


def _raise_and_notify(request: Request, user: User, assignment_id: int, concern: str) -> tuple[SafeguardingFlag, str]:
    """Record the flag (committed first, so a failed email never loses it), then email the contact at once."""
    settings = request.app.state.settings
    with store(request) as session:
        assignment, auditor, _, plan = own_assignment(session, user, assignment_id)
        flag = raise_flag(session, assignment, auditor, concern, max_chars=settings.max_text_chars)
        plan_ref = plan.plan_ref
    notify_contacts(settings, request.app.state.engine, flag.id, str(request.url_for("flag_page", flag_id=flag.id)))
    with store(request) as session:
        return get_flag(session, flag.id), plan_ref


def _form_page(request: Request, user: User, assignment_id: int, concern: str = "", errors: list | None = None):
    with store(request) as session:
        assignment, _, cycle, plan = own_assignment(session, user, assignment_id)
    return page(request, "safeguarding_form.html", status=400 if errors else 200,
                title=f"Report a safeguarding concern about plan {plan.plan_ref}", assignment=assignment, cycle=cycle,
                plan=plan, concern=concern, errors=errors or [])


@router.get("/my-audits/{assignment_id}/safeguarding", include_in_schema=False)
def concern_form(request: Request, assignment_id: Id, user: Flagging):
    return _form_page(request, user, assignment_id)


@router.post("/my-audits/{assignment_id}/safeguarding", include_in_schema=False)
def concern_submit(request: Request, assignment_id: Id, user: Flagging, form: Annotated[FormData, Depends(form_data)]):
    concern = str(form.get("concern", ""))
    try:
        flag, _ = _raise_and_notify(request, user, assignment_id, concern)
    except InputRejected as exc:
        return _form_page(request, user, assignment_id, concern,
                          [{"text": p.sentence(), "href": "#concern"} for p in exc.problems])
    return RedirectResponse(f"/my-audits/{assignment_id}/safeguarding/{flag.id}", status_code=303)


@router.get("/my-audits/{assignment_id}/safeguarding/{flag_id}", include_in_schema=False)
def concern_recorded(request: Request, assignment_id: Id, flag_id: Id, user: Flagging):
    with store(request) as session:
        assignment, _, _, plan = own_assignment(session, user, assignment_id)
        flag = session.get(SafeguardingFlag, flag_id)
        if flag is None or flag.assignment_id != assignment.id:
            raise Refused("object", f"There is no safeguarding flag {flag_id} on this assignment.", 404)
    return page(request, "safeguarding_raised.html", title="Safeguarding concern recorded", flag=flag, plan=plan,
                assignment=assignment, notify_text=NOTIFY_TEXT[flag.notify_status])


@router.post("/api/v1/assignments/{assignment_id}/safeguarding", status_code=201, response_model=FlagOut,
             tags=["v1"], responses={
                 401: {"model": ProblemOut, "description": "Not signed in, or the token is not valid"},
                 403: {"model": ProblemOut, "description": "The role does not give access"},
                 404: {"model": ProblemOut, "description": "Not one of your assignments"},
                 413: {"model": ProblemOut, "description": "The request is too large"},
                 422: {"model": ProblemOut, "description": "The concern was rejected; nothing was saved"}})
def api_raise(request: Request, assignment_id: Id, body: ConcernIn, user: Flagging):
    """Flag a safeguarding concern on one of your assignments; the designated contact is emailed at once."""
    try:
        flag, plan_ref = _raise_and_notify(request, user, assignment_id, body.concern)
    except InputRejected as exc:
        return problem(f"{exc.what} was rejected; nothing was saved.", 422, [p.sentence() for p in exc.problems])
    return FlagOut(id=flag.id, assignment_id=assignment_id, plan_ref=plan_ref, status=flag.status,
                   notify_status=flag.notify_status)


# --- follow-up: the QA lead (or the designated contact with a QA lead account) ------------------------------


def _flag(request: Request, session, flag_id: int) -> SafeguardingFlag:
    area = find_area(session, request.app.state.settings.area_code)
    if area is None:
        raise Refused("object", f"There is no safeguarding concern {flag_id}.", 404)
    try:
        return get_flag(session, flag_id, area.id)
    except AuditError as exc:
        raise Refused("object", str(exc), 404) from None


@router.get("/safeguarding", include_in_schema=False)
def flags(request: Request, user: FollowingUp):
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        views = list_flags(session, area.id) if area else []
    return page(request, "safeguarding_list.html", title="Safeguarding concerns",
                open_flags=[v for v in views if v.flag.status == "open"],
                closed_flags=[v for v in views if v.flag.status == "closed"],
                unsendable=why_not_sendable(request.app.state.settings))


def _flag_page(request: Request, flag_id: int, errors: list | None = None, values: dict | None = None,
               done: str = "", status: int = 200):
    with store(request) as session:
        view = flag_view(session, _flag(request, session, flag_id))
    return page(request, "safeguarding_flag.html", status=status, title=f"Safeguarding concern {flag_id}", v=view,
                errors=errors or [], values=values or {}, done=done, unsendable=why_not_sendable(
                    request.app.state.settings), error_for={e["href"]: e["text"] for e in errors or []})


@router.get("/safeguarding/{flag_id}", name="flag_page", include_in_schema=False)
def flag_page(request: Request, flag_id: Id, user: FollowingUp, done: str = ""):
    return _flag_page(request, flag_id, done=done if done in ("noted", "closed", "sent", "failed") else "")


def _follow_up(request: Request, flag_id: int, user: User, form: FormData, field: str, action) -> object:
    text = str(form.get(field, ""))
    try:
        with store(request) as session:
            action(session, _flag(request, session, flag_id), text, user.username,
                   max_chars=request.app.state.settings.max_text_chars)
    except InputRejected as exc:
        return _flag_page(request, flag_id, [{"text": p.sentence(), "href": f"#{field}"} for p in exc.problems],
                          {field: text}, status=400)
    except AuditError as exc:  # e.g. the flag was closed meanwhile
        return _flag_page(request, flag_id, [{"text": str(exc), "href": f"#{field}"}], {field: text}, status=409)
    return None


@router.post("/safeguarding/{flag_id}/notes", include_in_schema=False)
def note(request: Request, flag_id: Id, user: FollowingUp, form: Annotated[FormData, Depends(form_data)]):
    refused = _follow_up(request, flag_id, user, form, "note", add_note)
    return refused or RedirectResponse(f"/safeguarding/{flag_id}?done=noted", status_code=303)


@router.post("/safeguarding/{flag_id}/close", include_in_schema=False)
def close(request: Request, flag_id: Id, user: FollowingUp, form: Annotated[FormData, Depends(form_data)]):
    refused = _follow_up(request, flag_id, user, form, "closure_note", close_flag)
    return refused or RedirectResponse(f"/safeguarding/{flag_id}?done=closed", status_code=303)


@router.post("/safeguarding/{flag_id}/notify", include_in_schema=False)
def notify(request: Request, flag_id: Id, user: FollowingUp):
    with store(request) as session:
        _flag(request, session, flag_id)
    status = notify_contacts(request.app.state.settings, request.app.state.engine, flag_id,
                             str(request.url_for("flag_page", flag_id=flag_id)))
    return RedirectResponse(f"/safeguarding/{flag_id}?done={status}", status_code=303)
