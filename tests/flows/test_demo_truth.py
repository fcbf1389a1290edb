"""The demo tells the truth (issue 15): every claim it prints is checked against the store it leaves, and running
it again, weeks later, reuses the demo area instead of adding a second cycle."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlmodel import Session, func, select

from audit.cycle.lifecycle import cycle_progress
from audit.settings import Settings
from audit.store.db import engine_from_settings
from audit.store.models import (
    Assignment,
    Auditor,
    Cycle,
    Plan,
    PlanResult,
    SampledPlan,
    Scorecard,
)
from flows.demo import run_demo
from tests.factories import ROOT

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]
FIRST, LATER = date(2026, 11, 20), date(2027, 2, 3)


def stored(settings) -> dict:
    with Session(engine_from_settings(settings)) as s:
        counts = {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                  for m in (Plan, Auditor, Cycle, SampledPlan, Assignment, Scorecard, PlanResult)}
        [cycle] = s.exec(select(Cycle)).all()
        progress = cycle_progress(s, cycle)  # as of the product's clock, as `ehcp-audit cycle status` does
        graded = s.exec(select(func.count()).select_from(PlanResult).where(PlanResult.status == "complete")).one()
        return {"counts": counts, "status": cycle.status, "due": cycle.due_date, "id": cycle.id,
                "late": {code: c["late"] for code, c in progress.by_auditor.items() if c["late"]},
                "late_total": progress.late, "graded": graded}


def test_what_the_demo_says_is_what_is_stored_and_a_second_run_reuses_it(prefect_harness, tmp_path, database_url,
                                                                         clock):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    clock.set(FIRST)
    said: list[str] = []
    state = run_demo(settings, plans=300, sample_size=15, say=said.append)
    text = "\n".join(said)
    first = stored(settings)

    # A late auditor is late: the cycle was due before today, and `cycle status` counts their scorecards late.
    assert first["due"] < FIRST
    assert first["late"] and first["late"] == state.late and first["late_total"] == sum(state.late.values())
    [(late_code, late_count)] = first["late"].items()
    assert f"{late_code} submitted none of theirs" in text
    assert f"{late_code} is late with {late_count} scorecards" in text
    # The state printed is the state stored; so are the figures.
    assert f"Cycle {first['id']} '{state.name}' is {first['status']} (as stored)" in text
    assert first["status"] == "open", "past due with scorecards out, the cycle is still open"
    assert f"{first['graded']} of 15 sampled plans graded" in text
    summary = json.loads(state.summary.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["cycle"]["status"] == first["status"]
    assert summary["headline"]["plans_graded"] == first["graded"]
    threshold = summary["small_number_threshold"]
    shown = state.incomplete if state.incomplete >= threshold else f"<{threshold}"  # the board's suppression rule
    assert state.incomplete > 0 and summary["headline"]["plans_incomplete"] == shown
    assert summary["headline"]["scorecards_late"] == first["late_total"]
    assert re.search(rf"due {state.due.day} {state.due:%B %Y}, past its due date", text)

    # Weeks later, again: the area and its cycle are reused, nothing is added, and it says so.
    clock.set(LATER)
    said_again: list[str] = []
    again = run_demo(settings, plans=300, sample_size=15, say=said_again.append)
    text_again = "\n".join(said_again)
    later = stored(settings)
    assert "already set up" in text_again and "reusing it" in text_again
    assert later["counts"] == first["counts"] and later["counts"]["Cycle"] == 1
    assert again.cycle_id == state.cycle_id and again.reused
    assert f"is {later['status']} (as stored)" in text_again
    # By then the late auditor's second-marking pieces are past due too: what it says is counted on that day.
    assert later["late"] == again.late and later["late"][late_code] >= late_count
    assert f"{late_code} is late with {later['late'][late_code]} scorecards" in text_again
    assert f"{later['graded']} of 15 sampled plans graded" in text_again


def test_the_demo_refuses_an_area_that_is_not_the_demos(tmp_path, database_url):
    from audit.cycle.lifecycle import get_area
    from audit.errors import AuditError
    from audit.store.db import transaction

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    with transaction(engine_from_settings(settings)) as session:
        get_area(session, settings.area_code, create=True, name="Our real local area")
    with pytest.raises(AuditError, match="not the demo's"):
        run_demo(settings, plans=50, sample_size=5, say=lambda _: None)


def test_make_demo_twice_through_the_cli_keeps_one_cycle_whose_late_auditor_is_late(prefect_harness, tmp_path,
                                                                                    monkeypatch, database_url):
    from typer.testing import CliRunner

    from audit.settings import get_settings
    from ehcp_audit_cli.main import app

    for name, value in {"EHCP_AUDIT_DATA_DIR": str(tmp_path / "data"), "EHCP_AUDIT_DATABASE_URL": database_url,
                        "EHCP_AUDIT_RUBRICS_DIR": str(ROOT / "rubrics"), "COLUMNS": "300"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        runs = [CliRunner().invoke(app, ["demo", "--plans", "200", "--sample-size", "10"], catch_exceptions=False)
                for _ in range(2)]
        status = CliRunner().invoke(app, ["cycle", "status", "1"], catch_exceptions=False)
        listing = CliRunner().invoke(app, ["cycle", "status"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output + runs[1].output
    late = re.search(r"(AUD-[A-Z]+-\d+) is late with (\d+) scorecards", runs[0].output)
    assert late, runs[0].output
    row = next(line for line in status.output.splitlines() if late.group(1) in line)
    # The auditor's row: code, submitted, in draft, not started, late, total (columns apart by spaces).
    assert row.split()[4] == late.group(2), "cycle status counts the same scorecards late"
    stored_status = re.search(r"\((\w+)\), due", status.output).group(1)
    assert f"is {stored_status} (as stored)" in runs[0].output
    assert "reusing it" in runs[1].output and listing.output.count("Demo quarterly audit") == 1
