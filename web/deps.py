"""What every route shares: the store, the signed-in user, the one permission check (which also guards CSRF).

Every route depends on `allow(permission)` or `public()`. `allow` asks audit.protection.permissions (the one matrix
for pages, API and CLI) whether the user's role holds the permission; object-level scopes (own
assignments, own service) are enforced where the objects are loaded. Both check the CSRF token of any
unsafe request made with the session cookie (form field `csrf_token` or header `X-CSRF-Token`). Requests
with an API bearer token carry no cookie, so they need no CSRF token.

Sessions are signed cookies holding the user id, a random session id, the account's session generation
(raised by "sign out everywhere"), when the session began and when it was last used; expired or outdated
ones are cleared. The session id names a `WebSession` row on the server: signing out deletes it, so a copy
of the cookie replayed afterwards signs nobody in (audit.protection.users.begin_web_session and friends).
"""

from __future__ import annotations

import functools
import hmac
import html
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from sqlmodel import Session
from starlette.datastructures import FormData

from audit.protection.permissions import ROLE_LABELS, Permission, permits
from audit.protection.users import begin_web_session, end_web_session, user_for_token, web_session_live
from audit.settings import Settings
from audit.store.actor import set_actor
from audit.store.db import transaction, write_transaction
from audit.store.models import User
from audit.words import FILTERS as WORD_FILTERS

# A record number in a path: positive and within the id columns' range (INTEGER, 32-bit on PostgreSQL); a larger
# one would make the database driver fail with a server error instead of the page answering "not found".
MAX_ID = 2**31 - 1
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# The navigation, by the permission that opens each page; every role starts on its home page, "/" (web/home.py).
PAGES = [(Permission.grade_plans, "My audits", "/my-audits"), (Permission.manage_cycles, "Cycles", "/cycles"),
         (Permission.moderate, "Moderation", "/moderation"),
         (Permission.manage_cycles, "Plan documents", "/documents"),
         (Permission.view_results, "Results", "/results"), (Permission.look_up_plans, "Find a plan", "/plans"),
         (Permission.view_improvement, "Improvement", "/improvement"),
         (Permission.view_family_voice, "Family voice", "/family"),
         (Permission.produce_inspection_pack, "Inspection", "/inspection"),
         (Permission.follow_up_safeguarding, "Safeguarding", "/safeguarding"), (Permission.manage_users, "Users", "/admin/users"),
         (Permission.view_audit_trail, "Audit trail", "/trail")]
ACCOUNT_PAGE = "/account"
SIGNED_OUT = {  # why a session ended, shown on the sign-in page (?ended=...)
    "idle": "You were signed out because you had not used the service for {idle} minutes. Sign in again.",
    "absolute": "You were signed out because your session reached its limit of {absolute} hours. Sign in again.",
    "everywhere": "You were signed out because this account was signed out on every device. Sign in again.",
    "ended": "You were signed out. Sign in again.",
    "password": "Your password has been set. Sign in with it.",
}


class Refused(Exception):
    """A request the app turns down; `reason` is signin, role, csrf or object (`ended`: why a session ended)."""

    def __init__(self, reason: str, message: str, status: int = 403, ended: str | None = None):
        self.reason, self.message, self.status, self.ended = reason, message, status, ended
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


def now(request: Request) -> datetime:
    """The app's clock (tests move it to expire sessions and throttling)."""
    return request.app.state.clock()


def start_session(request: Request, user: User) -> None:
    """A fresh session and CSRF token at sign-in, so anything planted before sign-in is worthless.

    The session is also recorded on the server (a `WebSession` row), which signing out deletes.
    """
    moment = now(request)
    stamp = int(moment.timestamp())
    set_actor(f"web:{user.username}")
    with store(request) as session:
        session_id = begin_web_session(session, user, moment,
                                       timedelta(hours=request.app.state.settings.session_absolute_hours))
    request.session.clear()
    request.session.update({"user_id": user.id, "sid": session_id, "generation": user.session_generation or 0,
                            "began": stamp, "seen": stamp, "csrf": secrets.token_urlsafe(32)})


def end_session(request: Request) -> None:
    """Sign this browser out: its server-side session goes, then the cookie is emptied."""
    session_id = request.session.get("sid")
    if session_id:
        with store(request) as session:
            end_web_session(session, session_id)
    request.session.clear()


def _session_ended(request: Request, user: User, live: bool) -> str | None:
    """Why the session cookie no longer signs this user in (a SIGNED_OUT key), or None while it is good.

    `live`: the server still holds the cookie's session (not signed out, not past its end).
    """
    settings, stamp = request.app.state.settings, now(request).timestamp()
    if request.session.get("generation") != (user.session_generation or 0):
        return "everywhere"
    if stamp - request.session.get("began", 0) > settings.session_absolute_hours * 3600:
        return "absolute"
    if stamp - request.session.get("seen", 0) > settings.session_idle_minutes * 60:
        return "idle"
    if not live:
        return "ended"  # signed out, and this is a copy of the cookie kept from before (or from an older version)
    return None


def load_user(request: Request) -> User | None:
    token = _bearer(request)
    with store(request) as session:
        if token:
            user = user_for_token(session, token)
            if user is None:
                raise Refused("signin", "The API token is not valid.", 401)
            return user
        user_id, session_id = request.session.get("user_id"), request.session.get("sid")
        user = session.get(User, user_id) if user_id else None
        live = bool(user and session_id and web_session_live(session, user, session_id, now(request)))
    if user is None:
        return None
    if not user.active:
        request.session.clear()
        return None
    ended = _session_ended(request, user, live)
    if ended:
        end_session(request)  # an idle session's row goes too
        raise Refused("signin", "Your session has ended. Sign in again.", 401, ended=ended)
    request.session["seen"] = int(now(request).timestamp())
    return user


