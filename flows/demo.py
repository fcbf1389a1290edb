"""The demo: a synthetic local area and one audit cycle, run by the cycle flow over its weeks, told truthfully.

Five weeks before today (on the product's clock) the cycle is created, due four weeks later; the cycle flow
samples and assigns, and simulated auditors submit their scorecards, except the busiest health auditor, who
is late. Today, a week past the due date, the flow runs again: second marking, scoring what is in, actions and
the board summary. Every figure the demo prints about the cycle (its status, who is late, plans graded and
incomplete, actions) is read back from the store afterwards, so it says what `ehcp-audit cycle status` says.

Running it again reuses the demo area: nothing is imported or created twice (an interrupted cycle is
continued), and it says so. It refuses an area that is not the demo's, so synthetic plans never mix with real.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, col, func, select

from audit import clock
from audit.cycle.lifecycle import create_cycle, cycle_progress, get_area, get_cycle
from audit.errors import AuditError
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.rubrics.loading import find_rubric
from audit.settings import Settings
from audit.store.actor import acting_as
from audit.store.db import engine_from_settings, transaction
from audit.store.models import (
    Action,
    Assignment,
    Auditor,
    Cycle,
    ImprovementAction,
    LocalArea,
    PlanResult,
    SampledPlan,
)
from audit.synthetic import area as synthetic
from audit.vocabulary import Grade
from flows import runtime

AREA_NAME = "Demo local area (synthetic)"
CYCLE_PREFIX = "Demo quarterly audit"
CYCLE_DAYS = 28  # created, then due four weeks later
DAYS_PAST_DUE = 7  # and today is a week after that


@dataclass
class DemoState:
    """The demo cycle as stored, as of `today`: what the demo prints and what its test compares."""

    cycle_id: int
    name: str
    status: str
    created: date
    due: date
    today: date
    sampled: int
    graded: int
    incomplete: int
    by_grade: dict[str, int]
    submitted: int
    expected: int
    late: dict[str, int]  # auditor code -> scorecards past their due date and not in
    actions: int  # amendment tasks and improvement actions the cycle raised
    summary: Path | None  # the board summary (HTML), when written
    reused: bool = False
    lines: list[str] = field(default_factory=list)


def run_demo(settings: Settings, *, plans: int = 600, sample_size: int = 40, seed: int = 7,
             late_auditor: bool = True, actor: str = "demo", say: Callable[[str], None] = print,
             working: Callable[[str], contextlib.AbstractContextManager] | None = None) -> DemoState:
    """Set up the demo area and run its cycle (or reuse them); returns the stored state it reported."""
    working = working or (lambda _text: contextlib.nullcontext())
    engine = engine_from_settings(settings)

    def store():
        return _store(engine, actor)

    with store() as session:
        existing = _demo_cycle(session, settings.area_code)
    runtime.configure_local_prefect(settings)  # before Prefect is imported (module attributes: tests stub them)
    if existing is not None:
        say(f"The demo area '{settings.area_code}' is already set up in {Path(settings.data_dir).resolve()}: "
            f"reusing it, with its cycle {existing}; nothing is imported or created again. To start from nothing, "
            f"remove that folder (or set EHCP_AUDIT_DATA_DIR to a new one).")
        with store() as session:
            has_results = session.exec(select(PlanResult.id).where(PlanResult.cycle_id == existing).limit(1)).first()
        if has_results is None:  # an earlier demo stopped before the cycle was scored: continue it today
            skip = _late_health_auditor(store, existing) if late_auditor else []
            with working("Continuing the cycle flow in Prefect's local mode..."):
                _run_cycle(settings, existing, seed, skip)
        state = _read_state(store, settings, existing, reused=True)
        for line in state.lines:
            say(line)
        return state

    today = clock.today()
    start = clock.now() - timedelta(days=CYCLE_DAYS + DAYS_PAST_DUE)
    folder = Path(settings.data_dir) / "demo"
    rubric = find_rubric(settings.rubrics_dir, "whole-plan")
    # The weeks of the cycle before its due date happen on the product's clock as it was then.
    with clock.freeze(start):
        files = synthetic.write_synthetic_area(folder, seed=seed, n_plans=plans, as_of=start.date())
        say(f"1. Synthetic local area written to {folder} ({plans} plans as of {_day(start)}; no real people).")
        with store() as session:
            area = _demo_area(session, settings.area_code)
            registered = import_register(session, area, files["register"])
        with store() as session:
            auditors = import_auditors(session, get_area(session, settings.area_code), files["auditors"])
        say(f"2. Imported {registered.rows} plans and {auditors.rows} auditors.")
        with store() as session:
            cycle = create_cycle(session, get_area(session, settings.area_code), rubric,
                                 name=f"{CYCLE_PREFIX} {start:%B %Y}", sample_size=sample_size,
                                 due_date=start.date() + timedelta(days=CYCLE_DAYS), strata=["team", "plan_stage"],
                                 seed=seed)
            cycle_id, due = cycle.id, cycle.due_date
        say(f"3. On {_day(start)} (five weeks ago): created cycle {cycle_id} '{CYCLE_PREFIX} {start:%B %Y}' with "
            f"rubric '{rubric.title}' ({rubric.short_hash}), {sample_size} plans stratified by team and new/annual "
            f"review, due {_day(due)}.")
        with working("Prefect flow running (the first run starts a temporary local server)..."):
            _run_cycle(settings, cycle_id, seed, [])  # opens it: sample and assign; then waits for scorecards
            skip = _late_health_auditor(store, cycle_id) if late_auditor else []
            _run_cycle(settings, cycle_id, seed, skip, simulate=True)
        with store() as session:
            progress = cycle_progress(session, get_cycle(session, cycle_id))
        say(f"4. The cycle flow sampled and assigned it; simulated auditors submitted {progress.submitted} of "
            f"{progress.total} scorecards by {_day(start)}"
            + (f"; {skip[0]} submitted none of theirs." if skip else "."))
    with working("Prefect flow running: second marking, scoring, actions, board summary..."):
        _run_cycle(settings, cycle_id, seed, skip, simulate=True)
    say(f"5. Today, {_day(today)}, {(today - due).days} days after the due date, the cycle flow ran again: "
        f"second marking, then scoring what is in, actions and the board summary.")
    state = _read_state(store, settings, cycle_id)
    for line in state.lines:
        say(line)
    return state


@contextlib.contextmanager
def _store(engine, actor: str):
    with acting_as(actor), transaction(engine) as session:
        yield session


def _demo_cycle(session: Session, area_code: str) -> int | None:
    """The demo's cycle in the demo area, if an earlier run made one."""
    area = session.exec(select(LocalArea).where(LocalArea.code == area_code)).first()
    if area is None:
        return None
    _check_demo_area(area)
    return session.exec(select(Cycle.id).where(Cycle.area_id == area.id, col(Cycle.name).startswith(CYCLE_PREFIX))
                        .order_by(Cycle.id)).first()


