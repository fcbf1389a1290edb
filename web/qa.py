"""QA leads: create and start cycles, follow progress, withdraw and replace plans, send (or record) reminders, close."""

from __future__ import annotations

import smtplib
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.datastructures import FormData

from audit.cycle.chasing import chase_history
from audit.cycle.lifecycle import (
    close_cycle,
    create_cycle,
    cycle_progress,
    find_area,
    get_area,
    open_cycle,
    withdraw_plan,
)
from audit.cycle.reminders import outstanding_by_auditor, record_reminder, record_reminders, reminders_for
from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.rubrics.loading import load_rubrics_dir
from audit.store.models import Cycle, Plan, RubricVersion, SampledPlan, User
from audit.vocabulary import CycleStatus, label
from flows.mail import reminder_message, send_email, smtp_configured
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.trigger import launch

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Leading = Annotated[User, Depends(allow(Permission.manage_cycles))]
# The register fields a sample can be stratified by, in words (audit.vocabulary).
STRATA = [(f, label(f, "stratum_field")) for f in ("team", "plan_stage", "phase", "primary_need", "setting_type")]


def _cycle(session, request: Request, cycle_id: int) -> Cycle:
    """A cycle of this service's area; others are 'not found'."""
    cycle = session.get(Cycle, cycle_id)
    area = find_area(session, request.app.state.settings.area_code)
    if cycle is None or area is None or cycle.area_id != area.id:
        raise Refused("object", f"There is no cycle {cycle_id}.", 404)
    return cycle


@router.get("/cycles")
def cycles(request: Request, user: Leading):
    with store(request) as session:
        rows = session.exec(select(Cycle, RubricVersion).join(RubricVersion).order_by(Cycle.id.desc())).all()
    return page(request, "cycles.html", title="Audit cycles", rows=rows)


@router.get("/cycles/new")
def new_cycle_page(request: Request, user: Leading):
    return page(request, "cycle_new.html", title="Create a cycle", rubrics=_rubrics(request), strata=STRATA,
                values={"rubric": "whole-plan", "sample_size": "", "strata": [], "day": "", "month": "", "year": "",
                        "name": "", "seed": "1"})


@router.post("/cycles/new")
def create_cycle_form(request: Request, user: Leading, form: Annotated[FormData, Depends(form_data)]):
    values = {k: str(form.get(k, "")).strip() for k in ("name", "rubric", "sample_size", "day", "month", "year", "seed")}
    values["strata"] = [s for s in form.getlist("strata") if s in dict(STRATA)]
    rubrics = _rubrics(request)
    errors = []
    if not values["name"]:
        errors.append({"text": "Enter a name for the cycle", "href": "#name"})
    if values["rubric"] not in rubrics:
        errors.append({"text": "Choose a rubric", "href": "#rubric"})
    if not values["sample_size"].isdigit() or int(values["sample_size"]) < 1:
        errors.append({"text": "Enter the number of plans to sample, a whole number of 1 or more", "href": "#sample_size"})
    if not (values["seed"] or "1").isdigit():
        errors.append({"text": "Enter the seed as a whole number", "href": "#seed"})
    try:
        due = date(int(values["year"]), int(values["month"]), int(values["day"]))
    except ValueError:
        due = None
        errors.append({"text": "Enter the due date as a real date, for example 27 3 2027", "href": "#due-day"})
    if not errors:
        try:
            with store(request) as session:
                area = get_area(session, request.app.state.settings.area_code)
                cycle = create_cycle(session, area, rubrics[values["rubric"]], name=values["name"],
                                     sample_size=int(values["sample_size"]), due_date=due, strata=values["strata"],
                                     seed=int(values["seed"] or 1))
                cycle_id = cycle.id
            return RedirectResponse(f"/cycles/{cycle_id}", status_code=303)
        except AuditError as exc:
            errors.append({"text": str(exc), "href": "#due-day" if "due date" in str(exc) else "#name"})
    return page(request, "cycle_new.html", status=400, title="Create a cycle", rubrics=rubrics, strata=STRATA,
                values=values, errors=errors, error_for={e["href"]: e["text"] for e in errors})


@router.get("/cycles/{cycle_id}")
def cycle_page(request: Request, cycle_id: Id, user: Leading, done: str = ""):
    with store(request) as session:
        return _cycle_page(request, session, _cycle(session, request, cycle_id), done=done)


