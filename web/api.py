"""The JSON API (/api/v1): submit scorecards and read results, for case-management systems and dashboards.

Authenticate with `Authorization: Bearer <token>` (from `ehcp-audit users token USERNAME`), or with the web
session cookie plus an `X-CSRF-Token` header on writes. Docs at /api/docs, schema at /api/openapi.json.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import select

from audit import clock
from audit.cycle.assignment import cycle_rubric
from audit.cycle.lifecycle import assignment_state, cycle_progress, find_area
from audit.cycle.plan_details import plan_details
from audit.cycle.scorecards import (
    GradeEntry,
    assigned_criteria,
    assignments_for,
    load_entries,
    save_scorecard,
)
from audit.errors import Conflict, InputRejected, NotFound
from audit.protection.permissions import Permission
from audit.store.models import Auditor, Cycle, Scorecard, User
from audit.vocabulary import Grade, ScorecardStatus
from web.auditor import continue_if_complete, own_assignment
from web.board import cycles_with_results, summary_for
from web.deps import CheckedFirst, Id, Refused, allow, one_save_at_a_time, public, store
from web.errors import problem

# Refusals are documented below, once the model exists.
router = APIRouter(prefix="/api/v1", tags=["v1"], route_class=CheckedFirst)
docs = APIRouter(prefix="/api", include_in_schema=False, route_class=CheckedFirst)
Auditing = Annotated[User, Depends(allow(Permission.grade_plans))]
Reading = Annotated[User, Depends(allow(Permission.view_results))]


class Me(BaseModel):
    username: str
    role: str
    auditor_code: str | None = None


class CriterionOut(BaseModel):
    section: str
    criterion_id: str
    text: str
    descriptors: dict[str, str]
    grade: str | None = None
    comment: str = ""
    not_applicable_allowed: bool = False  # the rubric lets the auditor mark it "Not applicable" with a reason


class AssignmentOut(BaseModel):
    id: int
    cycle_id: int
    plan_ref: str
    sections: list[str]
    due_date: date
    status: str = Field(description="not_started, draft, late or submitted")


class PlanOut(BaseModel):
    fields: dict[str, str] = Field(description="Pseudonymised register fields: plan reference, team, phase, ...")
    officers: dict[str, str] | None = Field(
        description="Case officer and advice authors (codes); null for roles without see_officer_names")


class AssignmentDetail(AssignmentOut):
    plan: PlanOut
    criteria: list[CriterionOut]


GradeName = Literal["Outstanding", "Good", "Requires Improvement", "Inadequate", "4", "3", "2", "1", "Not applicable"]


class GradeIn(BaseModel):
    criterion_id: str
    grade: GradeName | None = Field(None, description="The grade's name, or 4 (Outstanding) to 1 (Inadequate); "
                                                      "\"Not applicable\" where the rubric allows it (the reason "
                                                      "as the comment); null = not graded yet (drafts only)")
    comment: str = Field("", description="Required for Requires Improvement and Inadequate when submitting")


class ScorecardIn(BaseModel):
    submit: bool = Field(False, description="false saves a draft; true submits (then it cannot change)")
    grades: list[GradeIn]


class ScorecardOut(BaseModel):
    assignment_id: int
    status: str
    submitted_at: datetime | None
    late: bool
    cycle_complete: bool = Field(description="true when this was the cycle's last scorecard (the flow continues)")


class CycleOut(BaseModel):
    id: int
    name: str
    status: str
    due_date: date
    has_results: bool


class ProgressOut(BaseModel):
    cycle_id: int
    total: int
    submitted: int
    draft: int
    not_started: int
    late: int
    complete: bool
    by_agency: dict[str, dict[str, int]]
    by_auditor: dict[str, dict[str, int]]


class ProblemOut(BaseModel):
    """Every refusal and rejection: what happened, each problem, and why access was refused (if it was)."""

    detail: str
    problems: list[str] = []
    reason: str | None = Field(None, description="For refusals: signin, role, csrf or object")


# Every operation can meet these: no or a bad token (401), a role without the permission (403), a
# malformed request (422, each problem listed).
router.responses.update({401: {"model": ProblemOut, "description": "Not signed in, or the token is not valid"},
                         403: {"model": ProblemOut, "description": "The role does not give access"},
                         422: {"model": ProblemOut, "description": "The request was rejected; nothing was saved"}})


@router.get("/me", response_model=Me)
def me(request: Request, user: Annotated[User, Depends(allow(Permission.use_account))]):
    with store(request) as session:
        auditor = session.get(Auditor, user.auditor_id) if user.auditor_id else None
    return Me(username=user.username, role=user.role, auditor_code=auditor.code if auditor else None)


@router.get("/assignments", response_model=list[AssignmentOut])
def my_assignments(request: Request, user: Auditing):
    """The signed-in auditor's active assignments in every cycle."""
    out = []
    with store(request) as session:
        auditor = session.get(Auditor, user.auditor_id)
        for cycle in session.exec(select(Cycle).where(Cycle.area_id == auditor.area_id).order_by(Cycle.id)).all():
            for a, plan in assignments_for(session, cycle, auditor):
                card = session.exec(select(Scorecard).where(Scorecard.assignment_id == a.id)).first()
                out.append(AssignmentOut(id=a.id, cycle_id=cycle.id, plan_ref=plan.plan_ref, sections=a.sections,
                                         due_date=a.due_date, status=assignment_state(card, a, clock.today())))
    return out


@router.get("/assignments/{assignment_id}", response_model=AssignmentDetail,
            responses={404: {"model": ProblemOut}})