def _demo_area(session: Session, area_code: str) -> LocalArea:
    area = get_area(session, area_code, create=True, name=AREA_NAME)
    _check_demo_area(area)
    return area


def _check_demo_area(area: LocalArea) -> None:
    if area.name != AREA_NAME:
        raise AuditError(f"Area '{area.code}' in this store is '{area.name}', not the demo's: the demo would mix "
                         f"synthetic plans into it. Run it with its own data folder, e.g. "
                         f"EHCP_AUDIT_DATA_DIR=demo-data ehcp-audit demo.")


def _run_cycle(settings: Settings, cycle_id: int, seed: int, skip: list[str], simulate: bool = False) -> dict:
    from flows.cycle import (
        audit_cycle,  # Prefect is imported once its environment is set
    )

    with runtime.quick_flow_runs():
        return audit_cycle(cycle_id, simulate_auditors=simulate, simulation_seed=seed, skip_auditors=skip,
                           database_url=settings.resolved_database_url, data_dir=str(settings.data_dir))


def _late_health_auditor(store, cycle_id: int) -> list[str]:
    """The health auditor with the most assignments, so the demo shows a late auditor and incomplete audits."""
    with store() as session:
        rows = session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                            .where(Assignment.cycle_id == cycle_id, Auditor.agency == "health")).all()
    counts = Counter(rows)
    return [min(counts, key=lambda c: (-counts[c], c))] if counts else []


