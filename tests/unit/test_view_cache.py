"""The board summary cached per cycle and data version (reports.cache): reused while nothing it reads has
changed, rebuilt after any change to it, whichever process made the change; the marking read once per build."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from audit import clock
from audit.cycle.lifecycle import get_cycle, open_cycle
from audit.improvement.scales import load_scales
from audit.moderation import marking, views
from audit.moderation.marking import ModerationRules, select_second_marking
from audit.protection.throttle import record_failure
from audit.protection.users import begin_web_session, create_user, end_web_session
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings
from audit.store.db import engine_from_settings, forget_engine, transaction
from audit.store.models import Assignment, CriterionGrade, PlanResult, Scorecard
from audit.store.trail import record_view
from audit.store.versions import NOT_READ_BY_BOARD_VIEWS, data_version
from audit.synthetic.submissions import submit_simulated
from reports import cache
from reports.cache import board_summary, cache_folder
from reports.summary import build_summary
from tests.factories import ROOT, synthetic_cycle

TODAY = clock.today()  # the product's one clock (shifted five years in make test's SQLite pass)


@pytest.fixture
def scored_store(tmp_path, database_url):
    """A 40-plan sample, every scorecard in, a share second-marked, scored: the board summary has figures."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, area_code="CACHE",
                        rubrics_dir=ROOT / "rubrics", small_number_threshold=1)  # every count shown
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=160, sample_size=40, due=TODAY + timedelta(days=7),
                               today=TODAY, seed=5)
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        open_cycle(session, cycle)
        submit_simulated(session, cycle, seed=5)
        select_second_marking(session, cycle, ModerationRules(share=0.3), TODAY)
        submit_simulated(session, cycle, seed=6)
        score_cycle(session, cycle)
    cache.forget()
    yield settings, cycle_id
    cache.forget()
    forget_engine(database_url)


def summary(settings, cycle_id, service=None, as_of=TODAY):
    with transaction(engine_from_settings(settings)) as session:
        return board_summary(session, get_cycle(session, cycle_id), as_of, settings.small_number_threshold,
                             service=service, folder=cache_folder(settings))


def fresh(settings, cycle_id):
    """The summary built directly, as before the cache."""
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        return build_summary(session, load_cycle_results(session, cycle), TODAY, settings.small_number_threshold,
                             scales=load_scales())


def same(a: dict, b: dict) -> bool:
    return {**a, "generated_at": None} == {**b, "generated_at": None}


def lower_a_good_plan_to_inadequate(settings, cycle_id) -> None:
    """Every criterion grade of one Good-or-better plan becomes Inadequate, and the cycle is scored again."""
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        plan = session.exec(select(PlanResult).where(PlanResult.cycle_id == cycle_id, PlanResult.grade >= 3)
                            .order_by(PlanResult.id)).first()
        cards = select(Scorecard.id).join(Assignment, Assignment.id == Scorecard.assignment_id).where(
            Assignment.sampled_plan_id == plan.sampled_plan_id)
        for grade in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id.in_(cards))).all():
            grade.grade = 1
            session.add(grade)
        session.flush()
        score_cycle(session, cycle)


def grade_count(s: dict, grade: str) -> int:
    return s["grade_distribution"][0][grade]


def test_a_summary_is_built_once_and_reused_while_the_data_is_unchanged(scored_store):
    settings, cycle_id = scored_store
    first = summary(settings, cycle_id)
    again = summary(settings, cycle_id)
    assert again is first and cache.stats() == {"hits": 1, "file_hits": 0, "builds": 1}
    assert same(first, fresh(settings, cycle_id))
    assert list(cache_folder(settings).glob("board-summary-*.json")), "shared with other processes"


def test_a_changed_grade_is_in_the_next_summary(scored_store):
    settings, cycle_id = scored_store
    before = summary(settings, cycle_id)
    lower_a_good_plan_to_inadequate(settings, cycle_id)
    after = summary(settings, cycle_id)
    assert grade_count(after, "Inadequate") == grade_count(before, "Inadequate") + 1
    assert same(after, fresh(settings, cycle_id)) and cache.stats()["builds"] == 2


def test_each_day_and_each_service_cut_is_a_summary_of_its_own(scored_store):
    settings, cycle_id = scored_store
    whole, health = summary(settings, cycle_id), summary(settings, cycle_id, service="health")
    tomorrow = summary(settings, cycle_id, as_of=TODAY + timedelta(days=1))
    assert whole["service"] is None and health["service"]["code"] == "health"
    assert tomorrow["timeliness"]["as_of"] != whole["timeliness"]["as_of"]
    assert cache.stats()["builds"] == 3


