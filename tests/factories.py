"""Test data factories: plans and auditors with sensible defaults, overridable per test."""

from __future__ import annotations

from datetime import date
from itertools import count
from pathlib import Path

from audit.rubrics.loading import find_rubric
from audit.store.models import Auditor, LocalArea, Plan

ROOT = Path(__file__).resolve().parents[1]
_refs = count(1)


def whole_plan_rubric():
    return find_rubric(ROOT / "rubrics", "whole-plan")


def make_plan(session, area: LocalArea, **overrides) -> Plan:
    n = next(_refs)
    fields = dict(
        area_id=area.id, plan_ref=f"T-{n:06d}", team="North", phase="primary", year_group="4", primary_need="ASD",
        setting_type="Mainstream primary", status="active", case_officer="CO-01",
        request_date=date(2025, 1, 6), final_issued_date=date(2025, 5, 12),
        education_advice_requested=date(2025, 1, 20), education_advice_received=date(2025, 2, 24),
        health_advice_requested=date(2025, 1, 20), health_advice_received=date(2025, 3, 3),
        last_review_meeting_date=date(2026, 4, 20), review_decision_date=date(2026, 5, 5),
    )
    fields.update(overrides)
    plan = Plan(**fields)
    session.add(plan)
    session.flush()
    return plan


def make_auditor(session, area: LocalArea, code: str, agency: str, **overrides) -> Auditor:
    auditor = Auditor(area_id=area.id, code=code, agency=agency, **overrides)
    session.add(auditor)
    session.flush()
    return auditor


def make_auditor_pool(session, area: LocalArea, per_agency: int = 2) -> list[Auditor]:
    codes = {"sen_team": "SEN", "education": "ED", "health": "HE", "social_care": "SC", "parent_carer_forum": "PCF"}
    return [make_auditor(session, area, f"AUD-{abbr}-{i:02d}", agency)
            for agency, abbr in codes.items() for i in range(1, per_agency + 1)]


def synthetic_cycle(settings, folder: Path, *, n_plans: int, sample_size: int, due: date, today: date,
                    seed: int = 8, strata: tuple[str, ...] = ("team",), name: str = "Flow test") -> int:
    """A synthetic area (register and auditors) in `settings`' store with one cycle created, not yet run; its id."""
    from audit.cycle.lifecycle import create_cycle, get_area
    from audit.register.auditors import import_auditors
    from audit.register.plans import import_register
    from audit.store.db import engine_from_settings, transaction
    from audit.synthetic.area import write_synthetic_area

    files = write_synthetic_area(Path(folder) / "area", seed=seed, n_plans=n_plans, as_of=today)
    with transaction(engine_from_settings(settings)) as session:
        import_register(session, get_area(session, settings.area_code, create=True), files["register"])
    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, settings.area_code)
        import_auditors(session, area, files["auditors"])
        return create_cycle(session, area, whole_plan_rubric(), name=name, sample_size=sample_size, due_date=due,
                            strata=list(strata), seed=seed).id


def cycle_with_a_late_health_auditor(tmp_path: Path, database_url: str, *, close: bool = False):
    """An opened 8-plan synthetic cycle, every scorecard in but those of the health auditor with the most plans.

    Returns (settings, cycle id, that auditor's code, how many scorecards they owe); scored, and closed first
    when `close` (a cycle closed early). Board pack tests read it as "provisional" or "incomplete"."""
    from collections import Counter
    from datetime import timedelta

    from sqlmodel import select

    from audit import clock
    from audit.cycle.lifecycle import close_cycle, get_cycle, open_cycle
    from audit.results.cycle_scores import score_cycle
    from audit.settings import Settings
    from audit.store.db import engine_from_settings, transaction
    from audit.store.models import Assignment
    from audit.synthetic.submissions import submit_simulated

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=150, sample_size=8, today=clock.today(),
                               due=clock.today() + timedelta(days=21))
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        open_cycle(session, cycle)
        health = Counter(session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                                      .where(Assignment.cycle_id == cycle_id, Auditor.agency == "health")).all())
        late = min(health, key=lambda code: (-health[code], code))
        submit_simulated(session, cycle, seed=5, skip_auditors={late})
        if close:
            close_cycle(session, cycle)
        score_cycle(session, cycle)
    return settings, cycle_id, late, health[late]
