"""Which database the suite runs against, and fresh stores for tests on it.

EHCP_AUDIT_TEST_DATABASE=sqlite (the default) or postgresql. For postgresql the run starts a throwaway
cluster on loopback (scripts/pg_cluster.py) unless EHCP_AUDIT_TEST_PG_URL already names a server, and stops it
at the end. Each xdist worker builds one schema template database; every test that needs a store gets its
own database copied from it (CREATE DATABASE ... TEMPLATE, about 30 ms), dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from audit.store.db import forget_engine, init_db, make_engine

BACKEND = os.environ.get("EHCP_AUDIT_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "postgresql"):
    raise SystemExit(f"EHCP_AUDIT_TEST_DATABASE={BACKEND!r}: use sqlite or postgresql")
SERVER_URL_VAR = "EHCP_AUDIT_TEST_PG_URL"
_RUN = secrets.token_hex(3)  # databases of this process never collide with another run's on a shared server
_names = itertools.count(1)
_schema_template: str | None = None


def on_postgresql() -> bool:
    return BACKEND == "postgresql"


# --- the cluster: started by the controlling pytest process, inherited by xdist workers through the environment


def start_cluster(config) -> None:
    """Start a throwaway cluster for this run unless a server was given (called from pytest_configure)."""
    if not on_postgresql() or hasattr(config, "workerinput") or os.environ.get(SERVER_URL_VAR):
        return
    from scripts.pg_cluster import start

    folder = Path(tempfile.mkdtemp(prefix="ehcp-audit-pg-"))
    os.environ[SERVER_URL_VAR] = start(folder)
    config._ehcp_pg_cluster = folder


def stop_cluster(config) -> None:
    folder = getattr(config, "_ehcp_pg_cluster", None)
    if folder:
        from scripts.pg_cluster import stop

        stop(folder)
        os.environ.pop(SERVER_URL_VAR, None)


def server_url() -> str:
    url = os.environ.get(SERVER_URL_VAR)
    if not url:
        raise RuntimeError(f"No PostgreSQL server for the tests: {SERVER_URL_VAR} is unset")
    return url


def _run_admin(sql: str) -> None:
    engine = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


def database_url(name: str) -> str:
    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def _new_name(prefix: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{_RUN}_{worker}_{next(_names)}"


def _schema_template_name() -> str:
    """This worker's empty database with the current schema, built once."""
    global _schema_template
    if _schema_template is None:
        name = _new_name("schema")
        _run_admin(f'CREATE DATABASE "{name}"')
        engine = make_engine(database_url(name))
        init_db(engine)
        engine.dispose()
        _schema_template = name
    return _schema_template


# --- stores for tests ----------------------------------------------------------------------------------------


def new_store_url(folder: Path, name: str = "ehcp-audit", empty: bool = False) -> str:
    """A new store: a SQLite file in `folder` (schema made on first use), or a new database with the schema.

    `empty`: no tables at all, not even on PostgreSQL (for migration tests).
    """
    if not on_postgresql():
        return f"sqlite:///{(Path(folder) / f'{name}.db').as_posix()}"
    if empty:
        name = _new_name("empty")
        _run_admin(f'CREATE DATABASE "{name}"')
        return database_url(name)
    return copy_store(database_url(_schema_template_name()), folder)


def copy_store(url: str, folder: Path) -> str:
    """A copy of the store at `url` (whose engines must be closed first: forget_engine / dispose)."""
    if url.startswith("sqlite"):
        source = Path(url.split("///", 1)[1])
        with sqlite3.connect(source) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = Path(folder) / f"copy-{next(_names)}-{source.name}"
        shutil.copy(source, target)
        return f"sqlite:///{target.as_posix()}"
    name = _new_name("t")
    template = make_url(url).database
    # PostgreSQL refuses to copy a database while any session is connected to it. The session-wide stores
    # (the board store, say) are read by many tests through the product's cached engines, whose idle pooled
    # connections stay open: close this process's engine, then end any connection still left (tests in one
    # worker run one at a time, and the product's engines check a connection before use).
    forget_engine(url)
    _run_admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"
    )
    # A connection just being ended can still be there for a moment: try again for a few seconds.
    for attempt in range(20):
        try:
            _run_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            break
        except OperationalError as error:
            if "is being accessed by other users" not in str(error) or attempt == 19:
                raise
            time.sleep(0.5)
    return database_url(name)


def drop_store(url: str) -> None:
    """Forget the process's engine for `url`; a PostgreSQL database is dropped (SQLite files go with tmp_path)."""
    forget_engine(url)
    if url.startswith("postgresql"):
        _run_admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
