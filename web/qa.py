"""QA leads: create and start cycles, follow progress, withdraw and replace plans, send (or record) reminders, close."""

from __future__ import annotations

import smtplib
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
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
from audit.cycle.preview import draw_again, preview_sample
from audit.cycle.reminders import outstanding_by_auditor, record_reminder, record_reminders, reminders_for
from audit.cycle.sampling import Exclusions
from audit.cycle.tracking import PLAN_STATES, SORTS, PlanFilter, cycle_rows, has_results, plan_page
from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.rubrics.loading import load_rubrics_dir
from audit.store.models import Cycle, Plan, RubricVersion, SampledPlan, User
from audit.vocabulary import CycleStatus, SampleStatus, label
from flows.mail import reminder_message, send_email, smtp_configured
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.lists import listing
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


CYCLE_SORTS = {"due": lambda r: (r.cycle.due_date, r.cycle.id), "name": lambda r: r.cycle.name,
               "state": lambda r: (label(r.cycle.status, "cycle_status"), r.cycle.id)}


@router.get("/cycles")
def cycles(request: Request, user: Leading, q: str = "", sort: str = "", order: str = "",
           page_number: Annotated[str, Query(alias="page")] = "1"):
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        rows = cycle_rows(session, area.id) if area else []
    shown = listing(rows, path="/cycles", sorts=CYCLE_SORTS, default_sort="due", default_order="desc",
                    text=lambda r: f"{r.cycle.name} {label(r.cycle.status, 'cycle_status')} {r.rubric}", q=q,
                    sort=sort, order=order, page=page_number)
    return page(request, "cycles.html", title="Audit cycles", rows=shown.rows, listing=shown, any_cycles=bool(rows))


@router.get("/cycles/new")
def new_cycle_page(request: Request, user: Leading):
    return page(request, "cycle_new.html", title="Create a cycle", rubrics=_rubrics(request), strata=STRATA,
                values={"rubric": "whole-plan", "sample_size": "", "strata": [], "day": "", "month": "", "year": "",
                        "name": "", "exclude_months": "12"})


@router.post("/cycles/new")
def create_cycle_form(request: Request, user: Leading, form: Annotated[FormData, Depends(form_data)]):
    fields = ("name", "rubric", "sample_size", "day", "month", "year", "exclude_months")
    values = {k: str(form.get(k, "")).strip() for k in fields}
    values["exclude_months"] = values["exclude_months"] or "12"  # the form's default, as the CLI's
    values["strata"] = [s for s in form.getlist("strata") if s in dict(STRATA)]
    rubrics = _rubrics(request)
    errors = []
    if not values["name"]:
        errors.append({"text": "Enter a name for the cycle", "href": "#name"})
    if values["rubric"] not in rubrics:
        errors.append({"text": "Choose a rubric", "href": "#rubric"})
    if not values["sample_size"].isdigit() or int(values["sample_size"]) < 1:
        errors.append({"text": "Enter the number of plans to sample, a whole number of 1 or more", "href": "#sample_size"})
    if not values["exclude_months"].isdigit() or int(values["exclude_months"]) > 120:
        errors.append({"text": "Enter the number of months as a whole number from 0 to 120 (0 leaves no plan out "
                               "for being audited recently)", "href": "#exclude_months"})
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
                                     exclusions=Exclusions(audited_within_months=int(values["exclude_months"])))
                cycle_id = cycle.id
            return RedirectResponse(f"/cycles/{cycle_id}", status_code=303)
        except AuditError as exc:
            errors.append({"text": str(exc), "href": "#due-day" if "due date" in str(exc) else "#name"})
    return page(request, "cycle_new.html", status=400, title="Create a cycle", rubrics=rubrics, strata=STRATA,
                values=values, errors=errors, error_for={e["href"]: e["text"] for e in errors})


@router.get("/cycles/{cycle_id}")
def cycle_page(request: Request, cycle_id: Id, user: Leading, done: str = "", state: str = "", stratum: str = "",
               ref: str = "", sort: str = "plan", page_number: Annotated[str, Query(alias="page")] = "1"):
    number = int(page_number) if page_number.isdigit() and len(page_number) < 6 else 1
    wanted = PlanFilter(state if state in (*PLAN_STATES, "reaudit") else "", stratum[:500], ref[:100],
                        sort if sort in SORTS else "plan", max(number, 1))
    with store(request) as session:
        return _cycle_page(request, session, _cycle(session, request, cycle_id), done=done, wanted=wanted)


def _cycle_page(request: Request, session, cycle: Cycle, done: str = "", errors: list | None = None,
                status: int = 200, values: dict | None = None, wanted: PlanFilter | None = None):
    version = session.get(RubricVersion, cycle.rubric_version_id)
    wanted = wanted or PlanFilter()
    draft = cycle.status == CycleStatus.draft.value
    return page(request, "cycle.html", status=status, title=cycle.name, cycle=cycle, version=version,
                smtp=smtp_configured(request.app.state.settings),
                preview=preview_sample(session, cycle) if draft else None,
                progress=None if draft else cycle_progress(session, cycle),
                plans=None if draft else plan_page(session, cycle, wanted), wanted=wanted, sorts=SORTS,
                states=PLAN_STATES, has_results=has_results(session, cycle),
                withdrawable=[] if draft else _withdrawable(session, cycle),
                reminders=reminders_for(session, cycle), done=done, query=_query(wanted),
                chases=chase_history(session, cycle.id), errors=errors or [], values=values or {})


