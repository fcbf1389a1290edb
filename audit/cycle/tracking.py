"""Following cycles: each sampled plan's real state (filtered, sorted and paged in the database) and each cycle's
state with its scorecard counts, for the QA lead's lists. A few grouped queries per page, never one per plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from audit.store.models import Assignment, Cycle, Plan, PlanResult, RubricVersion, SampledPlan, Scorecard
from audit.vocabulary import CycleStatus, SampleStatus, ScorecardStatus

# A sampled plan's states, in the order a QA lead reads them (vocabulary family "plan_state").
PLAN_STATES = ("not_started", "in_progress", "submitted", "graded", "incomplete", "withdrawn")
SORTS = {"plan": "Plan reference", "stratum": "Stratum", "state": "State"}
PAGE_SIZE = 25


@dataclass(frozen=True)
class PlanFilter:
    """What the QA lead asked for: a state (or 'reaudit'), a stratum key, part of a reference, the order, a page."""

    state: str = ""
    stratum: str = ""
    ref: str = ""
    sort: str = "plan"
    page: int = 1


@dataclass(frozen=True)
class PlanRow:
    sampled_plan_id: int
    plan_ref: str
    stratum: str
    state: str
    grade: int | None
    reaudit: bool
    replacement: bool
    withdrawn_reason: str | None
    submitted: int
    total: int


@dataclass
class PlanPage:
    """One page of the cycle's plans, with the counts the filters and the progress bar show."""

    rows: list[PlanRow]
    matching: int
    page: int
    pages: int
    by_state: dict[str, int] = field(default_factory=dict)
    strata: list[str] = field(default_factory=list)
    reaudits: int = 0


def _plan_table(session: Session, cycle: Cycle):
    """One row per sampled plan with its state worked out in SQL (so filters, sorting and paging stay there)."""
    submitted = func.sum(case((Scorecard.status == ScorecardStatus.submitted.value, 1), else_=0))
    work = (select(Assignment.sampled_plan_id.label("sp_id"), func.count(Assignment.id).label("total"),
                   submitted.label("submitted"), func.count(Scorecard.id).label("started"))
            .select_from(Assignment)
            .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
            .where(Assignment.cycle_id == cycle.id, Assignment.active == True)  # noqa: E712
            .group_by(Assignment.sampled_plan_id).subquery())
    total, done, started = (func.coalesce(work.c.total, 0), func.coalesce(work.c.submitted, 0),
                            func.coalesce(work.c.started, 0))
    whens = [(SampledPlan.status == SampleStatus.withdrawn.value, "withdrawn"),
             (col(PlanResult.grade).is_not(None), "graded"),
             (PlanResult.status == "incomplete", "incomplete")]
    if cycle.status == CycleStatus.closed.value:  # closed before every scorecard was in
        whens.append((done < total, "incomplete"))
    whens += [((total > 0) & (done == total), "submitted"), (started > 0, "in_progress")]
    state = case(*whens, else_="not_started")
    return (select(SampledPlan.id.label("sp_id"), Plan.plan_ref.label("plan_ref"),
                   SampledPlan.stratum.label("stratum"), state.label("state"), PlanResult.grade.label("grade"),
                   col(SampledPlan.reaudit_task_id).is_not(None).label("reaudit"),
                   col(SampledPlan.replacement_for_id).is_not(None).label("replacement"),
                   SampledPlan.withdrawn_reason.label("withdrawn_reason"), done.label("submitted"),
                   total.label("total"))
            .select_from(SampledPlan)
            .join(Plan, Plan.id == SampledPlan.plan_id)
            .join(PlanResult, (PlanResult.cycle_id == cycle.id) & (PlanResult.sampled_plan_id == SampledPlan.id),
                  isouter=True)
            .join(work, work.c.sp_id == SampledPlan.id, isouter=True)
            .where(SampledPlan.cycle_id == cycle.id)).subquery()