def allow(permission: Permission | str) -> Callable:
    """The dependency every signed-in route uses: signed in, the role holds `permission`, CSRF on writes."""
    permission = Permission(permission)

    @_once_per_request
    async def check(request: Request) -> User:
        user = load_user(request)
        if user is None:
            raise Refused("signin", "Sign in to continue.", 401)
        request.state.user = user  # a refusal's page still says who is signed in
        if not permits(user.role, permission):
            raise Refused("role", f"Your role ({ROLE_LABELS.get(user.role, user.role)}) does not give access to "
                                  "this page.")
        if request.method not in SAFE_METHODS and not _bearer(request):
            await _check_csrf(request)
        request.state.user = user
        set_actor(f"{'api' if _bearer(request) else 'web'}:{user.username}")  # who the audit trail names
        return user

    check.permission = permission  # read by the test that walks every route against the matrix
    return check


def public() -> Callable:
    """For the few routes anyone may use (sign in, API docs); still checks CSRF on writes."""

    @_once_per_request
    async def check(request: Request) -> None:
        if request.method not in SAFE_METHODS:
            await _check_csrf(request)

    check.permission = "public"
    return check


def _once_per_request(check: Callable) -> Callable:
    """A route's access check runs first (CheckedFirst) and again as its dependency: the second time is free."""

    @functools.wraps(check)
    async def once(request: Request):
        done = request.scope.setdefault("ehcp_checks", {})
        if check not in done:
            done[check] = await check(request)
        return done[check]

    return once


def access_check(route: APIRoute) -> Callable | None:
    """The route's `allow(...)` or `public()` check, found among its dependencies."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop(0)
        if hasattr(dep.call, "permission"):
            return dep.call
        stack.extend(dep.dependencies)
    return None


class CheckedFirst(APIRoute):
    """Every route of the app: who may use it is settled before its body is read.

    FastAPI reads and parses a request's body before it solves the route's dependencies, so without this a
    caller with no right to an endpoint would learn from a 422 what it expects, and a body that is not JSON
    got a 400 in another shape. Here the route's access check runs first; then a JSON body that cannot be
    read (bad syntax, not UTF-8) is a 422 in the API's problem shape, listing what is wrong.
    """

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        check = access_check(self)
        reads_json = self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)

        async def checked(request: Request):
            if check is not None:
                await check(request)
            if reads_json:
                await _readable_json(request)
            return await handler(request)

        return checked


async def _readable_json(request: Request) -> None:
    """Refuse a JSON body that cannot be parsed, saying why (FastAPI would answer 400 or 'JSON decode error')."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()  # kept by the request, so the route reads it again for free
    if not body or not (kind == "application/json" or kind.endswith("+json")):
        return
    try:
        json.loads(body)
    except UnicodeDecodeError:
        problem = "the body is not UTF-8 text; send JSON encoded as UTF-8"
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    else:
        return
    raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": problem, "input": {}}])


async def form_data(request: Request) -> FormData:
    """The parsed form, for sync routes whose fields are not known in advance (one per criterion)."""
    return await request.form()


def make_templates(settings: Settings | None = None) -> Jinja2Templates:
    """The templates, with the area's identity (web/branding.py) from `settings` (default: the environment's)."""
    from web.branding import footer_links, service_header

    settings = settings or Settings()
    env = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(Path(__file__).parent / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]),
        undefined=ChainableUndefined,  # the base template calls govukHeader() and govukFooter() without arguments
        autoescape=True,
        # Templates ship with the app; checking each file's mtime on every render is wasted work under load.
        auto_reload=False,
    )
    # The header is the same on every page, so it is rendered once and reused (rendering GOV.UK's header and
    # footer macros on every page was over a third of a page's render time); the footer is plain markup.
    env.globals["service_header"] = service_header(env, settings)
    env.globals["site"] = settings  # the identity and contact settings the templates show
    env.globals["footer_links"] = footer_links(settings)
    env.globals["role_labels"] = ROLE_LABELS
    env.filters.update(WORD_FILTERS)  # day, moment, label, stratum: audit/words.py, the same as the reports'
    env.globals["account_page"] = ACCOUNT_PAGE
    env.filters["caption_text"] = caption_text  # names a table's scrolling region (templates/_tables.html)
    return Jinja2Templates(env=env)


CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.DOTALL)
TAG = re.compile(r"<[^>]*>")


def caption_text(table: str) -> str:
    """A rendered table's caption as plain words (tags dropped, spaces collapsed), or "Table" if it has none."""
    found = CAPTION.search(str(table))
    # Plain text out (tags dropped, entities read), never markup: the template escapes it into aria-label.
    words = " ".join(html.unescape(TAG.sub(" ", found.group(1))).split()) if found else ""
    return words or "Table"


def page(request: Request, name: str, status: int = 200, **context: Any):
    """Render a page with what every page needs: the user, the CSRF token, the CSP nonce and the navigation."""
    user = getattr(request.state, "user", None)
    context.setdefault("errors", [])
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, "csrf_token": csrf_token(request), "nav": nav(user),
                        "cspNonce": getattr(request.state, "csp_nonce", None), **context},
        status_code=status,
    )


HOME_PAGE = "/"


def home_page(user: User) -> str:
    """Where signing in takes this user: their home page, which says what needs their attention."""
    return HOME_PAGE


def nav(user: User | None) -> list[dict]:
    """The service navigation: a link for each page the user's permissions open, then their account."""
    if user is None:
        return []
    items = [{"text": text, "href": href} for permission, text, href in PAGES if permits(user.role, permission)]
    return items + [{"text": "Your account", "href": ACCOUNT_PAGE}]
