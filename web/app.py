"""The app factory: middleware, static GOV.UK Frontend files, routers, and how refusals are shown."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import web.board_pack as board_pack
import web.document_uploads as document_uploads
import web.inspection as inspection
import web.self_evaluation as self_evaluation
import web.uploads as uploads
from audit.settings import Settings, get_settings, secret_key  # secret_key: also the CLI's `serve`
from audit.store.db import engine_from_settings
from audit.store.models import utcnow
from web import (  # issue 7, data protection
    accounts,
    admin,
    api,
    auditor,
    auth,
    board,
    documents,
    documents_api,
    family,
    health,
    help_pages,
    home,
    improvement,
    insight,
    moderation,
    qa,
    safeguarding,
    sso,
    survey,
    trail,
)
from web.deps import Refused, make_templates
from web.errors import ServerErrors, error_page, http_error, is_api, problem
from web.headers import SecurityHeaders
from web.request_guard import RequestGuard
from web.trigger import continue_cycle_flow

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"  # filled by `make web-assets`
STATIC = Path(__file__).parent / "static"


def missing_assets() -> str | None:
    """Why the pages could not be styled (GOV.UK Frontend not installed), naming the command that fixes it; or None."""
    css = NODE_MODULES / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.css"
    if css.exists():
        return None
    return (f"The web assets are missing ({css} does not exist), so no page could be styled. Install them in the "
            f"project folder with: make web-assets (it runs npm install; Node.js and npm are needed).")


def app_from_environment() -> FastAPI:
    """The app as configured by the environment: what each `ehcp-audit serve --workers N` process runs."""
    return create_app(get_settings())


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="ehcp-audit API", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  description="Submit scorecards and read audit results. Authenticate with a bearer token "
                              "from `ehcp-audit users token USERNAME`.")
    app.state.settings = settings
    app.state.engine = engine_from_settings(settings)
    app.state.templates = make_templates(settings)
    app.state.continue_cycle = continue_cycle_flow  # tests swap this to observe the trigger
    app.state.produce_board_pack = board_pack.produce  # likewise: the board pack's flow, started from its page
    app.state.produce_inspection = inspection.produce  # and the inspection pack's (issue 23)
    app.state.run_import = uploads.run_import  # and a large upload's import flow (flows/imports.py)
    app.state.run_check = uploads.run_check  # and a large upload's check (flows/imports.py)
    app.state.big_import_rows = uploads.BIG_IMPORT_ROWS
    app.state.run_document_import = document_uploads.run_document_import  # plan documents: the same hand-off
    app.state.big_document_bytes = document_uploads.BIG_DOCUMENT_BYTES
    app.state.flow_threads = []
    app.state.clock = utcnow  # tests move it to expire sessions and throttling
    secure = True if settings.cookie_secure is None else settings.cookie_secure
    # The cookie is HttpOnly (Starlette always sets it), SameSite and, unless serving plain HTTP on
    # loopback, Secure; the session's own idle and absolute limits are checked in web.deps.
    app.add_middleware(
        SessionMiddleware, secret_key=secret_key(settings), session_cookie="ehcp_session",
        max_age=int(settings.session_absolute_hours * 3600), same_site=settings.cookie_samesite, https_only=secure,
    )
    app.add_middleware(ServerErrors)  # inside the headers, so the 500 page carries them; outside the session
    app.add_middleware(RequestGuard, max_bytes=settings.max_request_bytes,  # before any body is parsed
                       upload_bytes=settings.max_import_bytes + settings.max_yaml_bytes + 100_000)
    app.add_middleware(SecurityHeaders, hsts_seconds=settings.hsts_seconds if secure else None)  # on every answer
    if settings.trusted_proxies:
        # Outermost: behind a proxy the operator named, the client is the address it forwards (the sign-in
        # throttle counts by it); from any other peer X-Forwarded-For and -Proto are ignored. `serve` turns
        # uvicorn's own handling off, which would trust loopback by default (docs/security.md).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    govuk = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
    # The GOV.UK CSS refers to /assets/fonts/... absolutely. Only the fonts are served: GOV.UK's images are the
    # crown, its icons and the royal coat of arms, which a service not on GOV.UK must not show (web/branding.py).
    app.mount("/assets/fonts", StaticFiles(directory=govuk / "assets" / "fonts", check_dir=False), name="assets")
    app.mount("/static/govuk", StaticFiles(directory=govuk, check_dir=False), name="govuk")
    app.mount("/static/app", StaticFiles(directory=STATIC), name="app-static")
    app.mount("/static/swagger-ui", StaticFiles(directory=NODE_MODULES / "swagger-ui-dist", check_dir=False),
              name="swagger-ui")
    for module in (health, auth, help_pages, accounts, home, sso, auditor, qa, moderation, board, insight, improvement,
                   admin, api, trail, safeguarding, document_uploads, documents, documents_api, survey,
                   family):
        app.include_router(module.router)
    for module in (uploads, board_pack):  # issue 17: the QA lead's imports and the board pack from the web
        app.include_router(module.router)
    for module in (inspection, self_evaluation):  # issue 23: the inspection pack and its self-evaluation
        app.include_router(module.router)
    app.include_router(api.docs)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        if is_api(request.url.path):
            return problem(exc.message, exc.status, reason=exc.reason,
                           headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None)
        if exc.reason == "signin":
            query = {"next": request.url.path, **({"ended": exc.ended} if exc.ended else {})}
            return RedirectResponse(f"/sign-in?{urlencode(query)}", status_code=303)
        kind = {"csrf": "csrf", "object": "not_found"}.get(exc.reason, "forbidden")
        return error_page(request, exc.status, kind, message=exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        """Malformed requests: the API's problem format (every problem listed), or a page's "not found"."""
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        if is_api(request.url.path):
            return problem("The request was rejected; nothing was saved.", 422, problems)
        return error_page(request, 404, "not_found")

    app.add_exception_handler(StarletteHTTPException, http_error)  # no such address, method or readable body
    return app
