"""The board and service leads: latest and previous cycles' results, per-service tables and charts, downloads.

Board members (and QA leads, moderators) see every service; a service lead sees their own service's part
(audit.protection.permissions.results_service), on the pages, in the downloads and through the API alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from audit import clock
from audit.cycle.lifecycle import find_area
from audit.improvement.scales import load_scales
from audit.protection.permissions import AccessDenied, Permission, results_service
from audit.results.analysis import load_cycle_results
from audit.results.reported import reported_cycles
from audit.store.models import Cycle, User
from audit.vocabulary import Agency
from reports.cache import board_summary, cache_folder
from reports.render import FORMATS, render
from reports.summary import build_summary
from web.board_pack import pack_links
from web.deps import CheckedFirst, Id, Refused, allow, page, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Reading = Annotated[User, Depends(allow(Permission.view_results))]
MEDIA = {"html": "text/html", "md": "text/markdown", "json": "application/json"}


def cycles_with_results(session: Session, area_code: str) -> list[Cycle]:
    """Cycles of the area that have been scored at least once, latest first as the home pages order them
    (audit.results.reported); none before the area exists."""
    area = find_area(session, area_code)
    return list(reversed(reported_cycles(session, area.id))) if area is not None else []


def summary_for(request: Request, cycle_id: int, user: User) -> dict:
    """The board summary view-model as of today (the one the flow writes), cut to what the user may see.

    Worked out once per version of the store's data and shared by every web process (reports.cache): read-only."""
    settings = request.app.state.settings
    try:
        service = results_service(user.role, user.service)
    except AccessDenied as exc:
        raise Refused("role", str(exc)) from None
    with store(request) as session:
        cycle = session.get(Cycle, cycle_id)
        if cycle is None or cycle not in cycles_with_results(session, settings.area_code):
            raise Refused("object", f"Cycle {cycle_id} has no results yet.", 404)
        summary = board_summary(session, cycle, clock.today(), settings.small_number_threshold, service=service,
                                scales_dir=settings.scales_dir, folder=cache_folder(settings))
        if summary is None:  # scored, but only re-audited plans: the summary says the random sample has none
            summary = build_summary(session, load_cycle_results(session, cycle), clock.today(),
                                    settings.small_number_threshold, service=service,
                                    scales=load_scales(settings.scales_dir))
    return summary


@router.get("/results")
def results(request: Request, user: Reading):
    with store(request) as session:
        cycles = cycles_with_results(session, request.app.state.settings.area_code)
    label = Agency(user.service).label if user.service and results_service(user.role, user.service) else ""
    return page(request, "results.html", title="Audit results", cycles=cycles, service_label=label)


@router.get("/results/{cycle_id}")
def cycle_results(request: Request, cycle_id: Id, user: Reading):
    s = summary_for(request, cycle_id, user)
    pack = pack_links(request.app.state.settings, cycle_id, s["service"]["code"] if s["service"] else None)
    return page(request, "summary.html", title=f"Results: {s['cycle']['name']}", s=s, formats=FORMATS, pack=pack)


@router.get("/results/{cycle_id}/download/{fmt}")
def download(request: Request, cycle_id: Id, fmt: str, user: Reading):
    if fmt not in FORMATS:
        raise Refused("object", f"There is no '{fmt}' download; choose one of {', '.join(FORMATS)}.", 404)
    s = summary_for(request, cycle_id, user)
    name = f"board-summary-cycle-{cycle_id}" + (f"-{s['service']['code']}" if s["service"] else "")
    return Response(render(s, fmt), media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
