"""Which cycles have results, in what order, and which one is "the latest": one rule for every page and report.

A cycle is reported once it has been scored at least once (it has plan results). Cycles are ordered by their due
date, then by id (two cycles due the same day: the one created later is later), so "latest" means the cycle due
last, not the one created last: a catch-up cycle created after next term's, but due before it, is not the latest.
The results page (/results), the home pages, the trends and the board pack's comparison all use this order.
"""

from __future__ import annotations

from sqlmodel import Session, select

from audit.store.models import Cycle, PlanResult


def reported_cycles(session: Session, area_id: int, upto: Cycle | None = None) -> list[Cycle]:
    """The area's cycles that have results, oldest first (by due date, then id), up to and including `upto`."""
    with_results = select(PlanResult.cycle_id).distinct()
    cycles = session.exec(select(Cycle).where(Cycle.area_id == area_id, Cycle.id.in_(with_results))).all()
    cycles = sorted(cycles, key=lambda c: (c.due_date, c.id))
    if upto is not None:
        cycles = [c for c in cycles if (c.due_date, c.id) <= (upto.due_date, upto.id)]
    return cycles


def latest_reported(session: Session, area_id: int) -> Cycle | None:
    """The latest cycle with results (the last of `reported_cycles`), or None before any cycle has results."""
    cycles = reported_cycles(session, area_id)
    return cycles[-1] if cycles else None
