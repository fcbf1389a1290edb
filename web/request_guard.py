"""Every request: the audit trail's actor starts as web:anonymous, and oversized bodies are refused (413).

A pure ASGI middleware, so the size is enforced on the body as it streams in (a client can leave out or
understate Content-Length) before any form or JSON parser sees it.
"""

from __future__ import annotations

from audit.store.actor import ACTOR
from web.errors import BodyTooLarge, page_outside_the_app, problem

UPLOAD_PATHS = {"/imports/register", "/imports/auditors"}


class RequestGuard:
    """Refuse request bodies over `max_bytes` with 413 and a sentence; name anonymous requests in the trail."""

    def __init__(self, app, max_bytes: int, upload_bytes: int | None = None):
        self.app, self.max_bytes = app, max_bytes
        # The register and auditor uploads (web/uploads.py) may be as large as an import file; they are written to
        # disk as they stream in, and checked against EHCP_AUDIT_MAX_IMPORT_BYTES again there.
        self.upload_bytes = max(upload_bytes or max_bytes, max_bytes)

    def limit(self, scope) -> int:
        path = scope.get("path", "")
        return self.upload_bytes if scope.get("method") == "POST" and path in UPLOAD_PATHS else self.max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        token = ACTOR.set("web:anonymous")  # require_role names the signed-in user once it knows them
        try:
            declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
            max_bytes = self.limit(scope)
            if not declared.isdigit() or int(declared) > max_bytes:
                return await self._refuse(scope, send, max_bytes)
            started, seen, too_large = False, 0, False

            async def counted_receive():
                nonlocal seen, too_large
                message = await receive()
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    too_large = True
                    raise BodyTooLarge()
                return message

            async def guarded_send(message):
                nonlocal started
                if too_large:
                    # The app turned the interrupted read into its own error (FastAPI answers 400 "error
                    # parsing the body"); the 413 says what really happened.
                    if message["type"] == "http.response.start" and not started:
                        started = True
                        await self._refuse(scope, send, max_bytes)
                    return
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await self.app(scope, counted_receive, guarded_send)
            except BodyTooLarge:
                if not started:
                    await self._refuse(scope, send, max_bytes)
        finally:
            ACTOR.reset(token)

    async def _refuse(self, scope, send, max_bytes: int):
        text = (f"The request was larger than {max_bytes:,} bytes, so it was not read. Shorten what you "
                "entered (or split the upload) and try again.")
        if scope["path"].startswith("/api/"):
            response = problem(text, 413, reason="too_large")
        else:
            response = page_outside_the_app(scope, 413, "too_large", message=text + " Use your browser's Back "
                                                                                  "button to return to the form.")

        async def nothing_more():  # the body was not read and will not be
            return {"type": "http.disconnect"}

        await response(scope, nothing_more, send)
