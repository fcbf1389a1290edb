"""QA leads: upload plan documents in the browser (DOCX, PDF with a text layer, ZIPs of them, an optional mapping
file and heading mapping), imported all or nothing as `ehcp-audit plans documents import` does.

The files are held under <data_dir>/uploads/<random id> (an id only this browser's session knows, as for the
register's uploads in web/uploads.py). A small upload is imported at once, in a worker thread so the server goes
on answering others; a large one (more than `BIG_DOCUMENT_BYTES`) is handed to the `import-plan-documents`
Prefect flow (flows/imports.py) in its own thread, and its page refreshes itself every few seconds until the
run has finished. Either way the result page says which files matched which plan, the sections found and the
pre-check's flags, or, when the import was refused, every problem by file with its fix (nothing stored) and
which files did match. The held documents are removed as soon as the import has ended; only its summary stays
(for HELD_HOURS, like any upload).
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from audit import clock
from audit.cycle.lifecycle import find_area
from audit.documents.intake import IntakeLimits
from audit.documents.precheck import area_rules
from audit.documents.storage import import_documents, import_summary, refusal_summary
from audit.errors import AuditError, InputRejected, Problem
from audit.protection.permissions import Permission
from audit.store.models import User
from web.deps import CheckedFirst, Refused, allow, form_data, page, store
from web.trigger import start_flow_thread
from web.uploads import UPLOAD_ID, _forget_old, _keep, held_root

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Importing = Annotated[User, Depends(allow(Permission.import_data))]
DOCUMENT_SUFFIXES = (".docx", ".pdf", ".zip", ".docm")  # .docm is refused by the intake, by name, with its fix
BIG_DOCUMENT_BYTES = 2_000_000  # about 50 plans: more is imported by a flow run while the page refreshes
REFRESH_SECONDS = 3
MAX_FILES = 200
STALE_MINUTES = 30  # a run still 'running' after this long was interrupted


def upload_limit(settings) -> int:
    """The most bytes one uploaded file may hold: a ZIP of plans, at most ten documents' worth of the intake's
    limit (as the CLI), and never more than the service's import limit."""
    return min(settings.max_import_bytes, IntakeLimits().file_bytes * 10)


def _form(request: Request, errors: list | None = None, status: int = 200, files: list | None = None):
    return page(request, "document_import.html", status=status, title="Upload plan documents",
                errors=errors or [], files=files or [], max_bytes=upload_limit(request.app.state.settings),
                recent=recent(request))


def recent(request: Request) -> list[tuple[str, dict]]:
    """This session's document uploads still on record, newest first (linked from the upload form)."""
    found = []
    for upload_id in reversed(request.session.get("document_uploads", [])):
        state = _state(held_root(request) / upload_id) if UPLOAD_ID.fullmatch(upload_id) else {}
        if state:
            found.append((upload_id, state))
    return found


@router.get("/documents/import")
def import_form(request: Request, user: Importing):
    return _form(request)


def _name(upload: UploadFile) -> str:
    """The file's own name as the QA lead knows it (the plan reference in it is how it is matched)."""
    name = Path((upload.filename or "").replace("\\", "/")).name.strip()
    return name if name and not name.startswith(".") else "document"


def _summary_errors(summary: dict) -> list[dict]:
    entries = [{"text": text, "href": "#files"} for text in summary["problems"]]
    if summary.get("more"):
        entries.append({"text": f"... and {summary['more']} more problems: fix these and upload the files again",
                        "href": "#files"})
    return entries


async def _hold(request: Request, form: FormData, folder: Path) -> tuple[list[Path], Path | None, Path | None]:
    """Copy the uploads into the held folder, each document in its own numbered folder under its own name."""
    settings = request.app.state.settings
    limit, paths = upload_limit(settings), []
    for i, upload in enumerate(f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename):
        slot = folder / "files" / str(i)
        slot.mkdir(parents=True)
        paths.append(await _keep(upload, slot, _name(upload), limit, "The plan documents"))
    extras = []
    for field, suffixes, what in (("mapping_file", (".csv",), "The mapping file"),
                                  ("headings_file", (".yaml", ".yml"), "The heading mapping")):
        upload = form.get(field)
        if not isinstance(upload, UploadFile) or not upload.filename:
            extras.append(None)
            continue
        name = _name(upload)
        if Path(name).suffix.lower() not in suffixes:
            raise InputRejected(what, [Problem(f"it must be a {' or '.join(suffixes)} file", file=name,
                                               fix="see docs/documents.md for its columns"
                                               if field == "mapping_file" else "see docs/documents.md for an example")])
        slot = folder / field
        slot.mkdir()
        extras.append(await _keep(upload, slot, name, settings.max_yaml_bytes, what))
    return paths, extras[0], extras[1]


def _import_now(request: Request, paths: list[Path], mapping: Path | None, headings: Path | None) -> dict:
    """Import in this (worker) thread, in one transaction; the summary of what it did or why it was refused."""
    settings = request.app.state.settings
    try:
        with store(request, write=True) as session:
            area = find_area(session, settings.area_code)
            if area is None:
                raise AuditError("No plan register has been imported yet, so no document can be matched to a plan. "
                                 "Import the register first.")
            report = import_documents(session, area, paths, area_rules(settings, area.code, session),
                                      mapping_file=mapping,
                                      headings=headings)
            return import_summary(report)
    except InputRejected as exc:
        return refusal_summary(exc)


