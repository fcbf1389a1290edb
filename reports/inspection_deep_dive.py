"""The deep-dive sample for the inspection: children chosen the way inspectors choose, across phases, primary
needs, settings and teams, and one page per child (audit history, grades, timeliness clocks, the family's view,
amendment tasks).

The choice is deterministic given the cycle and a draw number: the cycle's audited plans are shuffled by a
generator seeded with both, then taken one at a time, each time the plan that adds the most phases, needs,
settings and teams not yet covered (the shuffled order breaks ties). Draw again with another number.
"""

from __future__ import annotations

import random

from sqlmodel import Session, select

from audit.results.analysis import load_cycle_results
from audit.store.models import Action, Cycle, Plan, PlanResult, SampledPlan
from audit.vocabulary import Grade, label
from audit.words import day
from reports.inspection_family import family_page_table, family_pages
from reports.suppression import TEXT, make_table

SPREAD = ("phase", "primary_need", "setting_type", "team")
SPREAD_WORDS = {"phase": "phase", "primary_need": "need"}


def deep_dive_sample(session: Session, cycle: Cycle, size: int, draw: int) -> list[int]:
    """Plan ids of `size` audited plans of the cycle spread across phases, needs, settings and teams."""
    plans = load_cycle_results(session, cycle, criteria=False).plans
    rows = sorted(plans[["plan_id", *SPREAD]].itertuples(index=False), key=lambda r: r.plan_id)
    random.Random(f"{cycle.id}:{draw}").shuffle(rows)
    chosen, covered = [], set()
    while rows and len(chosen) < size:
        best = max(range(len(rows)), key=lambda i: (len(_values(rows[i]) - covered), -i))
        row = rows.pop(best)
        chosen.append(int(row.plan_id))
        covered |= _values(row)
    return chosen


def _values(row) -> set[tuple[str, str]]:
    return {(field, str(getattr(row, field))) for field in SPREAD}


def child_pages(session: Session, plan_ids: list[int], reference, cycle_id: int | None = None) -> list[dict]:
    """One page per child; `reference(plan_ref)` gives the reference shown (pseudonymised or not); with the
    cycle, each page shows what the child's family and the child said in that cycle's survey."""
    family = family_pages(session, cycle_id) if cycle_id is not None else None
    pages = []
    for i, pid in enumerate(plan_ids, 1):
        plan = session.get(Plan, pid)
        page = _page(session, plan, reference, f"child{i}")
        if family is not None:
            page["tables"].insert(2, family_page_table(f"child{i}", family.get(plan.plan_ref)))
        pages.append(page)
    return pages


def _status(action: Action) -> str:
    """An amendment task's status in words; an improvement action's scale status as the plan records it."""
    return label(action.status, "task_status") if action.kind == "amendment" else action.status


def _grade(value: int | None) -> str:
    return "Not graded (incomplete)" if value is None else Grade(value).label


def _page(session: Session, plan: Plan, reference, key: str) -> dict:
    history = session.exec(
        select(Cycle, PlanResult).join(SampledPlan, SampledPlan.cycle_id == Cycle.id)
        .join(PlanResult, PlanResult.sampled_plan_id == SampledPlan.id)
        .where(SampledPlan.plan_id == plan.id).order_by(Cycle.due_date, Cycle.id)).all()
    audits = make_table(f"{key}_history", "Audit history", [
        ("cycle", "Cycle", TEXT), ("due", "Due", TEXT, day), ("grade", "Plan grade", TEXT),
        ("missing", "Sections not graded", TEXT)],
        [{"cycle": c.name, "due": c.due_date, "grade": _grade(r.grade), "missing": ", ".join(r.missing_sections)}
         for c, r in history], threshold=0)
    clocks = [("Request for assessment", plan.request_date), ("Final plan issued", plan.final_issued_date),
              ("Education advice requested", plan.education_advice_requested),
              ("Education advice received", plan.education_advice_received),
              ("Health advice requested", plan.health_advice_requested),
              ("Health advice received", plan.health_advice_received),
              ("Social care advice requested", plan.social_care_advice_requested),
              ("Social care advice received", plan.social_care_advice_received),
              ("Last annual review meeting", plan.last_review_meeting_date),
              ("Review decision", plan.review_decision_date)]
    weeks = (plan.final_issued_date - plan.request_date).days / 7 if plan.request_date and plan.final_issued_date \
        else None
    timeliness = make_table(f"{key}_clocks", "Timeliness clocks", [("what", "Clock", TEXT), ("when", "Date", TEXT, day)],
                            [{"what": w, "when": d} for w, d in clocks if d is not None], threshold=0)
    tasks = session.exec(select(Action).where(Action.plan_id == plan.id).order_by(Action.milestone)).all()
    actions = make_table(f"{key}_tasks", "Amendment tasks and actions", [
        ("title", "Task", TEXT), ("kind", "Kind", TEXT, lambda v: label(v, "action_kind")),
        ("milestone", "Milestone", TEXT, day), ("status", "Status", TEXT)],
        [{"title": a.title.replace(plan.plan_ref, reference(plan.plan_ref)), "kind": a.kind,
          "milestone": a.milestone, "status": _status(a)}
         for a in tasks], threshold=0)
    summary = (f"{label(plan.phase, 'phase')}, {label(plan.primary_need, 'need')}, {plan.setting_type}, "
               f"{plan.team} team. "
               + (f"The final plan was issued {weeks:.0f} weeks after the request." if weeks is not None
                  else "No final plan date is recorded."))
    return {"reference": reference(plan.plan_ref), "summary": summary, "tables": [audits, timeliness, actions],
            "spread": {f: getattr(plan, f) for f in SPREAD}}
