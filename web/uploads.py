"""QA leads: upload the plan register and the auditor list, check them whole, confirm the counts, then import.

An upload is held on the server between the check and the confirm: a folder under <data_dir>/uploads named by a
random id that only this browser's session knows. Nothing reaches the store until the QA lead confirms, and the
import itself checks the file again (all or nothing, `import_register` / `import_auditors`, as the CLI does).
Saved column mappings are the YAML files in <data_dir>/mappings; one uploaded with a register is saved there
(under its own name) once that register is imported, so the next export can use it.

No request reads a large file: one over EHCP_AUDIT_CHECK_IN_BACKGROUND_BYTES (known from its size before it is
read) is checked by a flow run (flows/imports.py `check-file`) and one of more than BIG_IMPORT_ROWS rows is
imported by one (`import-file`), each in its own thread, the page refreshing itself until the flow has written
its outcome (check.json, run.json) in the held folder.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from audit import clock
from audit.cycle.lifecycle import find_area, get_area
from audit.errors import AuditError, InputRejected, Problem
from audit.limits import Limits
from audit.protection.permissions import Permission
from audit.register.auditors import import_auditors
from audit.register.plans import import_register, read_mapping
from audit.register.previews import preview_auditors, preview_register
from audit.safe_files import path_inside, safe_name_part
from audit.store.models import User
from web.deps import CheckedFirst, Refused, allow, form_data, page, store
from web.trigger import start_flow_thread

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Importing = Annotated[User, Depends(allow(Permission.import_data))]
KINDS = {"register": "plan register", "auditors": "auditor list"}
SUFFIXES = (".csv", ".xlsx")
UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{20,40}")
HELD_HOURS = 24  # an upload nobody confirmed is removed after this long
CHUNK = 1 << 20
BIG_IMPORT_ROWS = 20_000  # more rows than about a second of importing: handed to a flow run (flows/imports.py)
REFRESH_SECONDS = 3  # the confirm page refreshes itself while a large file is checked or imported by a flow
STALE_MINUTES = 30  # a check still "running" after this long was cut short (the server restarted): said so


def held_root(request: Request) -> Path:
    return Path(request.app.state.settings.data_dir) / "uploads"


def mappings_dir(request: Request) -> Path:
    return Path(request.app.state.settings.data_dir) / "mappings"


def saved_mappings(request: Request) -> list[str]:
    """The names of the saved column mappings, for the register form."""
    folder = mappings_dir(request)
    return sorted(p.name for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


def _forget_old(root: Path) -> None:
    """Remove uploads held longer than HELD_HOURS (never confirmed or cancelled)."""
    if not root.is_dir():
        return
    cutoff = time.time() - HELD_HOURS * 3600
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _file_name(upload: UploadFile, fallback: str) -> str:
    """The uploaded file's own name, made safe for the folder (problems name the file as the QA lead knows it)."""
    original = Path(upload.filename or fallback).name
    stem, suffix = Path(original).stem, Path(original).suffix.lower()
    return safe_name_part(stem or fallback) + suffix


async def _keep(upload: UploadFile, folder: Path, name: str, max_bytes: int, what: str) -> Path:
    """Copy the upload into the held folder in chunks, refusing it past `max_bytes` (nothing is kept then)."""
    target, size = path_inside(folder, name), 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise InputRejected(what, [Problem(
                    f"the file is more than the {max_bytes:,} bytes allowed", file=name,
                    fix="split it into smaller files, or ask the service's operator to raise EHCP_AUDIT_MAX_IMPORT_BYTES")])
            out.write(chunk)
    return target


def _problems(exc: AuditError) -> list[dict]:
    """The error summary's entries: each problem by file, row and column, with its fix."""
    problems = exc.problems if isinstance(exc, InputRejected) else [Problem(str(exc))]
    entries = [{"text": str(p), "href": "#file"} for p in problems[:100]]
    if len(problems) > 100:
        entries.append({"text": f"... and {len(problems) - 100} more problems: fix these and upload it again",
                        "href": "#file"})
    return entries