def plan_page(session: Session, cycle: Cycle, wanted: PlanFilter, page_size: int = PAGE_SIZE) -> PlanPage:
    """The cycle's sampled plans as asked: filtered by state, stratum and reference, sorted, one page of them."""
    t = _plan_table(session, cycle)
    by_state = dict(session.exec(select(t.c.state, func.count()).group_by(t.c.state)).all())
    strata = list(session.exec(select(t.c.stratum).distinct().order_by(t.c.stratum)).all())
    reaudits = session.exec(select(func.count()).select_from(t).where(t.c.reaudit == True)).one()  # noqa: E712
    query = select(t)
    if wanted.state == "reaudit":
        query = query.where(t.c.reaudit == True)  # noqa: E712
    elif wanted.state in PLAN_STATES:
        query = query.where(t.c.state == wanted.state)
    if wanted.stratum:
        query = query.where(t.c.stratum == wanted.stratum)
    if wanted.ref.strip():
        query = query.where(func.lower(t.c.plan_ref).contains(wanted.ref.strip().lower(), autoescape=True))
    matching = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-matching // page_size))
    page = min(max(1, wanted.page), pages)
    rank = case({s: i for i, s in enumerate(PLAN_STATES)}, value=t.c.state, else_=len(PLAN_STATES))
    order = {"stratum": [t.c.stratum, t.c.plan_ref], "state": [rank, t.c.plan_ref]}.get(wanted.sort, [t.c.plan_ref])
    rows = session.execute(query.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    return PlanPage([PlanRow(r.sp_id, r.plan_ref, r.stratum, r.state, r.grade, bool(r.reaudit), bool(r.replacement),
                             r.withdrawn_reason, int(r.submitted), int(r.total)) for r in rows],
                    matching, page, pages, by_state, strata, reaudits)


@dataclass(frozen=True)
class CycleRow:
    """A cycle in the list: its rubric, scorecards in and expected, and whether it has results to open."""

    cycle: Cycle
    rubric: str
    submitted: int
    total: int
    has_results: bool


def cycle_rows(session: Session, area_id: int) -> list[CycleRow]:
    """Every cycle of the area, newest first, with its scorecard counts: three queries whatever the number."""
    cycles = session.exec(select(Cycle, RubricVersion.title).join(RubricVersion)
                          .where(Cycle.area_id == area_id).order_by(col(Cycle.id).desc())).all()
    submitted = func.sum(case((Scorecard.status == ScorecardStatus.submitted.value, 1), else_=0))
    counts = {cid: (int(done or 0), int(total)) for cid, total, done in session.exec(
        select(Assignment.cycle_id, func.count(Assignment.id), submitted).select_from(Assignment)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .where(Cycle.area_id == area_id, Assignment.active == True)  # noqa: E712
        .group_by(Assignment.cycle_id)).all()}
    with_results = set(session.exec(select(PlanResult.cycle_id).distinct()
                                    .join(Cycle, Cycle.id == PlanResult.cycle_id)
                                    .where(Cycle.area_id == area_id)).all())
    return [CycleRow(cycle, title, *counts.get(cycle.id, (0, 0)), cycle.id in with_results)
            for cycle, title in cycles]


def has_results(session: Session, cycle: Cycle) -> bool:
    """Whether the cycle has been scored at least once (its results can be opened)."""
    return session.exec(select(PlanResult.id).where(PlanResult.cycle_id == cycle.id).limit(1)).first() is not None


def scorecard_counts(session: Session, cycle_ids: list[int], today: date) -> dict[int, tuple[int, int, int]]:
    """cycle id -> (active assignments, scorecards submitted, overdue and not submitted): one grouped query for
    every cycle, counting as `lifecycle.assignment_state` does, without loading a row (the QA lead's home page)."""
    if not cycle_ids:
        return {}
    submitted = Scorecard.status == ScorecardStatus.submitted.value
    rows = session.exec(
        select(Assignment.cycle_id, func.count(Assignment.id), func.sum(case((submitted, 1), else_=0)),
               func.sum(case((Assignment.due_date < today, case((submitted, 0), else_=1)), else_=0)))
        .select_from(Assignment)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .where(col(Assignment.cycle_id).in_(cycle_ids), Assignment.active == True)  # noqa: E712
        .group_by(Assignment.cycle_id)).all()
    return {cid: (int(total), int(done or 0), int(late or 0)) for cid, total, done, late in rows}
