"""Family voice pages (issue 21) for the QA lead, the board and the parent carer forum.

Everyone with the permission sees the suppressed tables and themes; only the QA lead (who manages cycles and
follows them up) also sees plan references: each plan's family view beside its grade, and the disagreements.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import select

from audit.cycle.lifecycle import find_area
from audit.errors import NotFound
from audit.family.views import family_view
from audit.protection.permissions import Permission, permits
from audit.store.models import Cycle, SurveyLink, SurveyResponse, User
from reports.family import build_family_report
from web.deps import CheckedFirst, Id, Refused, allow, page, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Reading = Annotated[User, Depends(allow(Permission.view_family_voice))]


def _cycles(session, area_code: str) -> list[Cycle]:
    """The area's cycles with survey links or answers, newest first."""
    area = find_area(session, area_code)
    if area is None:
        return []
    used = select(SurveyLink.cycle_id).union(select(SurveyResponse.cycle_id))
    return list(session.exec(select(Cycle).where(Cycle.area_id == area.id, Cycle.id.in_(used))
                             .order_by(Cycle.id.desc())).all())


@router.get("/family")
def family_cycles(request: Request, user: Reading):
    with store(request) as session:
        cycles = _cycles(session, request.app.state.settings.area_code)
    return page(request, "family_cycles.html", title="Family voice", cycles=cycles)


@router.get("/family/{cycle_id}")
def family_report(request: Request, cycle_id: Id, user: Reading):
    settings = request.app.state.settings
    with store(request) as session:
        if cycle_id not in {c.id for c in _cycles(session, settings.area_code)}:
            raise Refused("object", f"Cycle {cycle_id} has no family survey yet.", 404)
        try:
            view = family_view(session, cycle_id)
        except NotFound:
            raise Refused("object", f"There is no cycle {cycle_id}.", 404) from None
    report = build_family_report(view, settings.small_number_threshold,
                                 for_qa_lead=permits(user.role, Permission.manage_cycles))
    return page(request, "family_report.html", title=f"Family voice: {view.cycle_name}", r=report)
