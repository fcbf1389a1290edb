"""The results page is worked out once per version of the data (reports.cache) and never shows a figure the
data no longer has: a grade changed and rescored shows at the next view, on the page and in the downloads."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from audit import clock
from audit.cycle.lifecycle import get_cycle
from audit.improvement.scales import load_scales
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.store.db import transaction
from audit.store.models import Assignment, CriterionGrade, PlanResult, Scorecard
from reports import cache
from reports.summary import build_summary
from tests.web.conftest import engine_of, sign_in
from web.app import create_app


@pytest.fixture
def app(settings, triggered):
    """The web tests' app with every count shown (the test cycle has four plans; five is the usual threshold)."""
    cache.forget()
    app = create_app(settings.model_copy(update={"small_number_threshold": 1}))
    app.state.continue_cycle = lambda s, cycle_id, finalise=False: triggered.append((cycle_id, finalise))
    yield app
    cache.forget()


def headline(app, cycle_id: int) -> dict:
    """The summary's headline built directly from the store, as before the cache."""
    with transaction(engine_of(app)) as session:
        cycle = get_cycle(session, cycle_id)
        return build_summary(session, load_cycle_results(session, cycle), clock.today(), 1,
                             scales=load_scales())["headline"]


def grade_down_a_good_plan(app, cycle_id: int) -> None:
    with transaction(engine_of(app)) as session:
        plan = session.exec(select(PlanResult).where(PlanResult.cycle_id == cycle_id, PlanResult.grade >= 3)).first()
        assert plan is not None, "the scored test cycle has a Good or Outstanding plan"
        cards = select(Scorecard.id).join(Assignment, Assignment.id == Scorecard.assignment_id).where(
            Assignment.sampled_plan_id == plan.sampled_plan_id)
        for grade in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id.in_(cards))).all():
            grade.grade = 1
            session.add(grade)
        session.flush()
        score_cycle(session, get_cycle(session, cycle_id))


def shown_good_or_better(page: str) -> str:
    """The headline's "Good or better" figure as the page shows it."""
    found = re.search(r"Good or better\s*</dt>\s*<dd[^>]*>\s*([^<]*?)\s*</dd>", page)
    assert found, "the headline lists Good or better"
    return found.group(1)


def test_a_changed_grade_shows_on_the_next_view_of_the_results(app, client, scored):
    sign_in(client, "demo-board-member")
    before = headline(app, scored)
    assert shown_good_or_better(client.get(f"/results/{scored}").text) == f"{before['good_or_better_pct']}%"
    assert client.get(f"/results/{scored}/download/json").json()["headline"] == before
    assert cache.stats()["builds"] == 1 and cache.stats()["hits"] == 1  # the download reused the page's

    grade_down_a_good_plan(app, scored)
    after = headline(app, scored)
    assert after["good_or_better_pct"] < before["good_or_better_pct"]
    assert shown_good_or_better(client.get(f"/results/{scored}").text) == f"{after['good_or_better_pct']}%"
    assert client.get(f"/results/{scored}/download/json").json()["headline"] == after
