"""One rule for "latest" (audit.results.reported): the cycle with results due last, the id breaking a tie."""

from __future__ import annotations

from datetime import date

from audit.results.reported import latest_reported, reported_cycles
from audit.store.models import Cycle, PlanResult, RubricVersion, SampledPlan
from tests.factories import make_plan


def _cycle(session, area, version, name: str, due: date, scored: bool) -> Cycle:
    cycle = Cycle(area_id=area.id, name=name, rubric_version_id=version.id, sample_size=1, seed=1, due_date=due,
                  status="open")
    session.add(cycle)
    session.flush()
    if scored:
        sampled = SampledPlan(cycle_id=cycle.id, plan_id=make_plan(session, area).id, stratum="all")
        session.add(sampled)
        session.flush()
        session.add(PlanResult(cycle_id=cycle.id, sampled_plan_id=sampled.id, rubric_version_id=version.id, grade=3))
    session.commit()
    return cycle


def test_latest_is_the_cycle_with_results_due_last_not_the_one_created_last(session, area):
    version = RubricVersion(key="whole-plan", version_label="1", content_hash="h1", title="Whole plan",
                            kind="whole_plan")
    session.add(version)
    session.flush()
    assert latest_reported(session, area.id) is None and reported_cycles(session, area.id) == []
    summer = _cycle(session, area, version, "Summer", date(2026, 7, 1), scored=True)
    spring = _cycle(session, area, version, "Spring catch-up", date(2026, 4, 1), scored=True)
    _cycle(session, area, version, "Autumn, not scored yet", date(2026, 11, 1), scored=False)
    same_day = _cycle(session, area, version, "Summer, second", date(2026, 7, 1), scored=True)
    assert [c.name for c in reported_cycles(session, area.id)] == ["Spring catch-up", "Summer", "Summer, second"]
    assert latest_reported(session, area.id).id == same_day.id, "two due the same day: the later created is later"
    assert [c.id for c in reported_cycles(session, area.id, upto=summer)] == [spring.id, summer.id]
