"""The audit trail on PostgreSQL: the triggers refuse UPDATE, DELETE and TRUNCATE; concurrent writers keep one chain.

Runs in the PostgreSQL pass of `make test` (on its throwaway cluster), or when EHCP_AUDIT_TEST_POSTGRES_URL
points at a server the tests may create databases on; skipped in the SQLite pass.
"""

from __future__ import annotations

import os
import secrets
import threading

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from audit.store.actor import acting_as
from audit.store.db import init_db, make_engine, transaction
from audit.store.models import Auditor, LocalArea, TrailEntry
from audit.store.trail import verify_chain
from tests.databases import SERVER_URL_VAR

SERVER = os.environ.get("EHCP_AUDIT_TEST_POSTGRES_URL") or os.environ.get(SERVER_URL_VAR)
pytestmark = pytest.mark.skipif(not SERVER, reason="runs in the PostgreSQL pass (or set EHCP_AUDIT_TEST_POSTGRES_URL)")


@pytest.fixture
def pg_engine():
    pytest.importorskip("psycopg")
    name = f"trail_{secrets.token_hex(4)}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    init_db(engine)
    init_db(engine)  # a second start-up finds the triggers and leaves them
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_triggers_refuse_update_delete_and_truncate(pg_engine):
    with acting_as("cli:pg"), transaction(pg_engine) as s:
        s.add(LocalArea(code="PG", name="pg"))
    for statement in ("UPDATE trailentry SET actor = 'x'", "DELETE FROM trailentry", "TRUNCATE trailentry"):
        with pg_engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text(statement))
    with Session(pg_engine) as s:
        assert [e.actor for e in s.exec(select(TrailEntry)).all()] == ["cli:pg"]


def test_row_and_bulk_entries_verify_on_postgresql(pg_engine):
    with transaction(pg_engine) as s:
        area = LocalArea(code="PG", name="pg")
        s.add(area)
        s.flush()
        s.execute(insert(Auditor), [{"area_id": area.id, "code": f"A-{i}", "agency": "health"} for i in range(5)])
        s.add(Auditor(area_id=area.id, code="B-1", agency="education"))
    with Session(pg_engine) as s:
        recorded = [(e.table_name, e.action, e.rows) for e in s.exec(select(TrailEntry).order_by(TrailEntry.id))]
        assert recorded == [("localarea", "create", 1), ("auditor", "bulk create", 5), ("auditor", "create", 1)]
        assert verify_chain(s).ok


def test_concurrent_writers_extend_one_chain(pg_engine):
    with transaction(pg_engine) as s:
        s.add(LocalArea(code="PG", name="pg"))
    errors = []

    def writer(prefix: str) -> None:
        try:
            for i in range(15):
                with acting_as(f"web:{prefix}"), transaction(pg_engine) as s:
                    s.add(Auditor(area_id=1, code=f"{prefix}-{i}", agency="health"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with Session(pg_engine) as s:
        check = verify_chain(s)
        assert check.ok and check.entries == 1 + 45
