"""Health checks for a load balancer, nginx or systemd: `/healthz` (the process answers) and `/readyz` (the
database is reachable and its schema is at this version's latest migration). No sign-in, no personal data,
nothing in the audit trail; a refusal says what is wrong in a word, never the database's address."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from audit.store import migrate
from web.deps import CheckedFirst, public

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)


@router.get("/healthz", dependencies=[Depends(public())])
def healthz() -> JSONResponse:
    """Liveness: the web process is serving requests."""
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


@router.get("/readyz", dependencies=[Depends(public())])
def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when the database answers and is at the latest schema revision, else 503 and why."""
    problem = readiness_problem(request.app.state.engine)
    if problem:
        return JSONResponse({"status": "not ready", "problem": problem}, status_code=503)
    return JSONResponse({"status": "ready"})


def readiness_problem(engine) -> str | None:
    """'database unreachable', 'schema behind' (an upgrade is due), or None when ready."""
    try:
        revision = migrate.current_revision(engine)
    except SQLAlchemyError:
        return "database unreachable"
    if revision != migrate.head_revision():
        return "schema not at the latest revision: run ehcp-audit db upgrade"
    return None
