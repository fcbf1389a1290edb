"""Steps for crash_safety.feature: the audit-cycle flow in child processes (tests/cycle_runner.py) against a real
Prefect server, SIGKILLed by the crash points of flows/steps.py, on the database under test."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_bdd import given, scenarios, then, when

import audit.clock
from audit.settings import Settings
from audit.store.db import forget_engine, make_engine
from tests.databases import copy_store, drop_store
from tests.factories import ROOT, synthetic_cycle
from tests.prefect_server import flow_env, stop_process
from tests.store_dump import canonical_dump, duplicates

scenarios("production/crash_safety.feature")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect-server")]

TODAY = audit.clock.today()
# Mid-step (every write flushed, none committed) for each step that writes, in the order a run reaches them
# from the state the previous killed run left; plus just after the first commit and after the report's files.
CRASH_POINTS = [
    "open-sample-assign:before-commit", "open-sample-assign:after-commit",
    "simulate-auditors:before-commit",  # the first markers' scorecards
    "second-marking:before-commit",  # (after the first markers' scorecards are in)
    "simulate-auditors:before-commit",  # now the second markers'
    "score:before-commit", "raise-actions:before-commit", "board-summary:before-commit",
    "board-summary:files-written",
]


class CycleRunner:
    """tests/cycle_runner.py: forks one child process per cycle run."""

    def __init__(self, api_url: str, settings: Settings):
        self.process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "cycle_runner.py")],
                                        env=flow_env(api_url, settings), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, start_new_session=True)

    def run(self, settings: Settings, cycle_id: int, crash_at: str | None = None) -> dict:
        job = {"cycle_id": cycle_id, "as_of": TODAY.isoformat(), "database_url": settings.database_url,
               "data_dir": str(settings.data_dir), "crash_at": crash_at}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        stop_process(self.process)


@given("a local area with a cycle ready to run, and an identical copy of it", target_fixture="ctx")
def stores(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path / "crashed", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=60, sample_size=6, due=TODAY + timedelta(days=21),
                               today=TODAY)
    forget_engine(database_url)
    reference = settings.model_copy(update={"data_dir": tmp_path / "reference",
                                            "database_url": copy_store(database_url, tmp_path)})
    ctx = {"crashed": settings, "reference": reference, "cycle_id": cycle_id}
    yield ctx
    if "runner" in ctx:
        ctx["runner"].close()
    drop_store(reference.database_url)


@when("the copy's cycle runs to the end without interruption")
def uninterrupted(ctx, prefect_server):
    ctx["runner"] = CycleRunner(prefect_server, ctx["crashed"])
    assert ctx["runner"].run(ctx["reference"], ctx["cycle_id"]) == {"signal": 0, "exit": 0}


@when("the cycle's process is killed at each step in turn, just before and just after the step commits, "
      "and rerun each time")
def killed_and_rerun(ctx):
    ctx["killed"] = [(point, ctx["runner"].run(ctx["crashed"], ctx["cycle_id"], crash_at=point))
                     for point in CRASH_POINTS]
    ctx["last"] = ctx["runner"].run(ctx["crashed"], ctx["cycle_id"])


@then("every run was killed where it was asked to be, and the last run finished")
def killed_as_asked(ctx):
    not_killed = [(point, outcome) for point, outcome in ctx["killed"] if outcome["signal"] != signal.SIGKILL]
    assert not_killed == [], "a crash point was not reached, or the run failed instead (see stderr)"
    assert ctx["last"] == {"signal": 0, "exit": 0}


def dump(settings: Settings) -> dict:
    engine = make_engine(settings.database_url)
    try:
        return canonical_dump(engine)
    finally:
        engine.dispose()


@then("the samples, assignments, scorecards, results and actions equal the uninterrupted run's")
def same_as_uninterrupted(ctx):
    crashed, reference = dump(ctx["crashed"]), dump(ctx["reference"])
    assert reference["plan_results"] and reference["scorecards"] and reference["actions"], "the reference did the work"
    assert any(role == "second" for _, _, role, *_ in reference["assignments"]), "second marking was exercised"
    for table in reference:
        assert crashed[table] == reference[table], table
    crashed_summary, reference_summary = (
        json.loads((Path(s.data_dir) / "reports" / f"board-summary-cycle-{ctx['cycle_id']}.json").read_text())
        for s in (ctx["crashed"], ctx["reference"]))
    crashed_summary.pop("generated_at"), reference_summary.pop("generated_at")
    assert crashed_summary == reference_summary


@then("nothing is recorded twice")
def no_duplicates(ctx):
    assert duplicates(dump(ctx["crashed"])) == {}
