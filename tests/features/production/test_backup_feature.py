"""Steps for backup.feature: the backup and restore commands of docs/operations.md, run for real (pg_dump and
pg_restore on the PostgreSQL pass; SQLite's online backup API, as `sqlite3 FILE ".backup COPY"`, on SQLite)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

from pytest_bdd import given, scenarios, then, when
from sqlalchemy.engine import make_url
from sqlmodel import Session

import audit.clock
from audit.cycle.lifecycle import get_cycle, open_cycle
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings
from audit.store import migrate
from audit.store.db import engine_from_settings, make_engine, transaction
from audit.synthetic.submissions import submit_simulated
from tests.databases import _new_name, _run_admin, database_url, on_postgresql
from tests.factories import ROOT, synthetic_cycle
from tests.store_dump import whole_dump

scenarios("production/backup.feature")


def pg_tool(name: str) -> str:
    """The client of the cluster's major version (Debian installs them under /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else shutil.which(name)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@given("a store with a scored audit cycle", target_fixture="ctx")
def scored_store(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    today = audit.clock.today()
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=40, sample_size=4, today=today, due=today + timedelta(days=20))
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        cycle = get_cycle(session, cycle_id)
        open_cycle(session, cycle)
        submit_simulated(session, cycle, seed=3)
        score_cycle(session, cycle)
    return {"settings": settings, "engine": engine, "cycle_id": cycle_id, "tmp": tmp_path}


@when("the engineer backs it up and restores the backup into an empty database")
def backup_and_restore(ctx):
    url = ctx["settings"].database_url
    if on_postgresql():
        backup = ctx["tmp"] / "ehcp-audit.dump"
        subprocess.run([pg_tool("pg_dump"), "--format=custom", f"--file={backup}", libpq(url)], check=True,
                       capture_output=True, timeout=300)
        name = _new_name("restored")
        _run_admin(f'CREATE DATABASE "{name}"')
        restored = database_url(name)
        subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={libpq(restored)}",
                        str(backup)], check=True, capture_output=True, timeout=300)
        ctx["cleanup"] = name
    else:
        source = Path(url.split("///", 1)[1])
        target = ctx["tmp"] / "restore" / "ehcp-audit.db"
        target.parent.mkdir()
        with sqlite3.connect(source) as live, sqlite3.connect(ctx["tmp"] / "backup.db") as copy:
            live.backup(copy)  # what `sqlite3 data/ehcp-audit.db ".backup backup.db"` does, safe while in use
        shutil.copy(ctx["tmp"] / "backup.db", target)
        restored = f"sqlite:///{target}"
    ctx["restored"] = make_engine(restored)


@then("every table of the restored store equals the original, row for row")
def same_rows(ctx):
    original, restored = whole_dump(ctx["engine"]), whole_dump(ctx["restored"])
    assert sum(len(rows) for rows in original.values()) > 100
    assert original == restored


@then("the restored store is at the latest schema and gives the same cycle results")
def same_results(ctx):
    try:
        assert migrate.current_revision(ctx["restored"]) == migrate.head_revision()
        frames = []
        for engine in (ctx["engine"], ctx["restored"]):
            with Session(engine) as session:
                frames.append(load_cycle_results(session, get_cycle(session, ctx["cycle_id"])).plans)
        assert len(frames[0]) == 4 and frames[0].equals(frames[1])
    finally:
        ctx["restored"].dispose()
        if ctx.get("cleanup"):
            _run_admin(f'DROP DATABASE IF EXISTS "{ctx["cleanup"]}" WITH (FORCE)')
