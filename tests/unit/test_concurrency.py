"""Many auditors submitting while the cycle is being scored, on PostgreSQL: the results equal scoring once at the
end, nothing is stored twice, and concurrent scorings of one cycle queue instead of colliding."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import get_cycle, open_cycle
from audit.errors import Conflict
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings
from audit.store.db import engine_from_settings, forget_engine, make_engine, transaction
from audit.store.models import Assignment, Auditor, Cycle
from audit.synthetic.submissions import submit_simulated
from tests.databases import copy_store, drop_store, on_postgresql
from tests.factories import ROOT, synthetic_cycle
from tests.store_dump import canonical_dump, duplicates

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="runs in the PostgreSQL pass (SQLite admits one writer)")
NOW = audit.clock.now()


def score(engine, cycle_id: int) -> None:
    with transaction(engine) as session:
        score_cycle(session, get_cycle(session, cycle_id, lock=True))


def submit(engine, cycle_id: int, code: str, everyone: set[str]) -> None:
    with transaction(engine) as session:
        submit_simulated(session, session.get(Cycle, cycle_id), seed=5, skip_auditors=everyone - {code}, now=NOW)


def test_submissions_during_scoring_end_with_the_results_of_scoring_once(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, database_url=database_url, rubrics_dir=ROOT / "rubrics")
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=80, sample_size=10, today=audit.clock.today(),
                               due=audit.clock.today() + timedelta(days=20))
    with transaction(engine_from_settings(settings)) as session:
        open_cycle(session, session.get(Cycle, cycle_id))
        codes = set(session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)).all())
    forget_engine(database_url)
    reference_url = copy_store(database_url, tmp_path)

    engine = make_engine(database_url)
    errors, conflicts, done = [], [], threading.Event()

    def guarded(work, *args):
        try:
            work(*args)
        except Conflict as exc:  # two saves of one scorecard at the same moment: the loser is told
            conflicts.append(str(exc))
        except Exception as exc:
            errors.append(repr(exc))

    def keep_scoring():
        while not done.is_set():
            guarded(score, engine, cycle_id)

    scorers = [threading.Thread(target=keep_scoring) for _ in range(2)]
    # Every auditor submits; the first auditor's work is submitted twice at once, as a double click would.
    first = sorted(codes)[0]
    submitters = [threading.Thread(target=guarded, args=(submit, engine, cycle_id, code, codes))
                  for code in sorted(codes) + [first]]
    for thread in scorers + submitters:
        thread.start()
    for thread in submitters:
        thread.join(120)
    done.set()
    for thread in scorers:
        thread.join(120)
    assert errors == []
    assert len(conflicts) <= 1
    score(engine, cycle_id)
    concurrent = canonical_dump(engine)
    engine.dispose()

    reference = make_engine(reference_url)
    with transaction(reference) as session:
        cycle = session.get(Cycle, cycle_id)
        submit_simulated(session, cycle, seed=5, now=NOW)
        score_cycle(session, cycle)
    expected = canonical_dump(reference)
    reference.dispose()
    drop_store(reference_url)

    assert duplicates(concurrent) == {}
    assert expected["plan_results"] and all(status == "complete" for _, _, status, _ in expected["plan_results"])
    for table in ("scorecards", "grades", "section_results", "plan_results"):
        assert concurrent[table] == expected[table], table
