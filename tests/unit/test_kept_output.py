"""Read commands print the output kept for the current data (ehcp_audit_cli/kept_output.py): the same text the
full work prints, without loading the store's libraries, and the full work again as soon as anything changes.

Each command runs in a new interpreter, as a person runs it: once with keeping switched off (the full path,
what the command printed before it kept anything), then twice with it on (the first keeps, the second reuses).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from audit.cycle.lifecycle import get_area, get_cycle
from audit.settings import Settings
from audit.store.db import engine_from_settings, forget_engine, transaction
from audit.store.models import Plan
from audit.store.quick_version import read_data_version
from audit.store.versions import data_version
from ehcp_audit_cli import kept_output
from tests.factories import ROOT
from tests.unit.test_view_cache import lower_a_good_plan_to_inadequate, scored_store  # noqa: F401  (a fixture)

LOADS_THE_STORE = {"sqlalchemy", "sqlmodel", "pandas", "numpy", "jinja2", "alembic", "prefect", "scipy"}

PROBE = """
import json, sys
from ehcp_audit_cli.main import app
try:
    app(sys.argv[1:], prog_name="ehcp-audit")
except SystemExit as end:
    code = end.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write("\\n" + json.dumps({"code": code, "loaded": sorted({n.split(".")[0] for n in sys.modules})}))
"""


def environment(settings: Settings, keep: bool = True) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "EHCP_AUDIT_DATABASE_URL": settings.database_url,
            "EHCP_AUDIT_DATA_DIR": str(settings.data_dir), "EHCP_AUDIT_AREA_CODE": settings.area_code,
            "EHCP_AUDIT_RUBRICS_DIR": str(settings.rubrics_dir), "EHCP_AUDIT_SMALL_NUMBER_THRESHOLD": "1",
            "EHCP_AUDIT_KEEP_OUTPUT": "true" if keep else "false"}


def run(settings: Settings, *args: str, keep: bool = True) -> tuple[str, set[str]]:
    """What the command printed, and the top-level packages it had loaded when it ended."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, env=environment(settings, keep),
                          capture_output=True, text=True, timeout=180)
    outcome = json.loads(done.stderr.strip().splitlines()[-1])
    assert outcome["code"] in (0, None), done.stdout + done.stderr
    return done.stdout, set(outcome["loaded"])


def commands(cycle_id: int) -> list[list[str]]:
    n = str(cycle_id)
    return [["cycle", "status"], ["cycle", "status", n], ["report", "--cycle", n, "--format", "md"],
            ["report", "--cycle", n], ["timeliness"], ["timeliness", "--format", "json", "--by", "team", "--open"]]


def test_a_read_command_prints_what_the_full_work_prints_without_loading_the_store(scored_store):
    settings, cycle_id = scored_store
    for args in commands(cycle_id):
        full, loaded_full = run(settings, *args, keep=False)
        first, _ = run(settings, *args)
        again, loaded = run(settings, *args)
        assert full and first == full and again == full, args
        assert "sqlalchemy" in loaded_full  # the full path did read the store
        assert not loaded & LOADS_THE_STORE, (args, sorted(loaded & LOADS_THE_STORE))
    assert len(list((settings.data_dir / "cache").glob("output-*.json"))) == len(commands(cycle_id))


def test_a_change_to_the_data_is_printed_at_once(scored_store):
    settings, cycle_id = scored_store
    n = str(cycle_id)
    watched = {"status": ["cycle", "status"], "report": ["report", "--cycle", n, "--format", "md"],
               "timeliness": ["timeliness", "--format", "json"]}
    before = {name: run(settings, *args)[0] for name, args in watched.items()}
    assert {name: run(settings, *args)[0] for name, args in watched.items()} == before  # kept, and the same

    with transaction(engine_from_settings(settings)) as session:  # three changes, made outside the command
        cycle = get_cycle(session, cycle_id)
        cycle.name = "Renamed after the first run"
        session.add(cycle)
        for plan in session.exec(select(Plan).where(Plan.area_id == get_area(session, settings.area_code).id)):
            plan.final_issued_date = None
            session.add(plan)
    lower_a_good_plan_to_inadequate(settings, cycle_id)

    after = {name: run(settings, *args)[0] for name, args in watched.items()}
    assert "Renamed after the first run" in after["status"]
    for name, args in watched.items():
        assert after[name] != before[name], name
        assert after[name] == run(settings, *args, keep=False)[0], name  # what the full work prints now


def test_the_version_read_without_sqlalchemy_is_the_store_s_data_version(scored_store, tmp_path):
    settings, _ = scored_store
    with transaction(engine_from_settings(settings)) as session:
        assert read_data_version(settings.database_url) == data_version(session) != "0"
    assert read_data_version("sqlite://") is None and read_data_version("mysql://x@y/z") is None
    missing = tmp_path / "nowhere" / "store.db"
    assert read_data_version(f"sqlite:///{missing}") is None and not missing.exists()  # never makes a file


@pytest.fixture
def kept_settings(tmp_path, database_url, monkeypatch):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    engine_from_settings(settings)  # a current, empty store
    monkeypatch.setattr(kept_output, "settings", lambda: settings)
    yield settings
    forget_engine(database_url)


def outputs(folder: Path) -> list[Path]:
    return sorted((folder / "cache").glob("output-*.json"))


def test_a_failed_run_is_not_kept_and_an_account_s_run_neither_reads_nor_keeps(kept_settings, capsys, monkeypatch):
    printed = []

    def fails():
        print("half a table")
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        kept_output.kept("probe", {}, fails)
    assert not outputs(kept_settings.data_dir)

    kept_output.kept("probe", {}, lambda: printed.append(print("as the operator")))
    assert len(outputs(kept_settings.data_dir)) == 1
    monkeypatch.setattr(kept_output, "acting_user", lambda: "qa.lead")
    kept_output.kept("probe", {}, lambda: printed.append(print("as qa.lead")))
    assert len(printed) == 2 and capsys.readouterr().out.endswith("as qa.lead\n")  # run, not the operator's text


def test_each_option_and_day_is_kept_on_its_own_and_keeping_can_be_switched_off(kept_settings, capsys, monkeypatch,
                                                                                clock):
    from datetime import date

    clock.set(date(2026, 3, 2))
    for key in ({"cycle": 1}, {"cycle": 2}, {"cycle": 1}):
        kept_output.kept("probe", key, lambda key=key: print(f"cycle {key['cycle']}"))
    assert len(outputs(kept_settings.data_dir)) == 2
    assert capsys.readouterr().out == "cycle 1\ncycle 2\ncycle 1\n"
    clock.set(date(2026, 3, 3))
    kept_output.kept("probe", {"cycle": 1}, lambda: print("cycle 1 the next day"))
    monkeypatch.setattr(kept_output, "settings", lambda: kept_settings.model_copy(update={"keep_output": False}))
    kept_output.kept("probe", {"cycle": 1}, lambda: print("cycle 1, not kept"))
    assert len(outputs(kept_settings.data_dir)) == 3
    assert capsys.readouterr().out == "cycle 1 the next day\ncycle 1, not kept\n"


def test_the_command_line_knows_the_summary_formats_without_loading_jinja():
    from ehcp_audit_cli.main import SUMMARY_FORMATS
    from reports.render import FORMATS

    assert SUMMARY_FORMATS == FORMATS
