"""`ehcp-audit health`: the worker's health check (systemd, a monitoring probe, an engineer after a change).

Checks the store (configured, existing, reachable, schema at this version's latest revision) and, when one is
configured, the Prefect API (PREFECT_API_URL, with PREFECT_API_AUTH_STRING if the server asks for it). Prints
one line per check and exits 1 if any failed, so `ExecStartPre=` or a probe can act on it.
"""

from __future__ import annotations

import os
import sys

from audit.errors import AuditError
from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, err_console, friendly, needs, settings


def store_problem() -> str | None:
    from audit.store import migrate
    from audit.store.db import require_store

    try:
        engine = require_store(settings())
        revision = migrate.current_revision(engine)
    except AuditError as exc:
        return str(exc)
    if revision != migrate.head_revision():
        return f"the schema is at {revision}, this version needs {migrate.head_revision()}: run ehcp-audit db upgrade"
    return None


def prefect_problem() -> str | None:
    """Why the Prefect API cannot be used, or None; not configured counts as a problem only in production."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return ("PREFECT_API_URL is not set: workers and `prefect serve` need the Prefect server's address"
                if settings().production else None)
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    try:  # one try: a health check reports a server that is down, it does not wait for it to come back
        with temporary_settings({PREFECT_API_URL: url, PREFECT_CLIENT_MAX_RETRIES: 0}), \
                get_client(sync_client=True) as client:
            failure = client.api_healthcheck()
            if failure is None:
                client.read_work_pools(limit=1)  # /health answers anyone; this proves the credentials too
    except Exception as exc:
        failure = exc
    if failure is None:
        return None
    text = str(failure).strip().splitlines()[0] if str(failure).strip() else type(failure).__name__
    if "401" in text:
        text += " (set PREFECT_API_AUTH_STRING to the server's PREFECT_SERVER_API_AUTH_STRING)"
    return f"the Prefect API at {url} did not answer: {text}"


@friendly
@needs(Permission.operate_service)
def health() -> None:
    """Check the store and the Prefect API; exit 1 if either is not usable (for services and monitoring)."""
    failed = False
    for name, problem in (("store", store_problem()), ("prefect", prefect_problem())):
        if problem:
            failed = True
            err_console.print(f"{name}: not ok: {problem}", highlight=False, soft_wrap=True)
        else:
            console.print(f"{name}: ok", highlight=False)
    if failed:
        sys.exit(1)