def _cycle_page(request: Request, session, cycle: Cycle, done: str = "", errors: list | None = None,
                status: int = 200, values: dict | None = None):
    version = session.get(RubricVersion, cycle.rubric_version_id)
    progress = cycle_progress(session, cycle)
    sampled = session.exec(select(SampledPlan, Plan).join(Plan, Plan.id == SampledPlan.plan_id)
                           .where(SampledPlan.cycle_id == cycle.id).order_by(Plan.plan_ref)).all()
    return page(request, "cycle.html", status=status, title=cycle.name, cycle=cycle, version=version,
                smtp=smtp_configured(request.app.state.settings),
                progress=progress, sampled=sampled, reminders=reminders_for(session, cycle), done=done,
                chases=chase_history(session, cycle.id), errors=errors or [], values=values or {})


@router.post("/cycles/{cycle_id}/start")
def start_cycle(request: Request, cycle_id: Id, user: Leading):
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        if cycle.status != CycleStatus.draft.value:
            return _cycle_page(request, session, cycle, status=409,
                               errors=[{"text": "This cycle has already been started.", "href": "#progress"}])
        open_cycle(session, cycle)
    return RedirectResponse(f"/cycles/{cycle_id}?done=started", status_code=303)


@router.post("/cycles/{cycle_id}/withdraw")
def withdraw(request: Request, cycle_id: Id, user: Leading, form: Annotated[FormData, Depends(form_data)]):
    plan_ref, reason = str(form.get("plan_ref", "")), str(form.get("reason", "")).strip()
    replace = form.get("replace") == "yes"
    errors = []
    if not plan_ref:
        errors.append({"text": "Choose the plan to withdraw", "href": "#plan_ref"})
    if not reason:
        errors.append({"text": "Enter why the plan is withdrawn, for example ceased or moved to another area",
                       "href": "#reason"})
    if not errors:
        try:
            with store(request) as session:
                withdraw_plan(session, _cycle(session, request, cycle_id), plan_ref, reason, replace)
            return RedirectResponse(f"/cycles/{cycle_id}?done=withdrawn", status_code=303)
        except AuditError as exc:
            errors.append({"text": str(exc), "href": "#plan_ref"})
    with store(request) as session:
        return _cycle_page(request, session, _cycle(session, request, cycle_id), errors=errors, status=400,
                           values={"plan_ref": plan_ref, "reason": reason, "replace": replace})


@router.post("/cycles/{cycle_id}/reminders")
def reminders(request: Request, cycle_id: Id, user: Leading):
    settings = request.app.state.settings
    if not smtp_configured(settings):
        with store(request) as session:
            logs = record_reminders(session, _cycle(session, request, cycle_id))
        return RedirectResponse(f"/cycles/{cycle_id}?done=reminders-{len(logs)}", status_code=303)
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        cycle_name, work = cycle.name, outstanding_by_auditor(session, cycle)
    url = str(request.url_for("my_audits"))
    counts = {"sent": 0, "failed": 0, "no email address": 0}
    for entry in work:
        status, error = "no email address", None
        if entry.email:
            # Sent outside any transaction; each outcome is recorded once the send has succeeded or failed.
            try:
                send_email(settings, reminder_message(settings, entry.email, cycle_name, entry.items, url),
                           to_addrs=[entry.email])
                status = "sent"
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                status, error = "failed", f"{type(exc).__name__}: {exc}"
        counts[status] += 1
        with store(request) as session:
            record_reminder(session, _cycle(session, request, cycle_id), entry.auditor_id, len(entry.items),
                            "email", status, error)
    done = f"emailed-{counts['sent']}-{counts['failed']}-{counts['no email address']}"
    return RedirectResponse(f"/cycles/{cycle_id}?done={done}", status_code=303)


@router.post("/cycles/{cycle_id}/close")
def close(request: Request, cycle_id: Id, user: Leading):
    with store(request) as session:
        close_cycle(session, _cycle(session, request, cycle_id))
    # Closing finalises: the flow scores what is in and reports the rest as incomplete.
    launch(request.app, cycle_id, finalise=True)
    return RedirectResponse(f"/cycles/{cycle_id}?done=closed", status_code=303)


def _rubrics(request: Request) -> dict:
    return load_rubrics_dir(request.app.state.settings.rubrics_dir)
