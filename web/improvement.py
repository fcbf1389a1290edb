"""The improvement plan for the QA lead, the board and service leads: BRAG on a page, exceptions, actions by lead
and area, each action's evidence and history, amendment tasks with before and after grades.

QA leads also accept or override the status proposed from audit evidence (with a reason) and mark amendment
tasks done. Every rule lives in audit.improvement.proposals and audit.cycle.amendments; these pages only show and collect.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from audit import clock
from audit.cycle.amendments import before_after, get_task, mark_done, tasks_of
from audit.cycle.lifecycle import find_area, get_area
from audit.errors import AuditError, InputRejected, NotFound
from audit.improvement.files import export_plan, preview_import, store_import
from audit.improvement.plans import evidence_of, get_plan, history, links_of, plans_of
from audit.improvement.proposals import decide, get_proposal, proposals_of
from audit.improvement.revisions import Version, revision_summary, revisions_of
from audit.improvement.rules import describe_target
from audit.improvement.scales import get_scale, load_scales
from audit.limits import Limits
from audit.protection.permissions import Permission, permits
from audit.safe_files import path_inside, safe_name_part
from audit.store.models import Cycle, ImprovementAction, ImprovementPlan, User
from reports.improvement import build_improvement_report, render_improvement
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Reading = Annotated[User, Depends(allow(Permission.view_improvement))]
Deciding = Annotated[User, Depends(allow(Permission.manage_improvement))]
DEFAULT_SCALE = {"wsoa": "brag", "app": "app"}
LAYOUT_WORDS = {"wsoa": "Written Statement of Action (WSoA)", "app": "Accelerated Progress Plan (APP)"}
DOWNLOADS = {"html": "text/html", "md": "text/markdown", "csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _area_id(session, request: Request) -> int:
    try:
        return get_area(session, request.app.state.settings.area_code).id
    except NotFound as exc:
        raise Refused("object", str(exc), 404) from None


def _listed_area_id(session, request: Request) -> int | None:
    """The area whose plans and tasks are listed; None before anything was imported (empty lists)."""
    area = find_area(session, request.app.state.settings.area_code)
    return area.id if area else None


def _plan(session, request: Request, plan_id: int) -> ImprovementPlan:
    try:
        return get_plan(session, _area_id(session, request), plan_id)
    except NotFound:
        raise Refused("object", f"There is no improvement plan {plan_id}.", 404) from None


def _action(session, request: Request, action_id: int) -> tuple[ImprovementAction, ImprovementPlan]:
    action = session.get(ImprovementAction, action_id)
    plan = session.get(ImprovementPlan, action.plan_id) if action else None
    if plan is None or plan.area_id != _area_id(session, request):
        raise Refused("object", f"There is no action {action_id}.", 404)
    return action, plan


def _scales(request: Request) -> dict:
    return load_scales(request.app.state.settings.scales_dir)


@router.get("/improvement")
def plans_page(request: Request, user: Reading):
    with store(request) as session:
        area_id = _listed_area_id(session, request)
        plans = plans_of(session, area_id) if area_id else []
        tasks = tasks_of(session, area_id) if area_id else []
    return page(request, "improvement_plans.html", title="Improvement plans", plans=plans,
                can_import=permits(user.role, Permission.manage_improvement),
                open_tasks=sum(t.status == "not_started" for t, _ in tasks),
                overdue=sum(t.status == "not_started" and t.milestone < clock.today() for t, _ in tasks))


@router.get("/improvement/plans/{plan_id}")
def plan_page(request: Request, plan_id: Id, user: Reading, done: str = ""):
    with store(request) as session:
        report = build_improvement_report(session, _plan(session, request, plan_id), _scales(request), clock.today())
        revisions = [{"version": v.version, "version_date": v.version_date, "version_owner": v.version_owner,
                      "imported_at": v.imported_at, "imported_by": v.imported_by, "source_file": v.source_file,
                      "summary": revision_summary(v.changes) if v.number > 1 else "First import"}
                     for v in revisions_of(session, plan_id)]
    return page(request, "improvement_plan.html", title=report["title"], r=report, downloads=list(DOWNLOADS),
                done=done, revisions=revisions,
                can_decide=permits(user.role, Permission.manage_improvement))


@router.get("/improvement/plans/{plan_id}/download/{fmt}")
def download(request: Request, plan_id: Id, fmt: str, user: Reading):
    if fmt not in DOWNLOADS:
        raise Refused("object", f"There is no '{fmt}' download; choose one of {', '.join(DOWNLOADS)}.", 404)
    with store(request) as session:
        plan = _plan(session, request, plan_id)
        scales = _scales(request)
        if fmt in ("html", "md"):
            body = render_improvement(build_improvement_report(session, plan, scales, clock.today()), fmt).encode()
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = export_plan(session, plan, get_scale(scales, plan.scale), Path(folder) / f"plan.{fmt}")
                body = path.read_bytes()
    name = f"improvement-plan-{plan_id}" + (f"-{plan.layout}" if fmt in ("csv", "xlsx") else "")
    return Response(body, media_type=DOWNLOADS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def _action_page(request: Request, session, action: ImprovementAction, plan: ImprovementPlan, user: User,
                 errors: list | None = None, values: dict | None = None, status: int = 200, done: str = ""):
    scale = get_scale(_scales(request), plan.scale)
    label = {s.key: s.label for s in scale.statuses}
    proposals = [{"p": p, "cycle": session.get(Cycle, p.cycle_id).name, "proposed": label.get(p.proposed, p.proposed),
                  "decided": label.get(p.decided_status, "")} for p in proposals_of(session, action.id)]
    evidence = [{"e": e, "cycle": session.get(Cycle, e.cycle_id).name} for e in evidence_of(session, action.id)]
    current = scale.status(action.status)
    return page(request, "improvement_action.html", status=status, title=f"Action {action.reference}", action=action,
                plan=plan, current=current, statuses=scale.statuses, proposals=proposals, evidence=evidence,
                links=[describe_target(link.level, link.target) + (f" ({link.rubric})" if link.rubric else "")
                       for link in links_of(session, action.id)],
                history=history(session, action.id), can_decide=permits(user.role, Permission.manage_improvement),
                errors=errors or [], values=values or {}, done=done)


@router.get("/improvement/actions/{action_id}")
def action_page(request: Request, action_id: Id, user: Reading, done: str = ""):
    with store(request) as session:
        action, plan = _action(session, request, action_id)
        return _action_page(request, session, action, plan, user, done=done)


@router.post("/improvement/proposals/{proposal_id}")
def decide_proposal(request: Request, proposal_id: Id, user: Deciding,
                    form: Annotated[FormData, Depends(form_data)]):
    choice, override = str(form.get("decision", "")), str(form.get("status", ""))
    reason = str(form.get("reason", "")).strip()
    errors = []
    if choice not in ("accept", "override"):
        errors.append({"text": "Choose whether to accept the proposed status or set another", "href": "#decision"})
    if choice == "override" and not override:
        errors.append({"text": "Choose the status to set instead", "href": "#status"})
    if not reason:
        errors.append({"text": "Enter the reason for your decision; it is kept with the proposal", "href": "#reason"})
    with store(request) as session:
        try:
            proposal = get_proposal(session, proposal_id, _area_id(session, request))
        except NotFound:
            raise Refused("object", f"There is no proposal {proposal_id}.", 404) from None
        action, plan = _action(session, request, proposal.action_id)
        if not errors:
            try:
                decide(session, proposal, get_scale(_scales(request), plan.scale), user.username, reason,
                       override=override if choice == "override" else None)
                return RedirectResponse(f"/improvement/actions/{action.id}?done=decided", status_code=303)
            except AuditError as exc:
                errors.append({"text": str(exc), "href": "#decision"})
        return _action_page(request, session, action, plan, user, errors=errors, status=400,
                            values={"decision": choice, "status": override, "reason": reason,
                                    "proposal_id": proposal_id})


def _tasks_page(request: Request, session, area_id: int | None, user: User, status: int = 200, **context):
    today = clock.today()
    rows = [{"task": t, "plan_ref": p.plan_ref, "overdue": t.status == "not_started" and t.milestone < today}
            for t, p in (tasks_of(session, area_id) if area_id else [])]
    context = {"done": "", "errors": [], "values": {}} | context
    return page(request, "improvement_tasks.html", status=status, title="Amendment tasks", rows=rows,
                before_after=before_after(session, area_id) if area_id else [],
                can_decide=permits(user.role, Permission.manage_improvement), **context)


@router.get("/improvement/tasks")
def tasks_page(request: Request, user: Reading, done: str = ""):
    with store(request) as session:
        return _tasks_page(request, session, _listed_area_id(session, request), user, done=done)


@router.post("/improvement/tasks/{task_id}/done")
def task_done(request: Request, task_id: Id, user: Deciding, form: Annotated[FormData, Depends(form_data)]):
    note = str(form.get("note", "")).strip()
    errors = []
    with store(request) as session:
        area_id = _area_id(session, request)
        try:
            task = get_task(session, task_id, area_id)
        except NotFound:
            raise Refused("object", f"There is no amendment task {task_id}.", 404) from None
        if not note:
            errors.append({"text": "Enter what was amended in the plan", "href": f"#note-{task_id}"})
        else:
            try:
                mark_done(session, task, user.username, note)
                return RedirectResponse("/improvement/tasks?done=task", status_code=303)
            except AuditError as exc:
                errors.append({"text": str(exc), "href": f"#note-{task_id}"})
        return _tasks_page(request, session, area_id, user, status=400, errors=errors,
                           values={"task_id": task_id, "note": note})


# --- importing a plan or its next revision, with a confirm page (issue 25) ------------------------------------

UPLOAD_KEY = "plan_upload"
_IMPORT_FIELDS = ("layout", "name", "revision", "version", "version_date", "owner")


def _upload_folder(request: Request) -> Path:
    return Path(request.app.state.settings.data_dir) / "uploads"


def _forget_upload(request: Request) -> None:
    """Delete the file a previous upload of this session left (confirmed, abandoned or replaced)."""
    held = request.session.pop(UPLOAD_KEY, None)
    if held:
        folder = path_inside(_upload_folder(request), safe_name_part(held["token"]))
        shutil.rmtree(folder, ignore_errors=True)


def _import_page(request: Request, status: int = 200, **context):
    context = {"errors": [], "values": {}, "preview": None} | context
    return page(request, "improvement_import.html", status=status, title="Import an improvement plan",
                layouts=LAYOUT_WORDS, **context)


@router.get("/improvement/import")
def import_form(request: Request, user: Deciding):
    return _import_page(request)


def _import_errors(values: dict, upload) -> list[dict]:
    errors = []
    if upload is None or not getattr(upload, "filename", ""):
        errors.append({"text": "Choose the plan's CSV or XLSX file", "href": "#file"})
    elif Path(upload.filename).suffix.lower() not in (".csv", ".xlsx"):
        errors.append({"text": "The file must be a CSV (.csv) or Excel workbook (.xlsx)", "href": "#file"})
    if values["layout"] not in LAYOUT_WORDS:
        errors.append({"text": "Choose how the plan is laid out: a WSoA or an APP", "href": "#layout"})
    if not values["name"]:
        errors.append({"text": "Enter the plan's name", "href": "#name"})
    if values["version_date"]:
        try:
            date.fromisoformat(values["version_date"])
        except ValueError:
            errors.append({"text": "Enter the version date as YYYY-MM-DD, for example 2019-01-15",
                           "href": "#version_date"})
    return errors


def _preview(request: Request, session, held: dict):
    """Read the held upload again and say what storing it would do (InputRejected, AuditError pass through)."""
    area = get_area(session, request.app.state.settings.area_code, create=True)
    scale = get_scale(_scales(request), DEFAULT_SCALE[held["layout"]])
    path = path_inside(path_inside(_upload_folder(request), safe_name_part(held["token"])), held["file"])
    known = any(p.name == held["name"] for p in plans_of(session, area.id))
    preview = preview_import(session, area, path, layout=held["layout"], scale=scale, name=held["name"],
                             revision=held["revision"] or known,
                             limits=Limits.from_settings(request.app.state.settings))
    return area, scale, preview


@router.post("/improvement/import")
def import_upload(request: Request, user: Deciding, form: Annotated[FormData, Depends(form_data)]):
    values = {k: str(form.get(k, "") or "").strip() for k in _IMPORT_FIELDS if k != "revision"}
    values["revision"] = form.get("revision") == "yes"
    upload = form.get("file")
    errors = _import_errors(values, upload)
    if errors:
        return _import_page(request, 400, errors=errors, values=values)
    _forget_upload(request)
    token = secrets.token_hex(16)
    name = safe_name_part(Path(upload.filename).stem)[:80] + Path(upload.filename).suffix.lower()
    folder = path_inside(_upload_folder(request), token)
    folder.mkdir(parents=True, exist_ok=True)
    path_inside(folder, name).write_bytes(upload.file.read())  # a sync route: the store work runs off the loop
    held = {"token": token, "file": name, **values}
    request.session[UPLOAD_KEY] = held
    with store(request) as session:
        try:
            _, _, preview = _preview(request, session, held)
        except InputRejected as rejected:
            _forget_upload(request)
            return _import_page(request, 400, values=values, errors=[
                {"text": str(p), "href": "#file"} for p in rejected.problems])
        except AuditError as exc:
            _forget_upload(request)
            return _import_page(request, 400, values=values, errors=[{"text": str(exc), "href": "#name"}])
        return _import_page(request, values=values, preview=_preview_words(preview), file=upload.filename)


def _preview_words(preview) -> dict:
    return {"revision": preview.plan is not None, "name": preview.name, "actions": len(preview.table.rows),
            "areas": len(preview.table.areas), "notes": preview.table.notes, "undated": preview.undated(),
            "changes": preview.changes.lines() if preview.changes is not None else [],
            "people": len(preview.table.people)}


@router.post("/improvement/import/confirm")
def import_confirm(request: Request, user: Deciding):
    held = request.session.get(UPLOAD_KEY)
    if not held:
        return _import_page(request, 400, errors=[{"text": "There is no upload to store: choose the file again",
                                                   "href": "#file"}])
    with store(request) as session:
        try:
            area, scale, preview = _preview(request, session, held)
            stamp = Version(held["version"], date.fromisoformat(held["version_date"]) if held["version_date"] else None,
                            held["owner"])
            result = store_import(session, area, preview, scale=scale, file=held["file"], by=user.username,
                                  version=stamp)
        except (InputRejected, AuditError, FileNotFoundError) as exc:
            _forget_upload(request)
            text = str(exc) if not isinstance(exc, FileNotFoundError) else "The upload has gone: choose the file again"
            return _import_page(request, 400, values=held, errors=[{"text": text, "href": "#file"}])
        plan_id = result.plan.id
    _forget_upload(request)
    return RedirectResponse(f"/improvement/plans/{plan_id}?done=imported", status_code=303)
