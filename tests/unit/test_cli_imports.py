"""Commands import only what they use (issue 16): `ehcp-audit --help` and the read commands start in a fraction
of a second because they never load Prefect, FastAPI, scipy, pandas or Alembic. Each check runs the command in
a fresh interpreter and reads `sys.modules` at the end, so a new top-level import anywhere on the path fails
here rather than slowing every command down unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from audit.store.db import forget_engine, init_db, make_engine
from audit.store.migrate import _script_head, head_revision, stored_revision
from tests.factories import ROOT
from tests.unit.test_view_cache import scored_store  # noqa: F401  (a fixture: a scored cycle)

HEAVY = ("prefect", "fastapi", "uvicorn", "scipy", "pandas", "alembic", "weasyprint", "matplotlib", "duckdb")

PROBE = """
import json, sys
from ehcp_audit_cli.main import app
try:
    app(sys.argv[1:], prog_name="ehcp-audit")
except SystemExit as end:
    code = end.code
else:
    code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules})
print("\\n" + json.dumps({"code": code, "loaded": loaded}))
"""


def loaded_by(*args: str, env: dict | None = None) -> set[str]:
    """The top-level packages a command has imported when it ends (run in a new interpreter)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["code"] in (0, None), done.stdout + done.stderr
    return set(outcome["loaded"])


@pytest.mark.parametrize("args", [["--help"], ["cycle", "--help"], ["board-pack", "--help"], ["prefect", "--help"]])
def test_help_imports_no_framework_and_no_database(args):
    loaded = loaded_by(*args)
    assert not loaded & {*HEAVY, "sqlalchemy", "sqlmodel", "argon2"}, sorted(loaded & {*HEAVY, "sqlalchemy"})


@pytest.fixture
def current_store(tmp_path, database_url):
    """A store already at the latest schema, as every command after the first finds it."""
    engine = make_engine(database_url)
    init_db(engine)
    engine.dispose()
    yield {"EHCP_AUDIT_DATABASE_URL": database_url, "EHCP_AUDIT_DATA_DIR": str(tmp_path / "data"),
           "EHCP_AUDIT_RUBRICS_DIR": str(ROOT / "rubrics")}
    forget_engine(database_url)


@pytest.mark.parametrize("args", [["cycle", "status"], ["users", "list"], ["trail", "show", "--limit", "1"]])
def test_read_commands_on_a_current_store_load_no_framework_nor_alembic(args, current_store):
    loaded = loaded_by(*args, env=current_store)
    assert "sqlalchemy" in loaded  # the command did open the store
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_newest_revision_is_read_from_the_scripts_as_alembic_reads_it():
    from alembic.script import ScriptDirectory

    from audit.store.migrate import alembic_config

    assert _script_head() == head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_stored_revision_is_read_as_alembic_reads_it(engine):
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        assert stored_revision(connection) == MigrationContext.configure(connection).get_current_revision()
        assert stored_revision(connection) == head_revision()
        assert stored_revision(connection, table_names=set()) is None  # no alembic_version table: never stamped


def test_importing_the_accounts_module_computes_no_password_hash():
    probe = ("import argon2\n"
             "def refuse(*a, **k): raise AssertionError('a password hash was computed at import')\n"
             "argon2.PasswordHasher.hash = refuse\n"
             "import audit.protection.users\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_unknown_usernames_are_checked_against_a_hash_made_with_the_hashers_own_parameters():
    from audit.protection import users

    assert not users._hasher.check_needs_rehash(users._dummy_hash())  # so it costs what a real check costs
    assert users._dummy_hash() == users._DUMMY_HASH


def test_a_report_already_worked_out_for_the_current_data_loads_no_pandas(scored_store):
    """`ehcp-audit report` reads the board summary kept for the current data (reports.cache) and renders it: the
    first run works it out (pandas, the cycle's results), the next loads none of that."""
    settings, cycle_id = scored_store
    env = {"EHCP_AUDIT_DATABASE_URL": settings.database_url, "EHCP_AUDIT_DATA_DIR": str(settings.data_dir),
           "EHCP_AUDIT_AREA_CODE": settings.area_code, "EHCP_AUDIT_RUBRICS_DIR": str(settings.rubrics_dir)}
    args = ["report", "--cycle", str(cycle_id), "--format", "md"]
    assert "pandas" in loaded_by(*args, env=env)  # worked out, and kept
    assert list((settings.data_dir / "cache").glob("board-summary-*.json"))
    loaded = loaded_by(*args, env={**env, "EHCP_AUDIT_KEEP_OUTPUT": "0"})  # the full path, the summary read back
    assert "sqlalchemy" in loaded and not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    loaded = loaded_by(*args, env=env)  # the output kept for the current data (ehcp_audit_cli/kept_output.py)
    assert not loaded & {*HEAVY, "sqlalchemy", "sqlmodel", "jinja2"}, sorted(loaded & {*HEAVY, "sqlalchemy"})


def test_a_read_command_run_again_on_unchanged_data_loads_no_database_library(current_store):
    """The second run prints the output kept for the current data version, read with the bare driver
    (tests/unit/test_kept_output.py runs every read command so, and checks the text)."""
    loaded_by("cycle", "status", env=current_store)
    loaded = loaded_by("cycle", "status", env=current_store)
    assert not loaded & {*HEAVY, "sqlalchemy", "sqlmodel", "numpy"}, sorted(loaded & {*HEAVY, "sqlalchemy", "sqlmodel"})


def test_the_trail_commands_help_names_every_action_without_importing_the_trail():
    from audit.protection.trail_search import ACTIONS
    from ehcp_audit_cli.trail_cmds import ActionOpt

    assert ActionOpt.help == f"One of: {', '.join(ACTIONS)}."
