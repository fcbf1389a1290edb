"""Test data for improvement plans: a file store with quarterly six-plan cycles graded as a test chooses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import select

import audit.clock
from audit.cycle.assignment import cycle_rubric
from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import Rubric
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Assignment, Auditor, Cycle, LocalArea, Plan, SampledPlan
from audit.vocabulary import REAUDIT_STRATUM, Grade
from flows.cycle import actions_step, proposals_step
from tests.factories import ROOT, make_auditor_pool, make_plan, whole_plan_rubric

FIRST = date(2026, 1, 5)


class LoopArea:
    """A local area of synthetic plans in a SQLite file, so the cycle flow's own steps can run against it."""

    def __init__(self, folder: Path, plans: int = 40, **settings):
        self.settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                                 rubrics_dir=ROOT / "rubrics", reports_dir=folder / "reports", **settings)
        self.engine = engine_from_settings(self.settings)
        self.cycles: list[int] = []
        with self.store() as session:
            area = LocalArea(code="LOOP", name="Loop area (synthetic)")
            session.add(area)
            session.flush()
            self.area_id = area.id
            make_auditor_pool(session, area, per_agency=2)
            self.plan_refs = [make_plan(session, area, case_officer=f"CO-{i % 4 + 1:02d}").plan_ref
                              for i in range(plans)]

    def store(self):
        return transaction(self.engine)

    def new_cycle(self, rubric: Rubric | None = None, open_it: bool = True, size: int = 6, **options) -> int:
        """The next quarterly cycle, created three months after the last one (options go to create_cycle)."""
        n = len(self.cycles)
        created = datetime.combine(FIRST + timedelta(days=91 * n), time(9), tzinfo=UTC)
        with self.store() as session:
            cycle = create_cycle(session, session.get(LocalArea, self.area_id), rubric or whole_plan_rubric(),
                                 name=f"Quarter {n + 1}", sample_size=size,
                                 due_date=created.date() + timedelta(days=28), seed=n + 1, created_at=created,
                                 **options)
            if open_it:
                open_cycle(session, cycle)
            self.cycles.append(cycle.id)
            return cycle.id

    def grade(self, cycle_id: int, grade_for) -> None:
        """Submit every scorecard and score: grade_for(plan_ref, rank among randomly sampled plans, criterion)."""
        with self.store() as session:
            cycle = session.get(Cycle, cycle_id)
            rubric = cycle_rubric(session, cycle)
            rows = session.exec(select(Assignment, Plan, SampledPlan)
                                .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
                                .join(Plan, Plan.id == SampledPlan.plan_id)
                                .where(Assignment.cycle_id == cycle_id)).all()
            random = sorted({p.plan_ref for _, p, sp in rows if sp.stratum != REAUDIT_STRATUM})
            for assignment, plan, _ in rows:
                rank = random.index(plan.plan_ref) if plan.plan_ref in random else -1
                entries = {}
                for _, cid in assigned_criteria(rubric, assignment):
                    grade = grade_for(plan.plan_ref, rank, cid)
                    entries[cid] = GradeEntry(grade, "needs work" if grade.is_weak else "")
                save_scorecard(session, assignment, session.get(Auditor, assignment.auditor_id), rubric, entries,
                               submit=True, source="test", now=audit.clock.now())
            score_cycle(session, cycle)

    def cycle_weak(self, criterion: str, k: int, rubric: Rubric | None = None) -> int:
        """A new scored cycle with `criterion` Requires Improvement in the first k of its plans."""
        cycle_id = self.new_cycle(rubric)
        self.grade(cycle_id, weak_in(criterion, k))
        return cycle_id

    def due(self, cycle_id: int) -> date:
        with self.store() as session:
            return session.get(Cycle, cycle_id).due_date

    def run_step(self, cycle_id: int, today: date | None = None) -> tuple[dict, dict]:
        """The cycle flow's 'raise-actions' and 'propose-statuses' tasks, as the flow runs them."""
        today = today or self.due(cycle_id)
        return (actions_step.fn(self.settings, cycle_id, today), proposals_step.fn(self.settings, cycle_id, today))

    def close(self) -> None:
        self.engine.dispose()


def weak_in(criterion: str, k: int):
    return lambda ref, rank, cid: Grade.REQUIRES_IMPROVEMENT if cid == criterion and 0 <= rank < k else Grade.GOOD
