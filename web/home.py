"""Home pages (the page after signing in, at "/"): what needs each person's attention, by role; the moderation
page of every cycle's queue; and looking a plan up by its reference.

The figures come from reports.home (view-models over the domain) and audit.results.plan_history (who may see what
of a plan); these routes only choose the page and record each plan view in the audit trail.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from audit import clock
from audit.cycle.lifecycle import find_area
from audit.cycle.work import work_to_do
from audit.improvement.scales import load_scales
from audit.protection.permissions import AccessDenied, Permission, permits, results_service
from audit.results.plan_history import Viewer, look_up_plan
from audit.store.models import Auditor, User
from audit.store.trail import record_view
from audit.vocabulary import Agency
from reports.home import board_home, moderator_home, qa_lead_home
from web.board_pack import pack_links
from web.deps import PAGES, CheckedFirst, Refused, allow, page, store
from web.lists import listing

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Account = Annotated[User, Depends(allow(Permission.use_account))]
Moderating = Annotated[User, Depends(allow(Permission.moderate))]
LookingUp = Annotated[User, Depends(allow(Permission.look_up_plans))]
MAX_REF = 64  # longer than any plan reference the register accepts
NOT_FOUND = "There is no plan {ref} among the plans you can see."


@router.get("/")
def home(request: Request, user: Account):
    settings, today = request.app.state.settings, clock.today()
    links = [{"text": text, "href": href} for permission, text, href in PAGES if permits(user.role, permission)]
    context = {"links": links, "can_look_up": permits(user.role, Permission.look_up_plans),
               "can_import": permits(user.role, Permission.import_data)}
    with store(request) as session:
        area = find_area(session, settings.area_code)
        if area is None:  # a new service: accounts only, nothing imported yet
            return page(request, "home.html", title="Home", kind="empty", **context)
        if permits(user.role, Permission.grade_plans):
            auditor = session.get(Auditor, user.auditor_id) if user.auditor_id else None
            work = work_to_do(session, auditor.id, today) if auditor else []
            return page(request, "home.html", title="Home", kind="auditor", work=work, auditor=auditor,
                        agency=Agency(auditor.agency).label if auditor else "", **context)
        if permits(user.role, Permission.manage_cycles):
            view = qa_lead_home(session, area.id, load_scales(settings.scales_dir), today)
            return page(request, "home.html", title="Home", kind="qa_lead", v=view, **context)
        if permits(user.role, Permission.moderate):  # a moderator (the QA lead, who also moderates, is above)
            view = moderator_home(session, area.id)
            # The home page keeps to what is live: cycles with plans waiting or not yet closed (the rest: /moderation).
            view["queues"] = [q for q in view["queues"] if q["plans"] or q["status"] != "closed"]
            return page(request, "home.html", title="Home", kind="moderator", v=view, **context)
        if permits(user.role, Permission.view_results):
            try:
                service = results_service(user.role, user.service)
            except AccessDenied as exc:  # a service lead with no service set: say so, on their home page
                return page(request, "home.html", title="Home", kind="other", notice=str(exc), **context)
            view = board_home(session, area.id, settings.small_number_threshold, load_scales(settings.scales_dir),
                              today, service)
            headline = view.get("headline")
            pack = pack_links(settings, headline["cycle_id"], service) if headline else []
            return page(request, "home.html", title="Home", kind="board", v=view, pack=pack,
                        can_see_improvement=permits(user.role, Permission.view_improvement), **context)
    return page(request, "home.html", title="Home", kind="other", **context)


QUEUE_SORTS = {"cycle": lambda q: q["id"], "name": lambda q: q["name"], "waiting": lambda q: q["plans"]}


@router.get("/moderation")
def moderation(request: Request, user: Moderating, q: str = "", sort: str = "", order: str = "",
               page_number: Annotated[str, Query(alias="page")] = "1"):
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        view = moderator_home(session, area.id) if area else {"queues": [], "exercises": [], "waiting": 0}
    shown = listing(view["queues"], path="/moderation", sorts=QUEUE_SORTS, default_sort="cycle", default_order="desc",
                    text=lambda row: row["name"], q=q, sort=sort, order=order, page=page_number)
    return page(request, "moderation.html", title="Moderation", v=view | {"queues": shown.rows}, listing=shown)


@router.get("/plans")
def find_plan(request: Request, user: LookingUp, ref: str | None = None):
    if ref is not None and ref.strip():
        return RedirectResponse(f"/plans/{quote(ref.strip()[:MAX_REF], safe='')}", status_code=303)
    errors = [{"text": "Enter a plan reference, for example DEMO-00412", "href": "#ref"}] if ref is not None else []
    return page(request, "plan_find.html", status=400 if errors else 200, title="Find a plan", errors=errors,
                ref="")


@router.get("/plans/{ref}")
def plan_page(request: Request, ref: str, user: LookingUp):
    settings = request.app.state.settings
    viewer = Viewer(user.role, user.auditor_id, user.service)
    with store(request) as session:
        area = find_area(session, settings.area_code)
        history = (look_up_plan(session, area.id, ref, viewer, clock.today())
                   if area is not None and len(ref) <= MAX_REF else None)
        if history is None:  # unknown and not yours read the same
            raise Refused("object", NOT_FOUND.format(ref=ref[:MAX_REF]), 404)
        record_view(session, "plan", str(history.plan.id),
                    {"ref": history.plan.plan_ref, "shown": f"{len(history.audits)} audits, plan look-up"})
        return page(request, "plan.html", title=f"Plan {history.plan.plan_ref}", h=history)
