"""Closing a cycle from the CLI scores what is in; `cycle run` on a closed cycle does the same, and again changes
nothing (issue 15: both failed with "Cycle N is closed; create a new cycle instead")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from audit import clock
from audit.settings import Settings, get_settings
from audit.store.db import engine_from_settings
from audit.store.models import Action, Assignment, Cycle, PlanResult, SampledPlan, Scorecard
from tests.factories import ROOT, synthetic_cycle

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


@pytest.fixture
def cli(tmp_path, monkeypatch, database_url):
    """`ehcp-audit` in this process on a store with one cycle, opened by the flow, none of its scorecards in."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    for name, value in {"EHCP_AUDIT_DATA_DIR": str(settings.data_dir), "EHCP_AUDIT_DATABASE_URL": database_url,
                        "EHCP_AUDIT_RUBRICS_DIR": str(ROOT / "rubrics"), "COLUMNS": "200"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("EHCP_AUDIT_AS_USER", raising=False)
    get_settings.cache_clear()
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=150, sample_size=6,
                               due=clock.today() + timedelta(days=21), today=clock.today())
    from ehcp_audit_cli.main import app

    def run(*args: str):
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    yield settings, cycle_id, run
    get_settings.cache_clear()


def stored(settings, cycle_id) -> dict:
    with Session(engine_from_settings(settings)) as s:
        counts = {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                  for m in (SampledPlan, Assignment, Scorecard, PlanResult, Action)}
        return counts | {"status": s.get(Cycle, cycle_id).status}


def test_closing_from_the_cli_scores_what_is_in_and_cycle_run_again_changes_nothing(prefect_harness, cli):
    settings, cycle_id, run = cli
    assert "is open: 0 of" in run("cycle", "run", str(cycle_id))  # sampled and assigned; waiting
    opened = stored(settings, cycle_id)

    closing = run("cycle", "close", str(cycle_id))
    assert f"Closed cycle {cycle_id}" in closing and f"Cycle {cycle_id} is closed: 0 plans graded, 6 incomplete" in closing
    after = stored(settings, cycle_id)
    assert after == opened | {"PlanResult": 6, "status": "closed"}, "scored, and nothing sampled or assigned"
    summary = json.loads((settings.data_dir / "reports" / f"board-summary-cycle-{cycle_id}.json").read_text())
    assert summary["cycle"]["status"] == "closed" and len(summary["incomplete"]) == 6

    again = run("cycle", "run", str(cycle_id))
    assert f"Cycle {cycle_id} is closed: 0 plans graded, 6 incomplete; 0 new actions" in again
    assert stored(settings, cycle_id) == after


def test_closing_a_cycle_that_never_started_says_there_is_nothing_to_score(prefect_harness, cli):
    settings, cycle_id, run = cli
    output = run("cycle", "close", str(cycle_id))
    assert "nothing to score" in output
    assert stored(settings, cycle_id) == {"SampledPlan": 0, "Assignment": 0, "Scorecard": 0, "PlanResult": 0,
                                          "Action": 0, "status": "closed"}


def test_closing_without_running_tells_how_to_run_it(cli):
    settings, cycle_id, run = cli
    output = run("cycle", "close", str(cycle_id), "--no-run")
    assert f"ehcp-audit cycle run {cycle_id}" in output and stored(settings, cycle_id)["status"] == "closed"
