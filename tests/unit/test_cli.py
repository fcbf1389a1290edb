"""The command line: every command documented, errors as sentences with a non-zero exit, a QA lead's path."""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from typer.testing import CliRunner

from audit.settings import get_settings
from audit.synthetic.area import write_synthetic_area
from ehcp_audit_cli.main import app
from tests.factories import ROOT

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the terminal width
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def all_commands(group, prefix=()):
    # Typer ships its own copy of click, so groups are recognised by having sub-commands.
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def test_every_command_has_help():
    root = typer.main.get_command(app)
    commands = list(all_commands(root))
    assert len(commands) >= 15
    for path, cmd in commands:
        assert cmd.help and cmd.help.strip(), f"{' '.join(path)} has no help text"
        result = run(*path, "--help")
        assert result.exit_code == 0 and "Usage" in result.output, path


def test_errors_are_sentences_not_tracebacks(cli_env):
    missing = run("plans", "import", cli_env / "nope.csv")
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert "nope.csv" in missing.output
    bad = cli_env / "bad.csv"
    bad.write_text("plan_ref,team\nX,North\n")
    result = run("plans", "import", bad)
    assert result.exit_code == 1 and "rejected" in result.output and "phase" in result.output
    assert run("cycle", "status", 99).exit_code == 1
    assert "No cycle 99" in run("cycle", "status", 99).output
    assert run("report", "--cycle", 1).exit_code == 1
    assert run("rubric", "show", "no-such-rubric").exit_code == 1


def test_a_qa_lead_path_through_the_commands(cli_env):
    files = write_synthetic_area(cli_env / "area", seed=5, n_plans=150, as_of=date(2026, 11, 1))
    out = run("plans", "import", files["register"])
    assert out.exit_code == 0 and "150 new" in out.output
    assert "0 new, 0 updated, 150 unchanged" in run("plans", "import", files["register"]).output
    assert run("auditors", "import", files["auditors"]).exit_code == 0
    assert "is valid" in run("rubric", "validate", ROOT / "rubrics" / "whole-plan.yaml").output
    assert "themed-health-advice" in run("rubric", "list").output
    assert run("rubric", "show", "whole-plan").exit_code == 0
    created = run("cycle", "create", "--name", "Q4", "--sample-size", 12, "--due", "2099-01-31",
                  "--strata", "team")
    assert created.exit_code == 0 and "Created cycle 1" in created.output
    assert "Q4" in run("cycle", "status").output
    nothing_yet = run("scorecards", "template", 1, "--out", cli_env / "cards")
    assert nothing_yet.exit_code == 1 and "has the cycle been run" in nothing_yet.output
    past = run("cycle", "create", "--name", "Old", "--sample-size", 5, "--due", "2001-01-01")
    assert past.exit_code == 1 and "must be after today" in past.output

    table = run("timeliness", "--as-of", "2026-11-01")
    assert table.exit_code == 0 and "within 20 weeks" in table.output and "Definitions" in table.output
    as_json = json.loads(run("timeliness", "--as-of", "2026-11-01", "--format", "json").output)
    import pandas as pd

    from audit.register.plans import read_register
    from audit.timeliness.measures import compute_timeliness

    frame = pd.DataFrame(read_register(files["register"]).rows)
    for col in [c for c in frame.columns if c.endswith(("_date", "_requested", "_received"))]:
        frame[col] = pd.to_datetime(frame[col])
    expected = compute_timeliness(frame, date(2026, 11, 1)).to_dict()
    assert as_json["measures"] == expected["measures"]


def write_rows(path, rows):
    import csv

    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_scorecard_spreadsheets_status_and_withdraw_through_the_cli(cli_env):
    import csv

    from audit.cycle.lifecycle import get_cycle, open_cycle
    from ehcp_audit_cli.common import store

    files = write_synthetic_area(cli_env / "area", seed=6, n_plans=120, as_of=date(2026, 11, 1))
    run("plans", "import", files["register"])
    run("auditors", "import", files["auditors"])
    run("cycle", "create", "--name", "Q4", "--sample-size", 6, "--due", "2099-01-31", "--strata", "team")
    with store() as session:  # what `cycle run` does first, without starting Prefect
        open_cycle(session, get_cycle(session, 1))
    out = run("scorecards", "template", 1, "--out", cli_env / "cards", "--format", "csv")
    assert out.exit_code == 0
    cards = sorted((cli_env / "cards").glob("*.csv"))
    assert cards and all("AUD-" in c.name for c in cards)
    card = cards[0]
    rows = list(csv.DictReader(card.open()))
    for row in rows:
        row["grade"], row["comment"] = "Requires Improvement", "Outcomes are not measurable."
    rows[0]["grade"] = "Excellent"
    write_rows(card, rows)
    rejected = run("scorecards", "import", card)
    assert rejected.exit_code == 1 and "row 2" in rejected.output and "'grade'" in rejected.output
    assert "nothing was saved" in rejected.output
    rows[0]["grade"] = "RI"
    write_rows(card, rows)
    accepted = run("scorecards", "import", card)
    assert accepted.exit_code == 0 and "submitted" in accepted.output
    status = run("cycle", "status", 1, "--as-of", "2026-11-02")
    assert status.exit_code == 0 and "submitted" in status.output and card.stem.split("-1-")[-1] in status.output
    plan_ref = rows[0]["plan_ref"]
    withdrawn = run("cycle", "withdraw", 1, plan_ref, "--reason", "ceased")
    assert withdrawn.exit_code == 0 and f"Withdrew {plan_ref}" in withdrawn.output
    assert "Replaced by" in withdrawn.output or "No plan is left" in withdrawn.output
    assert f"Withdrawn: {plan_ref} (ceased)" in run("cycle", "status", 1).output
