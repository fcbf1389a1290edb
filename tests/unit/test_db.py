"""The store's schema: migrations build exactly the models' tables on SQLite and PostgreSQL, a new store is
stamped, an old file is adopted or upgraded, and a database that is behind says how to upgrade."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from audit.errors import AuditError
from audit.store import migrate
from audit.store.db import add_missing_columns, init_db, make_engine, upgrade_database
from audit.store.models import LocalArea
from tests.databases import new_store_url, on_postgresql


@pytest.fixture
def empty_engine(tmp_path):
    """A database with no tables at all, on the database under test."""
    from tests.databases import drop_store

    url = new_store_url(tmp_path, "empty", empty=True)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_store(url)


def test_migrations_build_exactly_the_models_schema(empty_engine):
    """If this fails after a model change, write a migration: ehcp-audit db revision -m '...' (docs/production.md)."""
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert migrate.schema_differences(empty_engine) == []


def test_the_schema_check_notices_a_missing_column(empty_engine):
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(sa.text('ALTER TABLE plan DROP COLUMN review_decision_date'))
    differences = migrate.schema_differences(empty_engine)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "review_decision_date")]


def test_downgrade_to_base_leaves_nothing_behind_and_upgrade_rebuilds(empty_engine):
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert set(sa.inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_engine)
    assert migrate.schema_differences(empty_engine) == []


def test_a_new_store_made_by_init_db_is_stamped_and_matches_the_migrations(empty_engine):
    init_db(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert migrate.schema_differences(empty_engine) == []
    upgrade_database(empty_engine)  # nothing to do, and no error
    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_no_column_is_a_native_enum():
    """Native PostgreSQL ENUM types outlive a downgrade; store enum values as strings (docs/production.md)."""
    natives = [f"{t.name}.{c.name}" for t in SQLModel.metadata.sorted_tables for c in t.columns
               if isinstance(c.type, sa.Enum) and c.type.native_enum]
    assert natives == []


def test_a_sqlite_file_at_an_older_revision_is_upgraded_on_the_spot(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'older.db'}")
    migrate.upgrade(engine, migrate.BASELINE)
    init_db(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert migrate.schema_differences(engine) == []


@pytest.mark.skipif(not on_postgresql(), reason="SQLite files are upgraded on the spot; see the next test")
def test_a_postgresql_database_behind_the_code_asks_for_db_upgrade(empty_engine):
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(AuditError, match="run: ehcp-audit db upgrade"):
        init_db(empty_engine)


# --- SQLite files made before migrations existed (the old add-missing-columns stop-gap, now adoption only) ---


def unversioned_file(tmp_path, *statements):
    """A SQLite file as an older version (without migrations) left it, altered by `statements`."""
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute("DROP TABLE alembic_version")
        for statement in statements:
            con.execute(statement)
        con.execute("INSERT INTO localarea (code, name) VALUES ('OLD', 'Old area')")
    return path


def test_an_unversioned_file_missing_a_required_column_is_refused_with_a_sentence(tmp_path):
    path = unversioned_file(tmp_path, "ALTER TABLE auditor DROP COLUMN team", "ALTER TABLE auditor ADD COLUMN legacy TEXT")
    with pytest.raises(AuditError, match=r"lacks required columns \(auditor.team\)"):
        init_db(make_engine(f"sqlite:///{path}"))  # `team` is NOT NULL: it cannot be added safely, so it says so


def test_an_unversioned_file_gains_nullable_columns_keeps_its_data_and_is_stamped(tmp_path):
    path = unversioned_file(tmp_path, "ALTER TABLE plan DROP COLUMN review_decision_date")
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    with sqlite3.connect(path) as con:
        assert "review_decision_date" in {row[1] for row in con.execute("PRAGMA table_info(plan)")}
    with Session(engine) as s:
        assert s.exec(select(LocalArea.code)).all() == ["OLD"]
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert add_missing_columns(engine) == []


def test_db_upgrade_adopts_an_unversioned_file(tmp_path):
    path = unversioned_file(tmp_path)
    before, after = upgrade_database(make_engine(f"sqlite:///{path}"))
    assert (before, after) == (None, migrate.head_revision())


def test_a_relative_sqlite_path_is_one_database_wherever_the_process_is(tmp_path, monkeypatch):
    """The default store URL is relative; the engine cache must not mix up two folders' stores."""
    from audit.store.db import normalise_url

    monkeypatch.chdir(tmp_path)
    assert normalise_url("sqlite:///data/ehcp-audit.db") == f"sqlite:///{(tmp_path / 'data/ehcp-audit.db').as_posix()}"
    assert normalise_url("sqlite:///data/x.db?mode=ro").endswith("/data/x.db?mode=ro")
    assert normalise_url("sqlite:////srv/x.db") == "sqlite:////srv/x.db"
    assert normalise_url("sqlite:///:memory:") == "sqlite:///:memory:"
    assert normalise_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
