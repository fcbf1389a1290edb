"""Admins: add users, change roles and services, switch accounts off and on, sign a user out everywhere.

The same domain functions as `ehcp-audit users`. A role changes only from its own page and after a
confirmation page that says what will change (issue 18): nothing acts as a drop-down changes. Auditors are
chosen from the auditor list, never typed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.datastructures import FormData

from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.protection.users import ROLES, create_user, list_users, set_active, set_role, sign_out_everywhere
from audit.store.models import Auditor, User
from audit.vocabulary import SERVICES, label
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.lists import listing

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Administering = Annotated[User, Depends(allow(Permission.manage_users))]


def auditor_choices(session) -> list[tuple[str, str]]:
    """The auditor list as (code, words) for a select: the code, agency and team."""
    return [(a.code, f"{a.code} ({label(a.agency, 'agency')}{', ' + a.team if a.team else ''})")
            for a in session.exec(select(Auditor).where(Auditor.active.is_(True)).order_by(Auditor.code)).all()]


USER_SORTS = {"username": lambda r: r[0].username, "role": lambda r: (label(r[0].role, "role"), r[0].username)}


def _users_page(request: Request, status: int = 200, errors: list | None = None, values: dict | None = None,
                done: str = "", q: str = "", sort: str = "", order: str = "", page_number: str = "1"):
    with store(request) as session:
        rows, auditors = list_users(session), auditor_choices(session)
    shown = listing(rows, path="/admin/users", sorts=USER_SORTS, default_sort="username", q=q, sort=sort, order=order,
                    page=page_number, text=lambda r: f"{r[0].username} {label(r[0].role, 'role')} "
                                                     f"{r[1].code if r[1] else ''} {r[0].service or ''}")
    return page(request, "users.html", status=status, title="Users", rows=shown.rows, listing=shown, roles=ROLES,
                errors=errors or [],
                values=values or {"username": "", "role": "", "auditor": "", "service": ""}, done=done,
                services=[(s.value, s.label) for s in SERVICES], auditors=auditors)


@router.get("/admin/users")
def users(request: Request, user: Administering, done: str = "", q: str = "", sort: str = "", order: str = "",
          page_number: Annotated[str, Query(alias="page")] = "1"):
    return _users_page(request, done=done, q=q, sort=sort, order=order, page_number=page_number)


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


class _Preview(Exception):
    """Raised inside the unit of work to see a role change's outcome and roll it back (the confirmation page)."""

    def __init__(self, target: dict, before: dict, after: dict):
        self.target, self.before, self.after = target, before, after


def _account(session, user: User) -> dict:
    auditor = session.get(Auditor, user.auditor_id) if user.auditor_id else None
    return {"role": user.role, "auditor": auditor.code if auditor else "", "service": user.service or ""}


def _role_page(request: Request, target: User, values: dict, status: int = 200, errors: list | None = None):
    with store(request) as session:
        auditors = auditor_choices(session)
    return page(request, "role_change.html", status=status, title=f"Change the role of {target.username}",
                target=target, values=values, roles=ROLES, auditors=auditors, errors=errors or [],
                services=[(s.value, s.label) for s in SERVICES])


@router.get("/admin/users/{user_id}/role")
def role_form(request: Request, user_id: Id, user: Administering):
    with store(request) as session:
        target = _target(session, user_id)
        values = _account(session, target)
    return _role_page(request, target, values)


@router.post("/admin/users/{user_id}/role")
def change_role(request: Request, user_id: Id, user: Administering, form: Annotated[FormData, Depends(form_data)]):
    """Without `confirm=yes`: check the change and show what it will do. With it: make the change."""
    values = {k: str(form.get(k, "")).strip() for k in ("role", "auditor", "service")}
    confirmed = form.get("confirm") == "yes"
    try:
        with store(request) as session:
            target = _target(session, user_id)
            before = _account(session, target)
            set_role(session, target, values["role"], values["auditor"] or None, values["service"] or None)
            if not confirmed:
                raise _Preview({"id": target.id, "username": target.username}, before,
                               _account(session, target))  # rolls the change back
    except _Preview as preview:
        target = preview.target
        return page(request, "role_confirm.html", title=f"Check the change to {target['username']}", target=target,
                    before=preview.before, after=preview.after, values=values,
                    services={s.value: s.label for s in SERVICES})
    except AuditError as exc:
        with store(request) as session:
            target = _target(session, user_id)
        field = "auditor" if "auditor" in str(exc) else "service" if "service" in str(exc) else "role"
        return _role_page(request, target, values, 400, [{"text": str(exc), "href": f"#{field}"}])
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
