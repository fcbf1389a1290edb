"""The audit trail for QA leads and admins: who did what to what, in words; filter by person, plan, date, table
and kind of change; export the raw entries as CSV."""

from __future__ import annotations

import io
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from audit.protection.permissions import Permission
from audit.protection.trail_search import ACTIONS, TrailFilter, count_entries, find_entries, tables_in_trail, write_csv
from audit.protection.trail_words import TrailReader, details, noun
from audit.store.models import User
from audit.vocabulary import label
from audit.words import parse_day
from web.deps import CheckedFirst, allow, page, store

PAGE_SIZE = 50

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Reading = Annotated[User, Depends(allow(Permission.view_audit_trail))]
FIELDS = ("actor", "plan", "table", "row", "action", "since", "until")


def _filter(values: dict[str, str]) -> tuple[TrailFilter | None, list[dict]]:
    """The filter from the query string, or the errors to show (GOV.UK error summary items)."""
    errors, dates = [], {}
    for key in ("since", "until"):
        text = values[key]
        try:
            dates[key] = parse_day(text) if text else None
        except ValueError:
            errors.append({"text": f"Enter the {'start' if key == 'since' else 'end'} date as a day, month and year, "
                                   "for example 1/11/2026", "href": f"#{key}"})
    if errors:
        return None, errors
    f = TrailFilter(actor=values["actor"], plan=values["plan"], table=values["table"], row_key=values["row"],
                    action=values["action"], since=dates["since"], until=dates["until"])
    return (None, [{"text": f"{p.message}: {p.fix}", "href": f"#{p.column}"} for p in f.problems()]) if f.problems() else (f, [])


def _values(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip()[:200] for k in FIELDS}


@router.get("/trail")
def trail(request: Request, user: Reading):
    return _trail_page(request)


def _trail_page(request: Request):
    values = _values(request)
    f, errors = _filter(values)
    number = request.query_params.get("page", "1")
    number = int(number) if number.isdigit() and 0 < int(number) < 10**6 else 1
    rows, total = [], 0
    with store(request) as session:
        tables = [(t, noun(t).capitalize()) for t in tables_in_trail(session)]
        if f is not None:
            total = count_entries(session, f)
            reader = TrailReader(session)
            for e in find_entries(session, f, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE):
                rows.append({"id": e.id, "at": e.at, "sentence": reader.sentence(e), "details": details(e)})
    return page(request, "trail.html", status=400 if errors else 200, title="Audit trail", rows=rows, total=total,
                values=values, errors=errors, actions=[(a, label(a, "trail_action").capitalize()) for a in ACTIONS],
                tables=tables, page_number=number, pages=max(1, -(-total // PAGE_SIZE)),
                query=urlencode({k: v for k, v in values.items() if v}), error_for={e["href"]: e["text"] for e in errors})


@router.get("/trail/export.csv")
def export(request: Request, user: Reading):
    f, _errors = _filter(_values(request))
    if f is None:
        return _trail_page(request)
    buffer = io.StringIO()
    with store(request) as session:
        write_csv(session, f, buffer)
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'})
