"""Accounts by email (issue 18): admins invite people and force password resets; people set and reset their own
password through single-use links that expire (audit.protection.account_links, emailed by flows/mail.py).

Nothing is half done: an invitation or reset whose email cannot be sent is not recorded, and the admin is told.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from audit.errors import AuditError
from audit.protection.account_links import (
    INVITE,
    RESET,
    LinkRefused,
    force_reset,
    invite,
    request_reset,
    set_password,
    usable_link,
)
from audit.protection.permissions import Permission
from audit.protection.users import ROLES
from audit.store.models import User
from audit.vocabulary import SERVICES
from flows.mail import account_link_message, send_email, smtp_configured
from web.deps import CheckedFirst, Id, Refused, allow, form_data, now, page, public, store
from web.errors import quietly_signed_in

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Administering = Annotated[User, Depends(allow(Permission.manage_users))]
FIELDS = ("username", "email", "role", "auditor", "service")
NO_EMAIL = "Email is not set up, so no link can be sent. Set EHCP_AUDIT_SMTP_HOST (docs/web.md)."


def _lasts(settings, purpose: str) -> timedelta:
    return timedelta(hours=settings.invite_link_hours) if purpose == INVITE else timedelta(minutes=settings.reset_link_minutes)


def _send(request: Request, user: User, purpose: str, token: str) -> None:
    """Email the link; raises OSError or smtplib's errors, so the caller's unit of work is rolled back."""
    settings = request.app.state.settings
    base = (settings.web_base_url or str(request.base_url)).rstrip("/")
    send_email(settings, account_link_message(settings, user.email, purpose, user.username,
                                              f"{base}/account/set-password?token={token}",
                                              now(request) + _lasts(settings, purpose)))


def _invite_page(request: Request, status: int = 200, errors: list | None = None, values: dict | None = None):
    from web.admin import auditor_choices

    with store(request) as session:
        auditors = auditor_choices(session)
    return page(request, "invite.html", status=status, title="Invite a user", errors=errors or [], roles=ROLES,
                values=values or dict.fromkeys(FIELDS, ""), auditors=auditors,
                services=[(s.value, s.label) for s in SERVICES], smtp=smtp_configured(request.app.state.settings),
                hours=request.app.state.settings.invite_link_hours)


@router.get("/admin/users/invite")
def invite_form(request: Request, user: Administering):
    return _invite_page(request)


@router.post("/admin/users/invite")
def send_invite(request: Request, user: Administering, form: Annotated[FormData, Depends(form_data)]):
    settings = request.app.state.settings
    values = {k: str(form.get(k, "")).strip() for k in FIELDS}
    if not smtp_configured(settings):
        return _invite_page(request, 400, [{"text": NO_EMAIL, "href": "#email"}], values)
    try:
        with store(request) as session:
            invited, token = invite(session, values["username"], values["email"], values["role"],
                                    values["auditor"] or None, values["service"] or None, user.username, now(request),
                                    _lasts(settings, INVITE))
            _send(request, invited, INVITE, token)
    except AuditError as exc:
        text = str(exc)
        field = next((f for f in ("email", "auditor", "service", "role") if f in text.lower()), "username")
        return _invite_page(request, 400, [{"text": text, "href": f"#{field}"}], values)
    except OSError as exc:
        return _invite_page(request, 502, [{"text": f"The invitation could not be emailed ({exc.__class__.__name__}); "
                                                     "no account was added. Try again.", "href": "#email"}], values)
    return RedirectResponse("/admin/users?done=invited", status_code=303)


@router.post("/admin/users/{user_id}/reset-password")
def admin_reset(request: Request, user_id: Id, user: Administering):
    settings = request.app.state.settings
    from web.admin import _users_page  # the users page shows the outcome

    if not smtp_configured(settings):
        return _users_page(request, 400, [{"text": NO_EMAIL, "href": "#users"}])
    try:
        with store(request) as session:
            target = session.get(User, user_id)
            if target is None:
                raise Refused("object", f"There is no user {user_id}.", 404)
            token = force_reset(session, target, user.username, now(request), _lasts(settings, RESET))
            _send(request, target, RESET, token)
    except AuditError as exc:
        return _users_page(request, 400, [{"text": str(exc), "href": "#users"}])
    except OSError as exc:
        return _users_page(request, 502, [{"text": f"The reset link could not be emailed ({exc.__class__.__name__}); "
                                                   "the password was not changed. Try again.", "href": "#users"}])
    return RedirectResponse("/admin/users?done=reset", status_code=303)


def _link_page(request: Request, token: str, status: int = 200, errors: list | None = None):
    quietly_signed_in(request)
    try:
        with store(request) as session:
            link, owner = usable_link(session, token, now(request))
            purpose, username = link.purpose, owner.username
    except LinkRefused as exc:
        return page(request, "link_refused.html", status=410 if exc.reason in ("used", "expired") else 404,
                    title={"used": "This link has already been used", "expired": "This link has expired"}.get(
                        exc.reason, "This link does not work"), message=str(exc), reason=exc.reason)
    return page(request, "set_password.html", status=status, title="Set your password" if purpose == INVITE
                else "Reset your password", token=token, username=username, errors=errors or [])


@router.get("/account/set-password", dependencies=[Depends(public())])
def set_password_form(request: Request, token: str = ""):
    return _link_page(request, token)


@router.post("/account/set-password", dependencies=[Depends(public())])
def save_password(request: Request, form: Annotated[FormData, Depends(form_data)]):
    token = str(form.get("token", ""))
    try:
        with store(request) as session:
            set_password(session, token, str(form.get("password", "")), str(form.get("confirm", "")), now(request))
    except LinkRefused:
        return _link_page(request, token)
    except AuditError as exc:
        field = "confirm" if "match" in str(exc) else "password"
        return _link_page(request, token, 400, [{"text": str(exc), "href": f"#{field}"}])
    return RedirectResponse("/sign-in?ended=password", status_code=303)


@router.get("/forgot-password", dependencies=[Depends(public())])
def forgot_form(request: Request):
    quietly_signed_in(request)
    return page(request, "forgot_password.html", title="Reset your password", sent=False, who="")


@router.post("/forgot-password", dependencies=[Depends(public())])
def forgot(request: Request, form: Annotated[FormData, Depends(form_data)]):
    settings, who = request.app.state.settings, str(form.get("who", "")).strip()
    quietly_signed_in(request)
    if not who:
        return page(request, "forgot_password.html", status=400, title="Reset your password", sent=False, who="",
                    errors=[{"text": "Enter your username or email address", "href": "#who"}])
    if smtp_configured(settings):
        try:
            with store(request) as session:
                found = request_reset(session, who, now(request), _lasts(settings, RESET))
                if found:
                    _send(request, found[0], RESET, found[1])
        except OSError:
            pass  # the same answer either way: saying the send failed would tell that the account exists
    return page(request, "forgot_password.html", title="Check your email", sent=True, who=who,
                minutes=settings.reset_link_minutes, smtp=smtp_configured(settings))
