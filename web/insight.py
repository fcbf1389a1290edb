"""Timeliness, trends, calibration and audit programmes in the browser: the pages of `ehcp-audit timeliness`,
`ehcp-audit trends`, `ehcp-audit calibration report` and `ehcp-audit programme list`, over the same functions.

A service lead sees the clocks and the trend line their service answers for (as in their board pack); small
numbers are hidden by the board's rule. Pausing or resuming a programme asks for confirmation first.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from audit import clock
from audit.cycle.lifecycle import find_area
from audit.cycle.programmes import CADENCE_WORDS, next_slots, programmes, scheduled_cycles, set_paused
from audit.moderation.calibration import distance_by_auditor, distance_report
from audit.protection.permissions import AccessDenied, Permission, results_service
from audit.register.frames import plans_frame
from audit.store.models import AuditProgramme, CalibrationExercise, Plan, User
from audit.timeliness.measures import compute_timeliness
from audit.vocabulary import Agency, label
from reports.board import SERVICE_MEASURES
from reports.trends import cycle_trends
from web.deps import CheckedFirst, Id, Refused, allow, page, store
from web.lists import listing

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Reading = Annotated[User, Depends(allow(Permission.view_results))]
Moderating = Annotated[User, Depends(allow(Permission.moderate))]
Leading = Annotated[User, Depends(allow(Permission.manage_cycles))]
GROUPINGS = [("", "No breakdown"), ("team", "Team"), ("phase", "Phase")]
PERIODS = [("12", "The last 12 months"), ("6", "The last 6 months"), ("3", "The last 3 months"), ("1", "The last month")]
SERIES = [("Overall", "Overall"), ("Service", "By service"), ("Section", "By section")]


def _service(user: User) -> str | None:
    try:
        return results_service(user.role, user.service)
    except AccessDenied as exc:
        raise Refused("role", str(exc)) from None


TIMELINESS_SORTS = {"measure": lambda r: r["order"], "group": lambda r: r["group"],
                    "percent": lambda r: None if r["percent"] is None else r["share"]}

# The trend's own order (routine first, then each theme, cycles by date) unless another column is chosen.
TREND_SORTS = {"cycle": lambda r: r["order"], "group": lambda r: (r["group"], r["order"]),
               "share": lambda r: r["share"]}


@router.get("/timeliness")
def timeliness(request: Request, user: Reading, by: str = "", months: str = "12", q: str = "", sort: str = "",
               order: str = "", page_number: Annotated[str, Query(alias="page")] = "1"):
    from dateutil.relativedelta import relativedelta

    service, errors = _service(user), []
    if by not in dict(GROUPINGS):
        errors.append({"text": "Choose a breakdown from the list: none, team or phase", "href": "#by"})
        by = ""
    if months not in dict(PERIODS):
        errors.append({"text": "Choose a period from the list", "href": "#months"})
        months = "12"
    today = clock.today()
    start = today - relativedelta(months=int(months)) + relativedelta(days=1)
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        report = compute_timeliness(plans_frame(session, area.id), today, start, by=by or None) if area else None
    if report is not None and service:
        report = replace(report, measures=[m for m in report.measures if m.key in SERVICE_MEASURES[service]])
    t = request.app.state.settings.small_number_threshold
    rows = [] if report is None else [
        {"order": n, "label": m.label, "group": (label(m.group, by) if by == "phase" else m.group) if m.group else "All",
         "met": m.met, "total": m.total, "definition": m.definition, "small": 0 < m.total < t, "share": m.percent,
         "percent": None if m.percent is None or 0 < m.total < t else f"{m.percent:.1f}%"}
        for n, m in enumerate(report.measures)]
    shown = listing(rows, path="/timeliness", sorts=TIMELINESS_SORTS, default_sort="measure",
                    text=lambda r: f"{r['label']} {r['group']}", q=q, sort=sort, order=order, page=page_number,
                    params={"by": by, "months": months})
    return page(request, "timeliness.html", status=400 if errors else 200, title="Timeliness", rows=shown.rows,
                listing=shown,
                report=report, by=by, months=months, groupings=GROUPINGS, periods=PERIODS, errors=errors,
                threshold=t, service_label=Agency(service).label if service else "")


@router.get("/trends")
def trends(request: Request, user: Reading, series: str = "Overall", q: str = "", sort: str = "", order: str = "",
           page_number: Annotated[str, Query(alias="page")] = "1"):
    service, errors = _service(user), []
    if service:
        series = "Service"  # a service lead sees their own service's line only
    if series not in dict(SERIES):
        errors.append({"text": "Choose overall, by service or by section", "href": "#series"})
        series = "Overall"
    t = request.app.state.settings.small_number_threshold
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        found = cycle_trends(session, area.id) if area else None
    rows = []
    for trend, frame in (() if found is None else (("Routine", found.routine),
                                                   ("Themed, not in the trend", found.themed))):
        frame = frame[frame["series"] == series]
        if service:
            frame = frame[frame["group"] == Agency(service).label]
        for r in frame.to_dict("records"):
            small = 0 < r["plans"] < t
            missing = r["pct"] is None or (isinstance(r["pct"], float) and math.isnan(r["pct"]))
            rows.append({"trend": trend, "order": len(rows), "group": r["group"], "cycle": r["cycle"],
                         "date": r["date"], "rubric": f"{r['rubric']} {r['rubric_version']}",
                         "break": bool(r["rubric_break"]), "plans": f"<{t}" if small else str(r["plans"]),
                         "share": None if small or missing else float(r["pct"]),
                         "pct": "No data" if missing else "Not shown" if small else f"{r['pct']:.1f}%",
                         "ci": "" if small or missing or r["ci_low"] is None else f"{r['ci_low']:.0f}% to {r['ci_high']:.0f}%"})
    # By section, every section of every cycle is a row: filtered, sorted and paged on the server (web/lists.py).
    shown = listing(rows, path="/trends", sorts=TREND_SORTS, default_sort="cycle", text=lambda r: (
        f"{r['group']} {r['cycle']} {r['trend']} {r['rubric']}"), q=q, sort=sort, order=order, page=page_number,
        params={"series": "" if service else series})
    return page(request, "trends.html", status=400 if errors else 200, title="Trends across cycles", listing=shown,
                any_rows=bool(rows),
                series=series, choices=SERIES, errors=errors, service_label=Agency(service).label if service else "")


@router.get("/calibration/{exercise_id}")
def calibration(request: Request, exercise_id: Id, user: Moderating):
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        exercise = session.get(CalibrationExercise, exercise_id)
        if exercise is None or area is None or exercise.area_id != area.id:
            raise Refused("object", f"There is no calibration exercise {exercise_id}.", 404)
        report = distance_report(session, exercise)
        plan_ref = session.get(Plan, exercise.plan_id).plan_ref
    by_auditor = distance_by_auditor(report)
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in report.astype(object).to_dict("records")]
    for r in rows:
        r["agency"] = label(r["agency"], "agency")
    return page(request, "calibration.html", title=f"Calibration: {exercise.name}", exercise=exercise,
                plan_ref=plan_ref, rows=rows, by_auditor=by_auditor.to_dict("records"))


@router.get("/programmes")
def programme_list(request: Request, user: Leading, done: str = ""):
    now = clock.now()
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        rows = [{"p": p, "schedule": CADENCE_WORDS.get(p.cadence, f"on the schedule {p.cron}"),
                 "next": next_slots(p, now, 1)[0] if p.active else None,
                 "cycles": [c for _, c in scheduled_cycles(session, p)]}
                for p in (programmes(session, area.id) if area else [])]
    return page(request, "programmes.html", title="Audit programmes", rows=rows, done=done)


def _programme(session, request: Request, programme_id: int) -> AuditProgramme:
    programme = session.get(AuditProgramme, programme_id)
    area = find_area(session, request.app.state.settings.area_code)
    if programme is None or area is None or programme.area_id != area.id:
        raise Refused("object", f"There is no audit programme {programme_id}.", 404)
    return programme


@router.get("/programmes/{programme_id}/{change}")
def confirm_change(request: Request, programme_id: Id, change: str, user: Leading):
    if change not in ("pause", "resume"):
        raise Refused("object", "There is no such page.", 404)
    with store(request) as session:
        programme = _programme(session, request, programme_id)
        return page(request, "programme_confirm.html", title=f"{change.capitalize()} {programme.name}",
                    programme=programme, change=change)


@router.post("/programmes/{programme_id}/{change}")
def change_programme(request: Request, programme_id: Id, change: str, user: Leading):
    if change not in ("pause", "resume"):
        raise Refused("object", "There is no such page.", 404)
    with store(request) as session:
        set_paused(session, _programme(session, request, programme_id), change == "pause")
    return RedirectResponse(f"/programmes?done={'paused' if change == 'pause' else 'resumed'}", status_code=303)

