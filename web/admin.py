"""Admins: add users, change roles and services, switch accounts off and on, sign a user out everywhere.

The same domain functions as `ehcp-audit users`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.protection.users import ROLES, create_user, list_users, set_active, set_role, sign_out_everywhere
from audit.store.models import User
from audit.vocabulary import SERVICES
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Administering = Annotated[User, Depends(allow(Permission.manage_users))]


def _users_page(request: Request, status: int = 200, errors: list | None = None, values: dict | None = None,
                done: str = ""):
    with store(request) as session:
        rows = list_users(session)
    return page(request, "users.html", status=status, title="Users", rows=rows, roles=ROLES, errors=errors or [],
                values=values or {"username": "", "role": "", "auditor": "", "service": ""}, done=done,
                services=[(s.value, s.label) for s in SERVICES])


@router.get("/admin/users")
def users(request: Request, user: Administering, done: str = ""):
    return _users_page(request, done=done)


@router.post("/admin/users")
def add_user(request: Request, user: Administering, form: Annotated[FormData, Depends(form_data)]):
    values = {k: str(form.get(k, "")).strip() for k in ("username", "role", "auditor", "service")}
    try:
        with store(request) as session:
            create_user(session, values["username"], str(form.get("password", "")), values["role"],
                        values["auditor"] or None, values["service"] or None)
    except AuditError as exc:
        field = "password" if "password" in str(exc) else "auditor" if "auditor" in str(exc) else (
            "service" if "service" in str(exc) else "role" if "role" in str(exc) else "username")
        return _users_page(request, 400, [{"text": str(exc), "href": f"#{field}"}], values)
    return RedirectResponse("/admin/users?done=added", status_code=303)


@router.post("/admin/users/{user_id}/role")
def change_role(request: Request, user_id: Id, user: Administering, form: Annotated[FormData, Depends(form_data)]):
    try:
        with store(request) as session:
            target = _target(session, user_id)
            set_role(session, target, str(form.get("role", "")), str(form.get("auditor", "")).strip() or None,
                     str(form.get("service", "")).strip() or None)
    except AuditError as exc:
        return _users_page(request, 400, [{"text": str(exc), "href": f"#role-{user_id}"}])
    return RedirectResponse("/admin/users?done=role", status_code=303)


@router.post("/admin/users/{user_id}/active")
def change_active(request: Request, user_id: Id, user: Administering, form: Annotated[FormData, Depends(form_data)]):
    if user_id == user.id:
        return _users_page(request, 400, [{"text": "You cannot switch off your own account.", "href": "#users"}])
    with store(request) as session:
        set_active(session, _target(session, user_id), form.get("active") == "yes")
    return RedirectResponse("/admin/users?done=active", status_code=303)


@router.post("/admin/users/{user_id}/sign-out-everywhere")
def sign_out_user(request: Request, user_id: Id, user: Administering):
    with store(request) as session:
        sign_out_everywhere(session, _target(session, user_id))
    return RedirectResponse("/admin/users?done=signed-out", status_code=303)


def _target(session, user_id: int) -> User:
    target = session.get(User, user_id)
    if target is None:
        raise Refused("object", f"There is no user {user_id}.", 404)
    return target