def test_changes_the_summary_never_reads_leave_it_cached(scored_store):
    settings, cycle_id = scored_store
    first = summary(settings, cycle_id)
    with transaction(engine_from_settings(settings)) as session:
        record_failure(session, settings, "someone", "10.0.0.1", clock.now())  # a mistyped password: a trail entry
    assert summary(settings, cycle_id) is first
    with transaction(engine_from_settings(settings)) as session:  # a board member signs in and out of the web app
        member = create_user(session, "board.member", "a-long-password-1", "board_member")
        end_web_session(session, begin_web_session(session, member, clock.now(), timedelta(hours=8)))
    assert summary(settings, cycle_id) is first
    with transaction(engine_from_settings(settings)) as session:  # a plan looked up: a "view" entry, a read
        record_view(session, "plan", "1", {"shown": "grades"})
    assert summary(settings, cycle_id) is first
    assert cache.stats()["builds"] == 1


def test_the_summary_reads_no_table_the_data_version_leaves_out(scored_store):
    settings, cycle_id = scored_store
    engine = engine_from_settings(settings)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        fresh(settings, cycle_id)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    read = {name.lower() for s in statements for name in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', s, re.IGNORECASE)}
    assert read and not read & NOT_READ_BY_BOARD_VIEWS, sorted(read & NOT_READ_BY_BOARD_VIEWS)


def test_the_marking_is_read_once_per_summary(scored_store, monkeypatch):
    settings, cycle_id = scored_store
    calls = []
    real = marking.double_marked

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(marking, "double_marked", counting)
    monkeypatch.setattr(views, "double_marked", counting)
    s = fresh(settings, cycle_id)
    assert len(calls) == 1
    assert s["moderation"]["double_marked_plans"] > 0, "the fixture's cycle is second-marked"


OTHER_PROCESS = """
import json, sys
from datetime import date
from audit.cycle.lifecycle import get_cycle
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from reports import cache
from reports.cache import board_summary, cache_folder
from tests.unit.test_view_cache import lower_a_good_plan_to_inadequate

settings = Settings.model_validate_json(sys.argv[1])
cycle_id = int(sys.argv[2])
if sys.argv[3] == "change":
    lower_a_good_plan_to_inadequate(settings, cycle_id)
with transaction(engine_from_settings(settings)) as session:
    s = board_summary(session, get_cycle(session, cycle_id), date.fromisoformat(sys.argv[4]),
                      settings.small_number_threshold, folder=cache_folder(settings))
print(json.dumps({"inadequate": s["grade_distribution"][0]["Inadequate"], "stats": cache.stats()}))
"""


def in_another_process(settings, cycle_id, what: str) -> dict:
    done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, settings.model_dump_json(), str(cycle_id), what,
                           TODAY.isoformat()], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_process_serves_a_summary_older_than_a_change_made_in_another(scored_store):
    """Two web workers: one has the summary in memory and in the shared folder; the other changes a grade."""
    settings, cycle_id = scored_store
    before = summary(settings, cycle_id)["grade_distribution"][0]["Inadequate"]
    reader = in_another_process(settings, cycle_id, "read")  # a second worker: the shared file, no rebuild
    assert reader == {"inadequate": before, "stats": {"hits": 0, "file_hits": 1, "builds": 0}}
    writer = in_another_process(settings, cycle_id, "change")  # it changes a grade, rescoring, then reads
    assert writer["inadequate"] == before + 1 and writer["stats"]["builds"] == 1
    assert summary(settings, cycle_id)["grade_distribution"][0]["Inadequate"] == before + 1  # this one too
    with transaction(engine_from_settings(settings)) as session:
        assert data_version(session, NOT_READ_BY_BOARD_VIEWS) != "0"


def test_the_home_pages_moderation_count_is_worked_out_once_per_data_version(scored_store, monkeypatch):
    import reports.home as home
    from audit.moderation.marking import moderation_queue

    settings, cycle_id = scored_store
    calls = []
    monkeypatch.setattr(home, "moderation_queue", lambda s, c: calls.append(c.id) or moderation_queue(s, c))

    def counted():
        with transaction(engine_from_settings(settings)) as session:
            cycle = get_cycle(session, cycle_id)
            return home.awaiting_moderation(session, cycle), len({p.sampled_plan_id
                                                                   for p in moderation_queue(session, cycle)})

    first, truth = counted()
    assert first == truth and counted()[0] == first and len(calls) == 1, "unchanged data: worked out once"
    with transaction(engine_from_settings(settings)) as session:  # every second marker now grades 1 throughout
        seconds = select(Scorecard.id).join(Assignment, Assignment.id == Scorecard.assignment_id).where(
            Assignment.cycle_id == cycle_id, Assignment.marker_role == "second")
        for grade in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id.in_(seconds))).all():
            if grade.grade is not None:
                grade.grade = 1
    after, truth = counted()
    assert after == truth and len(calls) == 2 and after > 0, "a change to the grades: worked out again"