def _form_page(request: Request, kind: str = "", errors: list | None = None, status: int = 200,
               done: dict | None = None, mapping: str = ""):
    return page(request, "imports.html", status=status, title="Import the register and auditors",
                kind=kind, errors=errors or [], done=done, mappings=saved_mappings(request), mapping=mapping,
                waiting=waiting(request), kinds=KINDS,
                max_bytes=request.app.state.settings.max_import_bytes)


@router.get("/imports")
def imports(request: Request, user: Importing):
    return _form_page(request, done=request.session.pop("import_done", None))


def waiting(request: Request) -> list[tuple[str, dict]]:
    """This session's uploads still waiting to be confirmed, newest first (linked from the imports page)."""
    found = []
    for upload_id in reversed(request.session.get("uploads", [])):
        path = held_root(request) / upload_id / "held.json"
        if UPLOAD_ID.fullmatch(upload_id) and path.is_file():
            found.append((upload_id, json.loads(path.read_text(encoding="utf-8"))))
    return found


@router.post("/imports/{kind}")
async def upload(request: Request, kind: str, user: Importing, form: Annotated[FormData, Depends(form_data)]):
    if kind not in KINDS:
        raise Refused("object", f"There is no '{kind}' import.", 404)
    settings = request.app.state.settings
    file, mapping_file = form.get("file"), form.get("mapping_file")
    chosen = str(form.get("mapping", ""))
    what = f"The {KINDS[kind]}"
    if not isinstance(file, UploadFile) or not file.filename:
        return _form_page(request, kind, [{"text": f"Choose the {KINDS[kind]} file to upload (CSV or XLSX)",
                                           "href": "#file"}], 400, mapping=chosen)
    if Path(file.filename).suffix.lower() not in SUFFIXES:
        return _form_page(request, kind, [{"text": f"{Path(file.filename).name}: the file must be a CSV or XLSX "
                                                   "file. Save it from Excel as CSV or Excel Workbook (.xlsx)",
                                           "href": "#file"}], 400, mapping=chosen)
    if chosen and chosen not in saved_mappings(request):
        return _form_page(request, kind, [{"text": "Choose one of the saved column mappings", "href": "#mapping"}],
                          400)
    root = held_root(request)
    _forget_old(root)
    upload_id = secrets.token_urlsafe(18)
    folder = root / upload_id
    folder.mkdir(parents=True)
    limits = Limits.from_settings(settings)
    try:
        path = await _keep(file, folder, _file_name(file, kind + ".csv"), settings.max_import_bytes, what)
        mapping = None
        if kind == "register" and isinstance(mapping_file, UploadFile) and mapping_file.filename:
            mapping = await _keep(mapping_file, folder, "mapping-" + _file_name(mapping_file, "mapping.yaml"),
                                  settings.max_yaml_bytes, "The column mapping")
            read_mapping(mapping, limits)  # checked before the register, as the CLI does
        elif kind == "register" and chosen:
            mapping = path_inside(mappings_dir(request), chosen)
        held = {"kind": kind, "file": path.name, "mapping": str(mapping) if mapping else None,
                "new_mapping": bool(mapping and mapping.parent == folder)}
        if path.stat().st_size > settings.check_in_background_bytes:  # decided by size, before reading it
            held["checking"] = True
        else:  # a small file: checked here, in a worker thread, so the server goes on answering everyone else
            held.update(await run_in_threadpool(_check, request, kind, path, mapping, limits))
    except AuditError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _form_page(request, kind, _problems(exc), 400, mapping=chosen)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _write_json(folder, "held.json", held)
    request.session["uploads"] = [*request.session.get("uploads", [])[-4:], upload_id]
    if held.get("checking"):
        _write_json(folder, "check.json", {"state": "running", "started": clock.now().isoformat()})
        _start(request, f"check-{upload_id[:6]}", request.app.state.run_check, settings, kind, folder, path, mapping)
    return RedirectResponse(f"/imports/{upload_id}", status_code=303)


