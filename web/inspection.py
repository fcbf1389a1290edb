"""The area SEND inspection pack from the browser: the QA lead or the SEND strategic lead produces it, follows
its progress, downloads the PDF, the workbook and the ZIP, and asks for the person-level export.

Producing takes longer than a request should, so the page starts the `inspection-pack` Prefect flow
(flows/inspection_pack.py) in its own thread, as the board pack's page does (web/board_pack.py, whose run state
helpers this uses: <reports>/cycle-N/inspection/web-run.json), and refreshes itself without JavaScript until the
run has finished. The person-level export is made on request: pseudonymised, or identified only with a reason
of at least 10 characters, which goes into the audit trail with who asked (reports/inspection_export.py).
The self-evaluation is edited on its own pages (web/self_evaluation.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from audit import clock
from audit.cycle.lifecycle import find_area
from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.settings import Settings
from audit.store.models import Cycle, User
from web.board_pack import REFRESH_SECONDS, _write_state, run_state
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.trigger import start_flow_thread

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Producing = Annotated[User, Depends(allow(Permission.produce_inspection_pack))]
FILES = {"pdf": ("application/pdf", "PDF: the five headings, the self-evaluation, the evidence and the deep dives"),
         "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "Excel workbook (XLSX): one sheet per evidence table and the self-evaluation's sources"),
         "zip": ("application/zip", "ZIP: the PDF, the workbook and the pseudonymised person-level export, "
                                    "with an index (README.txt)")}
AUDIENCE_WORDS = {"published": "Published: small numbers suppressed", "internal": "Internal: every count shown"}
MAX_DEEP_DIVE = 30


def inspection_folder(settings: Settings, cycle_id: int) -> Path:
    return Path(settings.resolved_reports_dir) / f"cycle-{cycle_id}" / "inspection"


def produce(settings: Settings, cycle_id: int, audience: str, deep_dive: int, state: dict) -> None:
    """Run the inspection-pack flow for the cycle (in its own thread) and record how it ended."""
    from flows.runtime import configure_local_prefect

    folder = inspection_folder(settings, cycle_id)
    try:
        configure_local_prefect(settings)
        from flows.inspection_pack import inspection_pack

        built = inspection_pack(cycle_id=cycle_id, audience=audience, deep_dive=deep_dive,
                                database_url=settings.resolved_database_url, data_dir=str(settings.data_dir))
        state |= {"state": "done", "paths": {k: v for k, v in built["paths"].items() if k in FILES}}
    except Exception as exc:  # shown on the page: the run failed, produce it again
        log.exception("The inspection pack for cycle %s failed", cycle_id)
        state |= {"state": "failed", "error": str(exc)[:500]}
    state["finished"] = clock.now().isoformat()
    _write_state(settings, cycle_id, state, folder)


def cycle_with_results(session, request: Request, cycle_id: int) -> Cycle:
    from audit.cycle.tracking import has_results

    cycle = session.get(Cycle, cycle_id)
    area = find_area(session, request.app.state.settings.area_code)
    if cycle is None or area is None or cycle.area_id != area.id or not has_results(session, cycle):
        raise Refused("object", f"Cycle {cycle_id} has no results yet, so there is no inspection pack.", 404)
    return cycle


def _state(settings: Settings, cycle_id: int) -> dict | None:
    return run_state(settings, cycle_id, inspection_folder(settings, cycle_id))


def _files(state: dict | None) -> dict[str, Path]:
    paths = (state or {}).get("paths") or {}
    return {fmt: Path(paths[fmt]) for fmt in FILES if fmt in paths and Path(paths[fmt]).is_file()}


@router.get("/inspection")
def inspection_cycles(request: Request, user: Producing):
    """The cycles with results, each leading to its inspection pack."""
    from reports.trends import reported_cycles

    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        cycles = [{"id": c.id, "name": c.name, "due": c.due_date}
                  for c in (reported_cycles(session, area.id) if area else [])][::-1]
    return page(request, "inspection_cycles.html", title="Area SEND inspection pack", cycles=cycles)


def pack_page(request: Request, cycle_id: int, status: int = 200, errors: list | None = None, reason: str = "",
              identified: bool = False):
    settings = request.app.state.settings
    with store(request) as session:
        cycle = cycle_with_results(session, request, cycle_id)
        from reports.inspection_map import load_framework

        headings = [{"key": h.key, "title": h.title} for h in load_framework().headings]
        from audit.results.self_evaluation import latest_versions

        edited = {k: v.number for k, v in latest_versions(session, cycle_id).items()}
        name = cycle.name
    state = _state(settings, cycle_id)
    return page(request, "inspection.html", status=status, title=f"Inspection pack: {name}", cycle_id=cycle_id,
                cycle_name=name, state=state, files=_files(state), words=FILES, audiences=AUDIENCE_WORDS,
                refresh=REFRESH_SECONDS if state and state["state"] == "running" else None, headings=headings,
                edited=edited, errors=errors or [], reason=reason, identified=identified)


@router.get("/inspection/{cycle_id}")
def inspection_page(request: Request, cycle_id: Id, user: Producing):
    return pack_page(request, cycle_id)


@router.post("/inspection/{cycle_id}")
def start_inspection(request: Request, cycle_id: Id, user: Producing, form: Annotated[FormData, Depends(form_data)]):
    settings = request.app.state.settings
    with store(request) as session:
        cycle_with_results(session, request, cycle_id)
    current = _state(settings, cycle_id)
    if current and current["state"] == "running":  # one run at a time per cycle
        return RedirectResponse(f"/inspection/{cycle_id}", status_code=303)
    audience = form.get("audience") or "published"
    try:
        deep_dive = int(form.get("deep_dive") or 6)
    except ValueError:
        deep_dive = -1
    errors = []
    if audience not in AUDIENCE_WORDS:
        errors.append({"text": "Choose who the pack is for", "href": "#audience"})
    if not 0 <= deep_dive <= MAX_DEEP_DIVE:
        errors.append({"text": f"Enter how many children to sample for deep dives, from 0 to {MAX_DEEP_DIVE}",
                       "href": "#deep_dive"})
    if errors:
        return pack_page(request, cycle_id, 400, errors)
    state = {"state": "running", "audience": audience, "by": user.username, "started": clock.now().isoformat()}
    _write_state(settings, cycle_id, state, inspection_folder(settings, cycle_id))
    start_flow_thread(request.app, f"inspection-pack-{cycle_id}", request.app.state.produce_inspection,
                      settings, cycle_id, audience, deep_dive, dict(state))
    return RedirectResponse(f"/inspection/{cycle_id}", status_code=303)


@router.get("/inspection/{cycle_id}/download/{fmt}")
def download_inspection(request: Request, cycle_id: Id, fmt: str, user: Producing):
    if fmt not in FILES:
        raise Refused("object", f"There is no '{fmt}' inspection pack; choose one of {', '.join(FILES)}.", 404)
    with store(request) as session:
        cycle_with_results(session, request, cycle_id)
    path = _files(_state(request.app.state.settings, cycle_id)).get(fmt)
    if path is None:
        raise Refused("object", f"The inspection pack for cycle {cycle_id} has not been produced yet.", 404)
    return FileResponse(path, media_type=FILES[fmt][0], filename=path.name)


@router.post("/inspection/{cycle_id}/person-level")
def person_level(request: Request, cycle_id: Id, user: Producing, form: Annotated[FormData, Depends(form_data)]):
    """The person-level export as CSV: pseudonymised, or identified with a reason (kept in the trail)."""
    from reports.inspection_export import person_level_csv, pseudonym_key
    from reports.inspection_map import load_columns

    identified = form.get("identified") == "yes"
    reason = str(form.get("reason") or "").strip()
    settings = request.app.state.settings
    try:
        with store(request) as session:
            cycle = cycle_with_results(session, request, cycle_id)
            data = person_level_csv(session, cycle.area_id, load_columns(), pseudonym_key(settings),
                                    identified=identified, reason=reason)
    except AuditError as exc:
        if not identified:
            raise
        return pack_page(request, cycle_id, 400, [{"text": "Enter why you need the children's own references "
                                                           "(at least 10 characters): it is kept in the audit trail",
                                                   "href": "#reason", "detail": str(exc)}], reason, identified)
    kind = "identified" if identified else "pseudonymised"
    return Response(data, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="person-level-cycle-{cycle_id}-{kind}.csv"'})
