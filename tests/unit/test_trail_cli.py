"""`ehcp-audit trail show/export/verify`: the operator is named, exports are escaped, tampering is reported."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date

from audit.settings import get_settings
from audit.store.actor import cli_actor
from audit.synthetic.area import write_synthetic_area
from tests.unit.test_cli import cli_env, run  # noqa: F401  (cli_env is a fixture)


def test_show_names_the_operator_and_the_bulk_import(cli_env):
    files = write_synthetic_area(cli_env / "area", seed=5, n_plans=40, as_of=date(2026, 11, 1))
    assert run("plans", "import", files["register"]).exit_code == 0
    shown = run("trail", "show", "--table", "plan")
    assert shown.exit_code == 0
    operator = cli_actor().partition(":")[2]  # who did what to what, in words: the operator, on the command line
    assert f"{operator}, on the command line added 40 plans to the register in one go" in " ".join(shown.output.split())
    assert "No entries match" in run("trail", "show", "--actor", "web:nobody").output
    bad = run("trail", "show", "--action", "rename")
    assert bad.exit_code == 1 and "'rename' is not an action" in bad.output and "Traceback" not in bad.output
    assert run("trail", "show", "--since", "2026-12-01", "--until", "2026-11-01").exit_code == 1


def test_export_writes_every_entry_with_formula_cells_escaped(cli_env):
    (cli_env / "auditors.csv").write_text("code,agency,team\nAUD-1,health,Ward 1\n", encoding="utf-8")
    assert run("auditors", "import", cli_env / "auditors.csv").exit_code == 0
    out = cli_env / "trail.csv"
    result = run("trail", "export", "--out", out)
    assert result.exit_code == 0 and "Wrote 2 entries" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["table_name"] for r in rows] == ["localarea", "auditor"]
    assert rows[1]["actor"] == cli_actor() and '"AUD-1"' in rows[1]["after"]
    assert run("trail", "export", "--out", cli_env / "trail.xlsx").exit_code == 1


def test_verify_prints_the_head_and_reports_an_entry_changed_outside_the_app(cli_env):
    (cli_env / "auditors.csv").write_text("code,agency\nAUD-1,health\nAUD-2,education\n", encoding="utf-8")
    run("auditors", "import", cli_env / "auditors.csv")
    ok = run("trail", "verify")
    assert ok.exit_code == 0 and "verifies: 2 entries" in ok.output
    head = next(line.split("Head: ")[1].strip() for line in ok.output.splitlines() if line.startswith("Head: "))
    assert run("trail", "verify", "--expect", head).exit_code == 0
    assert run("trail", "verify", "--expect", "nonsense").exit_code != 0
    url = get_settings().resolved_database_url
    if not url.startswith("sqlite"):
        return  # the PostgreSQL triggers are tested in test_trail_postgres.py
    with sqlite3.connect(url.split("///", 1)[1]) as db:
        db.execute("DROP TRIGGER trailentry_no_update")
        db.execute("UPDATE trailentry SET actor = 'cli:someone-else' WHERE id = 1")
    broken = run("trail", "verify")
    assert broken.exit_code == 1 and "entry 1 was changed" in broken.output
