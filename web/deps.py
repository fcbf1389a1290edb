"""What every route shares: the store, the signed-in user, the one role check (which also guards CSRF), pages.

Every route depends on `require_role(...)` or `public()`; both check the CSRF token of any unsafe request
made with the session cookie (form field `csrf_token` or header `X-CSRF-Token`). Requests with an API
bearer token carry no cookie, so they need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from sqlmodel import Session
from starlette.datastructures import FormData

from audit.db import transaction, write_transaction
from audit.models import User
from audit.users import ROLE_LABELS, ROLES, user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
HOME_FOR_ROLE = {
    "auditor": "/my-audits",
    "qa_lead": "/cycles",
    "board_member": "/results",
    "service_lead": "/results",
    "moderator": "/results",
    "admin": "/admin/users",
}
RESULTS_ROLES = ("qa_lead", "board_member", "service_lead", "moderator")


class Refused(Exception):
    """A request the app turns down; `reason` is signin, role, csrf or object."""

    def __init__(self, reason: str, message: str, status: int = 403):
        self.reason, self.message, self.status = reason, message, status
        super().__init__(message)


@contextmanager
def store(request: Request, write: bool = False) -> Iterator[Session]:
    """One unit of work, committed before the response is sent (so a redirect sees what was saved).

    `write=True` for a unit that reads and then writes (saving a scorecard): on SQLite it waits for the write
    lock up front instead of failing when another save commits between its reads and its writes.
    """
    with (write_transaction if write else transaction)(request.app.state.engine) as session:
        yield session


_save_locks: dict[int, threading.Lock] = {}
_save_locks_guard = threading.Lock()


@contextmanager
def one_save_at_a_time(assignment_id: int) -> Iterator[None]:
    """Serialise saves of one scorecard within this process.

    SQLite refuses (rather than waits for) a write that follows a read when another write got in between,
    so two simultaneous first saves would fail with "database is locked" instead of reaching the unique
    constraint. Queued here, the second sees the first's scorecard and gets save_scorecard's clear Conflict.
    Across processes the unique constraint and the Conflict mapping still hold.
    """
    with _save_locks_guard:
        lock = _save_locks.setdefault(assignment_id, threading.Lock())
    with lock:
        yield


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def _check_csrf(request: Request) -> None:
    expected = request.session.get("csrf", "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").split(";")[0] in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        given = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused("csrf", "The form has expired or did not come from this service. Go back, reload the page "
                              "and try again.")


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _load_user(request: Request) -> User | None:
    token = _bearer(request)
    with store(request) as session:
        if token:
            user = user_for_token(session, token)
            if user is None:
                raise Refused("signin", "The API token is not valid.", 401)
            return user
        user_id = request.session.get("user_id")
        user = session.get(User, user_id) if user_id else None
    if user is not None and not user.active:
        request.session.clear()
        return None
    return user


def require_role(*roles: str) -> Callable:
    """The dependency every signed-in route uses: signed in, one of `roles` (none = any), CSRF on writes."""
    allowed = tuple(roles) or ROLES
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    async def check(request: Request) -> User:
        user = _load_user(request)
        if user is None:
            raise Refused("signin", "Sign in to continue.", 401)
        if user.role not in allowed:
            raise Refused("role", f"Your role ({ROLE_LABELS[user.role]}) does not give access to this page.")
        if request.method not in SAFE_METHODS and not _bearer(request):
            await _check_csrf(request)
        request.state.user = user
        return user

    check.roles = allowed  # read by the test that every route has a role check
    return check


def public() -> Callable:
    """For the few routes anyone may use (sign in, API docs); still checks CSRF on writes."""

    async def check(request: Request) -> None:
        if request.method not in SAFE_METHODS:
            await _check_csrf(request)

    check.roles = ("public",)
    return check


async def form_data(request: Request) -> FormData:
    """The parsed form, for sync routes whose fields are not known in advance (one per criterion)."""
    return await request.form()


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(Path(__file__).parent / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]),
        undefined=ChainableUndefined,  # the base template calls govukHeader() and govukFooter() without arguments
        autoescape=True,
    )
    env.globals["role_labels"] = ROLE_LABELS
    return Jinja2Templates(env=env)


def page(request: Request, name: str, status: int = 200, **context: Any):
    """Render a page with what every page needs: the user, the CSRF token and the navigation."""
    user = getattr(request.state, "user", None)
    context.setdefault("errors", [])
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, "csrf_token": csrf_token(request), "nav": _nav(user), **context},
        status_code=status,
    )


def _nav(user: User | None) -> list[dict]:
    if user is None:
        return []
    items = {
        "auditor": [("My audits", "/my-audits")],
        "qa_lead": [("Cycles", "/cycles"), ("Results", "/results")],
        "board_member": [("Results", "/results")],
        "service_lead": [("Results", "/results")],
        "moderator": [("Results", "/results")],
        "admin": [("Users", "/admin/users")],
    }[user.role]
    return [{"text": text, "href": href} for text, href in items]