def _withdrawable(session, cycle: Cycle) -> list[str]:
    """References of the plans still in the sample, for the withdraw form (one query, 200 rows at most)."""
    return list(session.exec(select(Plan.plan_ref).join(SampledPlan, Plan.id == SampledPlan.plan_id)
                             .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status != SampleStatus.withdrawn.value)
                             .order_by(Plan.plan_ref)).all())


def _query(wanted: PlanFilter) -> str:
    """The filters as a query string, for the pagination links (the page number is added by the template)."""
    return urlencode({k: v for k, v in (("state", wanted.state), ("stratum", wanted.stratum), ("ref", wanted.ref),
                                        ("sort", wanted.sort)) if v})


@router.post("/cycles/{cycle_id}/draw-again")
def draw_sample_again(request: Request, cycle_id: Id, user: Leading):
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        try:
            draw_again(session, cycle)
        except AuditError as exc:
            return _cycle_page(request, session, cycle, status=409, errors=[{"text": str(exc), "href": "#progress"}])
    return RedirectResponse(f"/cycles/{cycle_id}?done=redrawn#sample", status_code=303)


@router.post("/cycles/{cycle_id}/start")
def start_cycle(request: Request, cycle_id: Id, user: Leading):
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        if cycle.status != CycleStatus.draft.value:
            return _cycle_page(request, session, cycle, status=409,
                               errors=[{"text": "This cycle has already been started.", "href": "#progress"}])
        try:
            open_cycle(session, cycle)
        except AuditError as exc:
            session.rollback()
            return _cycle_page(request, session, cycle, status=400, errors=[{"text": str(exc), "href": "#sample"}])
    return RedirectResponse(f"/cycles/{cycle_id}?done=started", status_code=303)


def _withdrawal(form: FormData) -> tuple[str, str, bool, list[dict]]:
    """The withdraw form's plan, reason and replace choice, and what is missing from it."""
    plan_ref, reason = str(form.get("plan_ref", "")), str(form.get("reason", "")).strip()
    errors = []
    if not plan_ref:
        errors.append({"text": "Choose the plan to withdraw", "href": "#plan_ref"})
    if not reason:
        errors.append({"text": "Enter why the plan is withdrawn, for example ceased or moved to another area",
                       "href": "#reason"})
    return plan_ref, reason, form.get("replace") == "yes", errors


@router.post("/cycles/{cycle_id}/withdraw/check")
def withdraw_check(request: Request, cycle_id: Id, user: Leading, form: Annotated[FormData, Depends(form_data)]):
    """The confirm page before a plan is withdrawn: nothing changes until the QA lead confirms."""
    plan_ref, reason, replace, errors = _withdrawal(form)
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        if not errors and plan_ref not in _withdrawable(session, cycle):
            errors.append({"text": f"Plan {plan_ref} is not in this cycle's sample, or was already withdrawn",
                           "href": "#plan_ref"})
        if errors:
            return _cycle_page(request, session, cycle, errors=errors, status=400,
                               values={"plan_ref": plan_ref, "reason": reason, "replace": replace})
        return page(request, "cycle_withdraw.html", title=f"Withdraw plan {plan_ref}", cycle=cycle,
                    plan_ref=plan_ref, reason=reason, replace=replace)


@router.post("/cycles/{cycle_id}/withdraw")
def withdraw(request: Request, cycle_id: Id, user: Leading, form: Annotated[FormData, Depends(form_data)]):
    plan_ref, reason, replace, errors = _withdrawal(form)
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


@router.get("/cycles/{cycle_id}/close")
def close_confirm(request: Request, cycle_id: Id, user: Leading):
    """The confirm page before closing: what is still out, which the board will see as incomplete."""
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        if cycle.status == CycleStatus.closed.value:
            return RedirectResponse(f"/cycles/{cycle_id}", status_code=303)
        return page(request, "cycle_close.html", title=f"Close {cycle.name}", cycle=cycle,
                    progress=cycle_progress(session, cycle))


@router.post("/cycles/{cycle_id}/close")
def close(request: Request, cycle_id: Id, user: Leading):
    with store(request) as session:
        close_cycle(session, _cycle(session, request, cycle_id))
    # Closing finalises: the flow scores what is in and reports the rest as incomplete.
    launch(request.app, cycle_id, finalise=True)
    return RedirectResponse(f"/cycles/{cycle_id}?done=closed", status_code=303)


def _rubrics(request: Request) -> dict:
    return load_rubrics_dir(request.app.state.settings.rubrics_dir)