def _start(request: Request, name: str, target, *args) -> None:
    """Run a flow in its own thread, not a BackgroundTask that would hold the request."""
    start_flow_thread(request.app, name, target, *args)


def _check(request: Request, kind: str, path: Path, mapping: Path | None, limits: Limits) -> dict:
    """The file checked whole by the import's own reader, and counted; raises InputRejected (nothing stored)."""
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        if kind == "register":
            return preview_register(session, area, path, mapping, limits).__dict__
        return preview_auditors(session, area, path, limits).__dict__


def _held(request: Request, upload_id: str) -> tuple[Path, dict]:
    """An upload this session made and has not yet confirmed or cancelled; anything else is 'not found'."""
    folder = held_root(request) / upload_id
    if (not UPLOAD_ID.fullmatch(upload_id) or upload_id not in request.session.get("uploads", [])
            or not (folder / "held.json").is_file()):
        raise Refused("object", "There is no upload waiting to be confirmed here. Upload the file again.", 404)
    return folder, json.loads((folder / "held.json").read_text(encoding="utf-8"))


def _let_go(request: Request, upload_id: str, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    request.session["uploads"] = [u for u in request.session.get("uploads", []) if u != upload_id]


@router.get("/imports/{upload_id}")
def confirm_page(request: Request, upload_id: str, user: Importing):
    folder, held = _held(request, upload_id)
    if held.get("checking"):
        check = _check_state(folder)
        if check["state"] == "failed":  # refused whole: the problems by file, row and column, nothing kept
            _let_go(request, upload_id, folder)
            return _form_page(request, held["kind"], [{"text": p, "href": "#file"} for p in check["problems"]], 400)
        if check["state"] != "done":
            return page(request, "import_checking.html", title=f"Checking the {KINDS[held['kind']]}", held=held,
                        what=KINDS[held["kind"]], check=check, refresh=REFRESH_SECONDS)
        held = {**held, **check["preview"], "checking": False}
        _write_json(folder, "held.json", held)
    run = _run_state(folder)
    if run and run["state"] == "done":  # a large import's flow has finished: say what it did
        _let_go(request, upload_id, folder)
        request.session["import_done"] = {"kind": held["kind"], "what": KINDS[held["kind"]], **run["report"]}
        return RedirectResponse("/imports", status_code=303)
    if run and run["state"] == "failed":
        _let_go(request, upload_id, folder)
        return _form_page(request, held["kind"], [{"text": p, "href": "#file"} for p in run["problems"]], 400)
    return page(request, "import_confirm.html", title=f"Check and import the {KINDS[held['kind']]}",
                held=held, upload_id=upload_id, what=KINDS[held["kind"]], run=run,
                refresh=REFRESH_SECONDS if run else None)


def _read_json(folder: Path, name: str) -> dict | None:
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(folder: Path, name: str, state: dict) -> None:
    """Written whole or not at all (another worker process may be reading it)."""
    tmp = folder / f"{name}.tmp"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(folder / name)


def _run_state(folder: Path) -> dict | None:
    return _read_json(folder, "run.json")


def _write_run(folder: Path, state: dict) -> None:
    _write_json(folder, "run.json", state)


def _check_state(folder: Path) -> dict:
    """How a large file's check stands: running, done (with its counts) or failed (with its problems)."""
    state = _read_json(folder, "check.json") or {"state": "running", "started": clock.now().isoformat()}
    age = clock.now() - datetime.fromisoformat(state["started"]) if state["state"] == "running" else None
    if age is not None and age.total_seconds() > STALE_MINUTES * 60:
        return {"state": "failed", "problems": ["The check of the file did not finish (the service was "
                                                "restarted); nothing was saved. Upload the file again."]}
    return state


def run_check(settings, kind: str, folder: Path, path: Path, mapping: Path | None) -> None:
    """Check a large held file as a Prefect flow run (flows/imports.py), in its own thread; record the outcome."""
    from flows.runtime import configure_local_prefect

    try:
        configure_local_prefect(settings)
        from flows.imports import check_file

        preview = check_file(kind, str(path), str(mapping) if mapping else None, area_code=settings.area_code,
                             database_url=settings.resolved_database_url, data_dir=str(settings.data_dir))
        state = {"state": "done", "preview": preview}
    except AuditError as exc:
        state = {"state": "failed", "problems": [e["text"] for e in _problems(exc)]}
    except Exception as exc:  # shown to the QA lead; a check stores nothing
        log.exception("The check of %s failed", path.name)
        state = {"state": "failed", "problems": [f"The check of {path.name} did not finish ({type(exc).__name__}); "
                                                 "nothing was saved. Upload the file again, or ask the service's "
                                                 "operator."]}
    _write_json(folder, "check.json", state)


def run_import(settings, kind: str, folder: Path, path: Path, mapping: Path | None, by: str) -> None:
    """Import a large held file as a Prefect flow run (flows/imports.py), in its own thread; record how it ended."""
    from flows.runtime import configure_local_prefect

    try:
        configure_local_prefect(settings)
        from flows.imports import import_file

        report = import_file(kind, str(path), str(mapping) if mapping else None, by=by, area_code=settings.area_code,
                             database_url=settings.resolved_database_url, data_dir=str(settings.data_dir))
        state = {"state": "done", "report": report}
    except AuditError as exc:
        problems = exc.problems if isinstance(exc, InputRejected) else [Problem(str(exc))]
        state = {"state": "failed", "problems": [str(p) for p in problems[:100]]}
    except Exception as exc:  # shown to the QA lead; the import wrote nothing (one transaction)
        log.exception("The import of %s failed", path.name)
        state = {"state": "failed", "problems": [f"The import did not finish ({type(exc).__name__}); nothing was "
                                                 "saved. Upload the file again, or ask the service's operator."]}
    _write_run(folder, state)


@router.post("/imports/{upload_id}/confirm")
def confirm(request: Request, upload_id: str, user: Importing):
    folder, held = _held(request, upload_id)
    if held.get("checking"):  # not checked yet: nothing to confirm; the page says how the check stands
        return RedirectResponse(f"/imports/{upload_id}", status_code=303)
    settings = request.app.state.settings
    path, mapping = folder / held["file"], Path(held["mapping"]) if held["mapping"] else None
    if held["rows"] > request.app.state.big_import_rows:
        if _run_state(folder) is None:  # one run per upload; a second click just shows its progress
            _write_run(folder, {"state": "running", "started": clock.now().isoformat()})
            _start(request, f"import-{upload_id[:6]}", request.app.state.run_import,
                   settings, held["kind"], folder, path, mapping, f"web:{user.username}")
        return RedirectResponse(f"/imports/{upload_id}", status_code=303)
    try:
        with store(request) as session:
            area = get_area(session, settings.area_code, create=True)
            if held["kind"] == "register":
                report = import_register(session, area, path, mapping, Limits.from_settings(settings))
            else:
                report = import_auditors(session, area, path, Limits.from_settings(settings))
    except AuditError as exc:  # the store changed since the check, or the file did: nothing was saved
        _let_go(request, upload_id, folder)
        return _form_page(request, held["kind"], _problems(exc), 400)
    if held.get("new_mapping") and mapping is not None:
        mappings_dir(request).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mapping, path_inside(mappings_dir(request), mapping.name.removeprefix("mapping-")))
    _let_go(request, upload_id, folder)
    request.session["import_done"] = {"kind": held["kind"], "what": KINDS[held["kind"]], "file": report.file,
                                      "rows": report.rows, "created": report.created, "updated": report.updated,
                                      "unchanged": report.unchanged, "warnings": report.warnings[:20]}
    return RedirectResponse("/imports", status_code=303)


@router.post("/imports/{upload_id}/cancel")
def cancel(request: Request, upload_id: str, user: Importing):
    folder, _ = _held(request, upload_id)
    _let_go(request, upload_id, folder)
    return RedirectResponse("/imports", status_code=303)
