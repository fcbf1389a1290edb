"""A store built for family voice tests: one cycle whose sampled plans have the year groups and grades asked."""

from __future__ import annotations

from datetime import date, timedelta

from audit import clock
from audit.cycle.lifecycle import create_cycle, get_area
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import PlanResult, SampledPlan
from audit.vocabulary import Grade
from tests.factories import ROOT, make_plan, whole_plan_rubric

GRADES = {g.label: int(g) for g in Grade}


def family_settings(folder, database_url: str) -> Settings:
    return Settings(data_dir=folder, database_url=database_url, area_code="FAMILY", rubrics_dir=ROOT / "rubrics",
                    secret_key="f" * 48, cookie_secure=False, reports_dir=folder / "reports",
                    small_number_threshold=2)


def family_cycle(settings: Settings, plans: list[dict]) -> int:
    """A cycle sampling `plans` ({plan_ref, year_group, grade: a grade's words or ''}); its id."""
    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, settings.area_code, create=True)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Family test cycle", sample_size=len(plans),
                             due_date=clock.today() + timedelta(days=21), seed=1)
        for row in plans:
            plan = make_plan(session, area, plan_ref=row["plan_ref"], year_group=row["year_group"],
                             request_date=date(2025, 1, 6))
            sampled = SampledPlan(cycle_id=cycle.id, plan_id=plan.id, stratum="all")
            session.add(sampled)
            session.flush()
            if row.get("grade"):
                session.add(PlanResult(cycle_id=cycle.id, sampled_plan_id=sampled.id,
                                       rubric_version_id=cycle.rubric_version_id, grade=GRADES[row["grade"]]))
        session.flush()
        return cycle.id
