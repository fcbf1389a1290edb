"""The board pack from the browser: the QA lead produces it (and sends it), anyone who may see results downloads it.

Producing takes longer than a request should (every format, the PDFs, each service's pack), so the page starts the
`board-pack` Prefect flow (flows/board_pack.py, the same flow as `ehcp-audit board-pack --send`) in its own thread
and answers at once; the pack's page then refreshes itself every few seconds (a meta refresh, no JavaScript) until
the run has finished. What the run is doing is kept in <reports>/cycle-N/web-run.json, so every server process and
a restarted one read the same state. Downloads are the files the flow wrote: the board's pack, or a service lead's
own service's pack.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.datastructures import FormData

from audit import clock
from audit.cycle.lifecycle import find_area
from audit.cycle.tracking import has_results
from audit.protection.permissions import AccessDenied, Permission, results_service
from audit.settings import Settings
from audit.store.models import Cycle, User
from flows.mail import smtp_configured
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.trigger import start_flow_thread

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Sending = Annotated[User, Depends(allow(Permission.send_board_pack))]
Reading = Annotated[User, Depends(allow(Permission.view_results))]
PACK_FORMATS = {"html": "text/html", "pdf": "application/pdf",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMAT_WORDS = {"html": "Web page (HTML)", "pdf": "PDF", "xlsx": "Excel workbook (XLSX)"}
REFRESH_SECONDS = 3
STALE_MINUTES = 30  # a run still 'running' after this long was interrupted (the server stopped)


def pack_folder(settings: Settings, cycle_id: int) -> Path:
    return Path(settings.resolved_reports_dir) / f"cycle-{cycle_id}"


def run_state(settings: Settings, cycle_id: int, folder: Path | None = None) -> dict | None:
    """The latest run started from the web for this cycle: state running, done or failed, and what it did.
    `folder`: where another pack's run keeps its state (the inspection pack's, web/inspection.py)."""
    path = (folder or pack_folder(settings, cycle_id)) / "web-run.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("state") == "running":
        started = datetime.fromisoformat(state["started"])
        if (clock.now() - started).total_seconds() > STALE_MINUTES * 60:
            state |= {"state": "failed", "error": "the run was interrupted (the service stopped while it ran)"}
    return state


def _write_state(settings: Settings, cycle_id: int, state: dict, folder: Path | None = None) -> None:
    folder = folder or pack_folder(settings, cycle_id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "web-run.json.tmp"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(folder / "web-run.json")


def produce(settings: Settings, cycle_id: int, send: bool, state: dict) -> None:
    """Run the board-pack flow for the cycle (in its own thread) and record how it ended."""
    from flows.runtime import configure_local_prefect

    try:
        configure_local_prefect(settings)
        from flows.board_pack import board_pack

        outcome = board_pack(cycle_id=cycle_id, send=send, database_url=settings.resolved_database_url,
                             data_dir=str(settings.data_dir))
        state |= {"state": "done", "delivery": outcome.get("delivery", "")}
    except Exception as exc:  # the pack's files are written before any email, so a failed send keeps them
        log.exception("The board pack for cycle %s failed", cycle_id)
        state |= {"state": "failed", "error": str(exc)[:500]}
    state["finished"] = clock.now().isoformat()
    _write_state(settings, cycle_id, state)


def _cycle(session, request: Request, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    area = find_area(session, request.app.state.settings.area_code)
    if cycle is None or area is None or cycle.area_id != area.id or not has_results(session, cycle):
        raise Refused("object", f"Cycle {cycle_id} has no results yet, so there is no board pack.", 404)
    return cycle


def _files(settings: Settings, cycle_id: int, service: str | None = None) -> dict[str, Path]:
    folder = pack_folder(settings, cycle_id) / ("services" if service else "")
    stem = f"board-pack-cycle-{cycle_id}" + (f"-{service}" if service else "")
    return {fmt: folder / f"{stem}.{fmt}" for fmt in PACK_FORMATS if (folder / f"{stem}.{fmt}").is_file()}


def pack_links(settings: Settings, cycle_id: int, service: str | None = None) -> list[dict[str, str]]:
    """The produced pack's downloads for a reader (the board's, or a service lead's own service's), PDF first: the
    board paper people are sent. Empty until the QA lead has produced the pack."""
    files = _files(settings, cycle_id, service)
    return [{"href": f"/results/{cycle_id}/pack/{fmt}", "text": FORMAT_WORDS[fmt]}
            for fmt in ("pdf", "xlsx", "html") if fmt in files]


@router.get("/cycles/{cycle_id}/board-pack")
def pack_page(request: Request, cycle_id: Id, user: Sending):
    settings = request.app.state.settings
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        name = cycle.name
    from flows.board_pack import delivery_history

    state = run_state(settings, cycle_id)
    return page(request, "board_pack.html", title=f"Board pack: {name}", cycle_id=cycle_id, cycle_name=name,
                state=state, refresh=REFRESH_SECONDS if state and state["state"] == "running" else None,
                files=_files(settings, cycle_id), words=FORMAT_WORDS, smtp=smtp_configured(settings),
                recipients=settings.board_recipients, deliveries=delivery_history(settings, cycle_id)[:10])


@router.post("/cycles/{cycle_id}/board-pack")
def start_pack(request: Request, cycle_id: Id, user: Sending, form: Annotated[FormData, Depends(form_data)]):
    settings = request.app.state.settings
    with store(request) as session:
        _cycle(session, request, cycle_id)
    current = run_state(settings, cycle_id)
    if current and current["state"] == "running":  # one run at a time per cycle: the page shows the one going
        return RedirectResponse(f"/cycles/{cycle_id}/board-pack", status_code=303)
    send = form.get("send") == "yes"
    state = {"state": "running", "send": send, "by": user.username, "started": clock.now().isoformat()}
    _write_state(settings, cycle_id, state)
    start_flow_thread(request.app, f"board-pack-{cycle_id}", request.app.state.produce_board_pack,
                      settings, cycle_id, send, dict(state))
    return RedirectResponse(f"/cycles/{cycle_id}/board-pack", status_code=303)


@router.get("/results/{cycle_id}/pack/{fmt}")
def download_pack(request: Request, cycle_id: Id, fmt: str, user: Reading):
    """The pack file the flow wrote: the board's, or a service lead's own service's."""
    if fmt not in PACK_FORMATS:
        raise Refused("object", f"There is no '{fmt}' board pack; choose one of {', '.join(PACK_FORMATS)}.", 404)
    try:
        service = results_service(user.role, user.service)
    except AccessDenied as exc:
        raise Refused("role", str(exc)) from None
    with store(request) as session:
        _cycle(session, request, cycle_id)
    path = _files(request.app.state.settings, cycle_id, service).get(fmt)
    if path is None:
        raise Refused("object", f"The board pack for cycle {cycle_id} has not been produced yet.", 404)
    return FileResponse(path, media_type=PACK_FORMATS[fmt], filename=path.name)