def assignment_detail(request: Request, assignment_id: Id, user: Auditing):
    """One of your assignments with its criteria, descriptors and what is saved so far."""
    with store(request) as session:
        a, _, cycle, plan = own_assignment(session, user, assignment_id)
        rubric = cycle_rubric(session, cycle)
        card = session.exec(select(Scorecard).where(Scorecard.assignment_id == a.id)).first()
        entries = load_entries(session, card) if card else {}
        criteria = []
        for section, cid in assigned_criteria(rubric, a):
            _, c = rubric.criterion(cid)
            e = entries.get(cid)
            criteria.append(CriterionOut(section=section, criterion_id=cid, text=c.text,
                                         descriptors={g.label: d for g, d in c.descriptors.items()},
                                         grade="Not applicable" if e and e.not_applicable else
                                         e.grade.label if e and e.grade else None, comment=e.comment if e else "",
                                         not_applicable_allowed=c.allow_not_applicable))
        return AssignmentDetail(id=a.id, cycle_id=cycle.id, plan_ref=plan.plan_ref, sections=a.sections,
                                plan=PlanOut(**plan_details(plan, user.role)),
                                due_date=a.due_date, status=assignment_state(card, a, clock.today()), criteria=criteria)


@router.put("/assignments/{assignment_id}/scorecard", response_model=ScorecardOut,
            responses={404: {"model": ProblemOut}, 409: {"model": ProblemOut}, 422: {"model": ProblemOut}})
def put_scorecard(request: Request, assignment_id: Id, body: ScorecardIn, user: Auditing):
    """Save a draft or submit, through the same checks as the web form and spreadsheet import."""
    entries, problems = {}, []
    for g in body.grades:
        try:
            if g.grade == "Not applicable":  # with the reason as the comment, where the rubric allows it
                entries[g.criterion_id] = GradeEntry(None, g.comment, not_applicable=True)
                continue
            entries[g.criterion_id] = GradeEntry(Grade.parse(g.grade) if g.grade not in (None, "") else None, g.comment)
        except ValueError as exc:
            problems.append(f"criterion {g.criterion_id}: {exc}")
    if problems:
        return problem("The scorecard was rejected; nothing was saved.", 422, problems)
    with one_save_at_a_time(assignment_id), store(request, write=True) as session:
        a, auditor, cycle, _ = own_assignment(session, user, assignment_id)
        try:
            with session.begin_nested():
                card = save_scorecard(session, a, auditor, cycle_rubric(session, cycle), entries,
                                      submit=body.submit, source="api")
        except InputRejected as exc:
            return problem(f"{exc.what} was rejected; nothing was saved.", 422, [str(p) for p in exc.problems])
        except Conflict as exc:
            return problem(str(exc), 409)
        except NotFound as exc:
            raise Refused("object", str(exc), 404) from None
        out = ScorecardOut(assignment_id=a.id, status=card.status, submitted_at=card.submitted_at, late=card.late,
                           cycle_complete=False)
    if body.submit and out.status == ScorecardStatus.submitted.value:
        with store(request) as session:
            out.cycle_complete = continue_if_complete(request, session, session.get(Cycle, cycle.id))
    return out


@router.get("/cycles", response_model=list[CycleOut])
def cycles(request: Request, user: Reading):
    with store(request) as session:
        area = find_area(session, request.app.state.settings.area_code)
        if area is None:  # nothing imported yet
            return []
        scored = {c.id for c in cycles_with_results(session, area.code)}
        rows = session.exec(select(Cycle).where(Cycle.area_id == area.id).order_by(Cycle.id)).all()
        return [CycleOut(id=c.id, name=c.name, status=c.status, due_date=c.due_date, has_results=c.id in scored)
                for c in rows]


@router.get("/cycles/{cycle_id}/progress", response_model=ProgressOut, responses={404: {"model": ProblemOut}})
def progress(request: Request, cycle_id: Id, user: Annotated[User, Depends(allow(Permission.manage_cycles))]):
    with store(request) as session:
        cycle = session.get(Cycle, cycle_id)
        if cycle is None:
            raise Refused("object", f"There is no cycle {cycle_id}.", 404)
        p = cycle_progress(session, cycle)
        return ProgressOut(cycle_id=cycle.id, total=p.total, submitted=p.submitted, draft=p.draft,
                           not_started=p.not_started, late=p.late, complete=p.complete, by_agency=p.by_agency,
                           by_auditor=p.by_auditor)


@router.get("/cycles/{cycle_id}/summary", responses={404: {"model": ProblemOut}})
def summary(request: Request, cycle_id: Id, user: Reading) -> dict:
    """The board summary of a scored cycle (schema ehcp-audit/board-summary/2, see docs/formats.md)."""
    return summary_for(request, cycle_id, user)


@docs.get("/openapi.json", dependencies=[Depends(public())])
def openapi(request: Request):
    return JSONResponse(request.app.openapi())


@docs.get("/docs", dependencies=[Depends(public())])
def swagger(request: Request):
    html = get_swagger_ui_html(openapi_url="/api/openapi.json", title="ehcp-audit API",
                               swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/swagger-ui/swagger-ui.css",
                               swagger_favicon_url="/static/app/favicon.svg")
    # Swagger UI starts from an inline script (given this request's nonce) and styles itself inline, so this
    # page alone allows inline styles; scripts stay limited to this site and the nonce.
    nonce = request.state.csp_nonce
    body = html.body.decode().replace("<script>", f'<script nonce="{nonce}">')
    policy = (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
    return HTMLResponse(body, headers={"Content-Security-Policy": policy})
