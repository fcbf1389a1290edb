"""Security headers on every response: a Content-Security-Policy with a per-request nonce, and the rest.

The policy allows scripts and styles from this site only (GOV.UK Frontend's files, ours, Swagger UI's),
plus the one inline script of the GOV.UK page template, which carries the request's nonce (`cspNonce`).
A response that sets its own policy keeps it (the API docs page, whose Swagger UI needs inline styles).
Strict-Transport-Security is sent only when cookies are secure, i.e. when the service is behind HTTPS.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'")
FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:
    """Pure ASGI middleware (no buffering of bodies) that adds the headers to each HTTP response."""

    def __init__(self, app: ASGIApp, hsts_seconds: int | None = None):
        self.app = app
        self.fixed = dict(FIXED)
        if hsts_seconds:
            self.fixed["strict-transport-security"] = f"max-age={hsts_seconds}; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce  # read by web.deps.page as request.state.csp_nonce
        dynamic = not scope["path"].startswith(("/static/", "/assets/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.fixed.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", POLICY.format(nonce=nonce))
                if dynamic:  # pages hold personal data: no copies in shared or browser caches
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
