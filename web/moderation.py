"""QA leads and moderators: the moderation queue, both scorecards side by side, agreed grades, agreement figures.

Every rule lives in audit.moderation.marking and audit.moderation.agreement; these pages only show and collect.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from audit.cycle.assignment import cycle_rubric
from audit.errors import AuditError, Conflict, InputRejected
from audit.moderation.agreement import HIGH_RAW_LOW_ALPHA, MIN_UNITS
from audit.moderation.marking import double_marked, moderate, moderation_queue
from audit.moderation.views import moderation_overview, score_labels, side_by_side
from audit.protection.permissions import Permission
from audit.store.models import Auditor, User
from audit.vocabulary import Agency, Grade
from web.deps import CheckedFirst, Id, Refused, allow, form_data, page, store
from web.lists import listing
from web.qa import _cycle

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
Moderating = Annotated[User, Depends(allow(Permission.moderate))]
AGREEMENT_TABLES = [("cycle", "Whole cycle"), ("agency", "By agency"), ("section", "By section"),
                    ("auditor", "By auditor")]


def moderator_code(session, user: User) -> str:
    """Who the moderator is in the record: their auditor code when they have one (so the own-plan rule bites)."""
    auditor = session.get(Auditor, user.auditor_id) if user.auditor_id else None
    return auditor.code if auditor else user.username


def _agency(code: str) -> str:
    return Agency(code).label if code in Agency.values() else code


QUEUE_SORTS = {"plan": lambda r: r["plan_ref"], "agency": lambda r: r["agency"], "left": lambda r: len(r["left"])}


@router.get("/cycles/{cycle_id}/moderation")
def queue_page(request: Request, cycle_id: Id, user: Moderating, q: str = "", sort: str = "", order: str = "",
               page_number: Annotated[str, Query(alias="page")] = "1"):
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        queue = [{"sampled_plan_id": p.sampled_plan_id, "plan_ref": p.plan_ref, "agency": _agency(p.agency),
                  "first": p.first.auditor.code, "second": p.second.auditor.code, "reasons": p.disagreement,
                  "left": [s for s in p.first.assignment.sections if s not in p.moderated]}
                 for p in moderation_queue(session, cycle)]
        shown = listing(queue, path=f"/cycles/{cycle.id}/moderation", sorts=QUEUE_SORTS, default_sort="plan",
                        text=lambda r: f"{r['plan_ref']} {r['agency']} {r['first']} {r['second']}", q=q, sort=sort,
                        order=order, page=page_number)
        return page(request, "moderation_queue.html", title=f"Moderation: {cycle.name}", cycle=cycle,
                    queue=shown.rows, listing=shown)


def _plan_page(request: Request, session, cycle, sampled_plan_id: int, errors: list | None = None,
               values: dict | None = None, status: int = 200, done: str = ""):
    pieces = [p for p in double_marked(session, cycle) if p.sampled_plan_id == sampled_plan_id]
    if not pieces:
        raise Refused("object", f"Plan {sampled_plan_id} of this cycle has no double-marked sections with both "
                                "scorecards in.", 404)
    rubric = cycle_rubric(session, cycle)
    views = []
    for p in pieces:
        frame = side_by_side(p, session)
        by_criterion = {r["criterion_id"]: r for r in frame.to_dict("records")}
        sections = []
        for code in p.first.assignment.sections:
            section = rubric.section(code)
            first, second = p.first.sections.get(code), p.second.sections.get(code)
            sections.append({
                "code": code, "title": section.title,
                "first": first.label if first else "Not graded", "second": second.label if second else "Not graded",
                "criteria": [{"id": c.id, "text": c.text, **by_criterion[c.id]}
                             for c in section.criteria if c.id in by_criterion],
                "moderated": p.moderated.get(code),
                "moderated_label": Grade(p.moderated[code].grade).label if code in p.moderated else "",
                "to_moderate": p.needs_moderator and code not in p.moderated,
            })
        views.append({"agency": p.agency, "agency_label": _agency(p.agency), "first_by": p.first.auditor.code,
                      "second_by": p.second.auditor.code, "reasons": p.disagreement, "sections": sections})
    plan_ref = pieces[0].plan_ref
    labels = score_labels(session, cycle)
    labels = labels[labels["plan_ref"] == plan_ref].to_dict("records")
    return page(request, "moderation_plan.html", status=status, title=f"Moderate {plan_ref}", cycle=cycle,
                plan_ref=plan_ref, sampled_plan_id=sampled_plan_id, pieces=views, labels=labels,
                grades=[(int(g), g.label) for g in sorted(Grade, reverse=True)], errors=errors or [],
                values=values or {}, done=done)


@router.get("/cycles/{cycle_id}/moderation/{sampled_plan_id}")
def plan_page(request: Request, cycle_id: Id, sampled_plan_id: Id, user: Moderating, done: str = ""):
    with store(request) as session:
        return _plan_page(request, session, _cycle(session, request, cycle_id), sampled_plan_id, done=done)


@router.post("/cycles/{cycle_id}/moderation/{sampled_plan_id}")
def record(request: Request, cycle_id: Id, sampled_plan_id: Id, user: Moderating,
           form: Annotated[FormData, Depends(form_data)]):
    agency, section = str(form.get("agency", "")), str(form.get("section", ""))
    grade, rationale = str(form.get("grade", "")), str(form.get("rationale", ""))
    key = f"{agency}-{section}"
    errors, status = [], 400
    if grade not in {str(int(g)) for g in Grade}:
        errors.append({"text": f"Choose the agreed grade for section {section}", "href": f"#grade-{key}"})
    if not rationale.strip():
        errors.append({"text": f"Enter why this grade was agreed for section {section}", "href": f"#rationale-{key}"})
    if not errors:
        try:
            with store(request) as session:
                cycle = _cycle(session, request, cycle_id)
                piece = next((p for p in double_marked(session, cycle)
                              if p.sampled_plan_id == sampled_plan_id and p.agency == agency), None)
                if piece is None:
                    raise Refused("object", f"Plan {sampled_plan_id} has no double-marked {agency} sections.", 404)
                moderate(session, cycle, piece.plan_ref, agency, moderator_code(session, user),
                         {section: (Grade(int(grade)), rationale)})
            return RedirectResponse(f"/cycles/{cycle_id}/moderation/{sampled_plan_id}?done=recorded",
                                    status_code=303)
        except InputRejected as exc:
            errors += [{"text": str(p), "href": f"#rationale-{key}" if p.column == "rationale" else f"#grade-{key}"}
                       for p in exc.problems]
        except AuditError as exc:  # e.g. Conflict: a marker cannot moderate their own plan
            status = 409 if isinstance(exc, Conflict) else 400
            errors.append({"text": str(exc), "href": f"#grade-{key}"})
    with store(request) as session:
        return _plan_page(request, session, _cycle(session, request, cycle_id), sampled_plan_id, errors=errors,
                          status=status,
                          values={"key": key, "grade": grade, "rationale": rationale})


@router.get("/cycles/{cycle_id}/agreement")
def agreement_page(request: Request, cycle_id: Id, user: Moderating):
    with store(request) as session:
        cycle = _cycle(session, request, cycle_id)
        overview = moderation_overview(session, cycle)
    tables = [(caption, [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                         for row in overview["agreement"][key].to_dict("records")])
              for key, caption in AGREEMENT_TABLES]
    return page(request, "agreement.html", title=f"Agreement: {cycle.name}", cycle=cycle, overview=overview,
                tables=tables, min_units=MIN_UNITS, high_raw_low_alpha=HIGH_RAW_LOW_ALPHA)
