"""Engine and sessions. SQLite by default; any SQLAlchemy URL through settings."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from audit import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from audit.errors import AuditError
from audit.settings import Settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    # WAL lets the web app read while a flow writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_db(engine: Engine) -> None:
    """Create missing tables, then add columns a newer version introduced (see `add_missing_columns`)."""
    SQLModel.metadata.create_all(engine)
    add_missing_columns(engine)


def add_missing_columns(engine: Engine) -> list[str]:
    """Add new nullable columns to tables an older version created; returns 'table.column' for each.

    Only what is safe without a migration: a nullable column with no server default. Anything else
    stops with a sentence rather than failing later on a query. (Alembic migrations replace this for
    production databases.)
    """
    inspector = inspect(engine)
    added, blocked = [], []
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            existing = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in existing:
                    continue
                if not column.nullable or column.primary_key:
                    blocked.append(f"{table.name}.{column.name}")
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                added.append(f"{table.name}.{column.name}")
    if blocked:
        raise AuditError(
            f"The database at {engine.url.render_as_string(hide_password=True)} was made by an older version and "
            f"lacks required columns ({', '.join(blocked)}). Back it up and start a new one, or migrate it."
        )
    return added


def engine_from_settings(settings: Settings) -> Engine:
    engine = make_engine(settings.resolved_database_url)
    init_db(engine)
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """`transaction` for a unit of work that reads, then writes; on SQLite it takes the write lock first.

    SQLite refuses (rather than waits for) a write in a transaction whose reads are older than another
    connection's commit ("database is locked"). BEGIN IMMEDIATE queues the whole unit behind other writers
    instead, within the busy timeout; readers are never blocked (WAL).
    """
    with transaction(engine) as session:
        connection = session.connection()
        if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield session