def run_document_import(settings, folder: Path, paths: list[Path], mapping: Path | None, headings: Path | None,
                        by: str) -> None:
    """Import a large upload as the `import-plan-documents` flow run, in its own thread; record how it ended."""
    from flows.runtime import configure_local_prefect

    try:
        configure_local_prefect(settings)
        from flows.imports import import_plan_documents

        state = import_plan_documents([str(p) for p in paths], str(mapping) if mapping else None,
                                      str(headings) if headings else None, by=by, area_code=settings.area_code,
                                      database_url=settings.resolved_database_url, data_dir=str(settings.data_dir))
    except InputRejected as exc:
        state = refusal_summary(exc)
    except AuditError as exc:
        state = refusal_summary(InputRejected("The plan documents", [Problem(str(exc))]))
    except Exception as exc:  # shown to the QA lead; the import wrote nothing (one transaction)
        log.exception("The import of plan documents failed")
        state = refusal_summary(InputRejected("The plan documents", [Problem(
            f"the import did not finish ({type(exc).__name__}); nothing was saved",
            fix="upload the files again, or ask the service's operator")]))
    _finish(folder, state)


def _finish(folder: Path, state: dict) -> None:
    """Keep how the import ended and let go of the documents themselves (special-category data)."""
    state = {**_state(folder), **state, "finished": clock.now().isoformat()}
    shutil.rmtree(folder / "files", ignore_errors=True)
    for extra in ("mapping_file", "headings_file"):
        shutil.rmtree(folder / extra, ignore_errors=True)
    tmp = folder / "run.json.tmp"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(folder / "run.json")


def _state(folder: Path) -> dict:
    try:
        return json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@router.post("/documents/import")
async def upload_documents(request: Request, user: Importing, form: Annotated[FormData, Depends(form_data)]):
    chosen = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not chosen:
        return _form(request, [{"text": "Choose the plan documents to upload (DOCX, PDF or a ZIP of them)",
                                "href": "#files"}], 400)
    if len(chosen) > MAX_FILES:
        return _form(request, [{"text": f"Choose at most {MAX_FILES} files at once, or put them in a ZIP",
                                "href": "#files"}], 400)
    wrong = [_name(f) for f in chosen if Path(_name(f)).suffix.lower() not in DOCUMENT_SUFFIXES]
    if wrong:
        return _form(request, [{"text": f"{name}: this is not a plan document this tool reads. Upload DOCX, PDF "
                                        "with a text layer, or a ZIP of them", "href": "#files"} for name in wrong],
                     400)
    root = held_root(request)
    _forget_old(root)
    upload_id = secrets.token_urlsafe(18)
    folder = root / upload_id
    folder.mkdir(parents=True)
    try:
        paths, mapping, headings = await _hold(request, form, folder)
    except AuditError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        problems = exc.problems if isinstance(exc, InputRejected) else [Problem(str(exc))]
        return _form(request, [{"text": str(p), "href": "#files"} for p in problems], 400)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    request.session["document_uploads"] = [*request.session.get("document_uploads", [])[-4:], upload_id]
    started = {"state": "running", "by": user.username, "started": clock.now().isoformat(),
               "names": [p.name for p in paths], "bytes": sum(p.stat().st_size for p in paths)}
    (folder / "run.json").write_text(json.dumps(started), encoding="utf-8")
    if started["bytes"] > request.app.state.big_document_bytes:
        start_flow_thread(request.app, f"documents-{upload_id[:6]}", request.app.state.run_document_import,
                          request.app.state.settings, folder, paths, mapping, headings, f"web:{user.username}")
        return RedirectResponse(f"/documents/import/{upload_id}", status_code=303)
    try:
        state = await run_in_threadpool(_import_now, request, paths, mapping, headings)
    except AuditError as exc:
        state = refusal_summary(InputRejected("The plan documents", [Problem(str(exc))]))
    _finish(folder, state)
    if state["state"] == "failed":  # the form again, every problem by file, and which files did match
        return _form(request, _summary_errors(state), 400, files=state["files"])
    return RedirectResponse(f"/documents/import/{upload_id}", status_code=303)


@router.get("/documents/import/{upload_id}")
def import_result(request: Request, upload_id: str, user: Importing):
    folder = held_root(request) / upload_id
    state = _state(folder) if UPLOAD_ID.fullmatch(upload_id) else {}
    if not state or upload_id not in request.session.get("document_uploads", []):
        raise Refused("object", "There is no plan-document upload here. Upload the documents again.", 404)
    if state["state"] == "running" and (clock.now() - datetime.fromisoformat(state["started"])).total_seconds() > \
            STALE_MINUTES * 60:  # the service stopped while it ran: the transaction was never committed
        state = refusal_summary(InputRejected("The plan documents", [Problem(
            "the import was interrupted (the service stopped while it ran); nothing was saved",
            fix="upload the files again")]))
    failed = state["state"] == "failed"
    return page(request, "document_import_result.html",
                title="Plan documents " + {"running": "being imported", "done": "imported"}.get(
                    state["state"], "not imported"),
                state=state, errors=_summary_errors(state) if failed else [],
                refresh=REFRESH_SECONDS if state["state"] == "running" else None)
