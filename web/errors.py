"""How the service answers when something is refused, missing or broken.

People get the service's own pages in GOV.UK Design System patterns: "Page not found" (404, and 405 for a
method a page does not take), "You do not have permission" (403), "The form has expired" (a failed CSRF
check) and "Sorry, there is a problem with the service" (500) with a reference. The API (`/api/...`)
answers every status in its one documented shape, `{"detail": str, "problems": [str], "reason": str|null}`.

A server error gets a short random reference, shown to the person (or in the API's `detail`) and written
to the log (logger `web.errors`) with the method, the path and the traceback, so a report can be matched
with its cause. Nothing of the error itself is shown.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.deps import Refused, load_user, page

log = logging.getLogger("web.errors")

NOT_FOUND = "Page not found"
FORBIDDEN = "You do not have permission"
EXPIRED = "The form has expired"
SERVER_ERROR = "Sorry, there is a problem with the service"
API_DETAIL = {404: "There is nothing at this address.", 405: "This address does not take that method."}
# What each kind of page is called (its title and heading).
HEADINGS = {"not_found": NOT_FOUND, "forbidden": FORBIDDEN, "csrf": EXPIRED, "server_error": SERVER_ERROR,
            "too_large": "The form was too large", "other": "There is a problem with the request"}


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read (web.request_guard answers 413)."""


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def problem(detail: str, status: int, problems: Iterable[str] = (), reason: str | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's one shape for every refusal, rejection and error."""
    return JSONResponse({"detail": detail, "problems": list(problems), "reason": reason}, status_code=status,
                        headers=headers)


def new_reference() -> str:
    """A reference for one server error: short enough to read out over the phone, random enough to be unique."""
    raw = secrets.token_hex(4).upper()
    return f"{raw[:4]}-{raw[4:]}"


def error_page(request: Request, status: int, kind: str, message: str = "", reference: str = "") -> Response:
    """One of the service's error pages (templates/error.html), with the navigation when someone is signed in."""
    return page(request, "error.html", status=status, title=HEADINGS[kind], kind=kind, message=message,
                reference=reference)


def quietly_signed_in(request: Request):
    """Who is signed in, for the navigation of a page nobody's route answered; None when nobody (or unsure)."""
    if getattr(request.state, "user", None) is not None:
        return request.state.user
    try:
        request.state.user = load_user(request)
    except Refused:
        request.state.user = None
    return request.state.user


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Statuses raised by the framework itself: no route at this address (404), a method it does not take (405),
    a body that could not be parsed (400)."""
    headers = getattr(exc, "headers", None)
    if is_api(request.url.path):
        detail = API_DETAIL.get(exc.status_code) or str(exc.detail)
        return problem(detail, exc.status_code, headers=headers)
    quietly_signed_in(request)
    if exc.status_code in (404, 405):
        response = error_page(request, exc.status_code, "not_found")
    else:
        response = error_page(request, exc.status_code, "other", message=str(exc.detail))
    if headers:
        response.headers.update(headers)
    return response


def _fallback_html(reference: str) -> bytes:
    """The 500 page when even the template cannot be rendered: the same words, no styling."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{SERVER_ERROR} – EHC plan audit'
            f'</title></head><body><h1>{SERVER_ERROR}</h1><p>Try again later.</p><p>If you contact us about this, '
            f"give the reference <strong>{reference}</strong>.</p></body></html>").encode()


def server_error_response(scope: Scope, reference: str) -> Response:
    """What a server error looks like from outside: the API's problem, or the service's page."""
    if is_api(scope.get("path", "")):
        return problem(f"{SERVER_ERROR}. Try again later. If you report this, give the reference {reference}.",
                       500, reason=None)
    try:
        return page_outside_the_app(scope, 500, "server_error", reference=reference)
    except Exception:
        log.exception("The error page itself failed (reference %s)", reference)
        return HTMLResponse(_fallback_html(reference), status_code=500)


def page_outside_the_app(scope: Scope, status: int, kind: str, message: str = "", reference: str = "") -> Response:
    """An error page for a middleware's answer: no user in the header, no session needed."""
    request = Request(scope)
    request.state.user = None  # nothing more is asked of a request that failed or was refused
    if "session" not in scope:
        scope["session"] = {}  # answered before the session was read; the page needs none
    return error_page(request, status, kind, message=message, reference=reference)


class ServerErrors:
    """Pure ASGI middleware: an exception from the app becomes the service's 500 page (or the API's problem).

    It sits inside the security headers (so the page carries them) and outside the session and the routes.
    The exception is logged here with its reference and not raised further: the server's own handler would
    log it a second time without the reference, and would answer in plain text. If the response had already
    started, nothing can be sent: it is logged with a reference and raised, so the server closes the connection.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise  # not an error of the service: RequestGuard, outside, answers 413
        except Exception as exc:
            reference = new_reference()
            log.error("Server error, reference %s: %s %s", reference, scope.get("method"), scope.get("path"),
                      exc_info=exc)
            if started:
                raise
            await server_error_response(scope, reference)(scope, receive, send)
