"""Editing the inspection pack's self-evaluation in the browser, heading by heading, every version kept.

The paragraph is edited as its template: words and figure tokens (reports/inspection_tokens.py). The page
lists each figure the paragraph quotes with its token, today's value and the workbook sheet and cell it comes
from; a save is refused (GOV.UK error summary) when it names a token the evidence has not got or types a
number of its own. Each save is a new version (audit/results/self_evaluation.py) with who and when; the
latest is what the pack uses, earlier ones stay readable.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from audit import clock
from audit.errors import AuditError
from audit.results.self_evaluation import GENERATED, save_version, versions
from audit.words import moment
from web.deps import CheckedFirst, Id, Refused, form_data, page, store
from web.inspection import Producing, cycle_with_results

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)


def _heading(session, request: Request, cycle_id: int, heading_key: str) -> tuple[dict, dict]:
    """The heading of this cycle's published pack, and the pack's evidence (for the tokens)."""
    from reports.inspection import build_inspection

    cycle = cycle_with_results(session, request, cycle_id)
    settings = request.app.state.settings
    pack = build_inspection(session, cycle, clock.today(), settings.small_number_threshold, audience="published")
    heading = next((h for h in pack["headings"] if h["key"] == heading_key), None)
    if heading is None:
        raise Refused("object", f"The inspection framework has no heading '{heading_key}'.", 404)
    return heading | {"cycle_name": cycle.name}, pack["evidence"]


def _versions(session, cycle_id: int, heading_key: str) -> list[dict]:
    return [{"number": v.number, "by": v.made_by, "at": moment(v.made_at), "generated": v.made_by == GENERATED}
            for v in versions(session, cycle_id, heading_key)][::-1]


def _editor(request: Request, cycle_id: int, heading_key: str, *, text: str | None = None, errors=None,
            status: int = 200, saved: int | None = None):
    with store(request) as session:
        heading, evidence = _heading(session, request, cycle_id, heading_key)
        history = _versions(session, cycle_id, heading_key)
    figures = [f | {"where": f"{f['sheet']}, " + (f"cell {f['cell']}" if f.get("cell") else
                                                  f"rows {f['rows'][0]} to {f['rows'][1]}"),
                    "title": evidence[f["table"]]["title"]} for f in heading["figures"]]
    return page(request, "self_evaluation.html", status=status, title=f"Self-evaluation: {heading['title']}",
                cycle_id=cycle_id, heading=heading, text=heading["template"] if text is None else text,
                figures=figures, history=history, errors=errors or [], saved=saved)


@router.get("/inspection/{cycle_id}/self-evaluation/{heading_key}")
def edit_page(request: Request, cycle_id: Id, heading_key: str, user: Producing, saved: int | None = None):
    return _editor(request, cycle_id, heading_key, saved=saved)


@router.post("/inspection/{cycle_id}/self-evaluation/{heading_key}")
def save(request: Request, cycle_id: Id, heading_key: str, user: Producing,
         form: Annotated[FormData, Depends(form_data)]):
    from reports.inspection_tokens import check_edit

    text = str(form.get("paragraph") or "").strip().replace("\r\n", "\n")
    with store(request, write=True) as session:
        heading, evidence = _heading(session, request, cycle_id, heading_key)
        problems = check_edit(text, heading["generated"], evidence)
        if not problems:
            try:
                version = save_version(session, cycle_id, heading_key, text, user.username, heading["generated"])
            except AuditError as exc:
                problems = [str(exc).rstrip(".")]
            else:
                number = version.number
    if problems:
        return _editor(request, cycle_id, heading_key, text=text, status=400,
                       errors=[{"text": p, "href": "#paragraph"} for p in problems])
    return RedirectResponse(f"/inspection/{cycle_id}/self-evaluation/{heading_key}?saved={number}", status_code=303)


@router.get("/inspection/{cycle_id}/self-evaluation/{heading_key}/versions/{number}")
def version_page(request: Request, cycle_id: Id, heading_key: str, number: Id, user: Producing):
    from reports.inspection_tokens import resolve

    with store(request) as session:
        heading, evidence = _heading(session, request, cycle_id, heading_key)
        chosen = next((v for v in versions(session, cycle_id, heading_key) if v.number == number), None)
        if chosen is None:
            raise Refused("object", f"The heading '{heading['title']}' has no version {number}.", 404)
        paragraph, _, missing = resolve(chosen.text, evidence)
        shown = {"number": chosen.number, "by": chosen.made_by, "at": moment(chosen.made_at), "text": chosen.text,
                 "paragraph": paragraph, "generated": chosen.made_by == GENERATED}
        latest = versions(session, cycle_id, heading_key)[-1].number
    return page(request, "self_evaluation_version.html", title=f"Version {number}: {heading['title']}",
                cycle_id=cycle_id, heading=heading, version=shown, latest=latest, missing=missing)