def _read_state(store, settings: Settings, cycle_id: int, reused: bool = False) -> DemoState:
    """The cycle as stored today, and the sentences that say so."""
    today = clock.today()
    with store() as session:
        cycle = get_cycle(session, cycle_id)
        progress = cycle_progress(session, cycle, today=today)
        results = session.exec(select(PlanResult.grade, PlanResult.status).where(PlanResult.cycle_id == cycle_id)).all()
        sampled = session.exec(select(func.count()).select_from(SampledPlan).where(
            SampledPlan.cycle_id == cycle_id, SampledPlan.status == "sampled")).one()
        actions = session.exec(select(func.count()).select_from(Action).where(Action.cycle_id == cycle_id)).one() + \
            session.exec(select(func.count()).select_from(ImprovementAction).where(
                ImprovementAction.raised_cycle_id == cycle_id)).one()
        state = DemoState(cycle_id=cycle.id, name=cycle.name, status=cycle.status, created=cycle.created_at.date(),
                          due=cycle.due_date, today=today, sampled=sampled,
                          graded=sum(1 for _, s in results if s == "complete"),
                          incomplete=sum(1 for _, s in results if s == "incomplete"),
                          by_grade=_by_grade(results), submitted=progress.submitted, expected=progress.total,
                          late={code: c["late"] for code, c in sorted(progress.by_auditor.items()) if c["late"]},
                          actions=actions, summary=None, reused=reused)
    summary = Path(settings.resolved_reports_dir) / f"board-summary-cycle-{cycle_id}.html"
    state.summary = summary if summary.exists() else None
    state.lines = _describe(state)
    return state


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _by_grade(results) -> dict[str, int]:
    counts = Counter(int(g) for g, s in results if s == "complete" and g is not None)
    return {g.label: counts.get(int(g), 0) for g in sorted(Grade, reverse=True)}


def _describe(s: DemoState) -> list[str]:
    when = "past its due date" if s.today > s.due else "before its due date"
    late = "; ".join(f"{code} is late with {n} scorecard{'s' if n != 1 else ''}" for code, n in s.late.items())
    not_due = s.expected - s.submitted - sum(s.late.values())
    lines = [f"Cycle {s.cycle_id} '{s.name}' is {s.status} (as stored), due {_day(s.due)}, {when}: "
             f"{s.submitted} of {s.expected} scorecards in" + (f" ({not_due} not yet due)" if not_due else "")
             + (f"; {late}." if late else "; nobody is late.")]
    if s.graded or s.incomplete:
        grades = ", ".join(f"{k} {v}" for k, v in s.by_grade.items())
        lines.append(f"Results: {s.graded} of {s.sampled} sampled plans graded ({grades}); {s.incomplete} incomplete "
                     f"(listed as such in the board summary); {s.actions} actions raised.")
    else:
        lines.append("No results yet.")
    if s.status == "open" and s.today > s.due:
        lines.append(f"The cycle stays open while scorecards are out: when they come in, 'ehcp-audit cycle run "
                     f"{s.cycle_id}' scores again; 'ehcp-audit cycle close {s.cycle_id}' closes it as it is.")
    if s.summary:
        lines.append(f"Board summary: {s.summary}")
    return lines
