"""Engine and sessions. SQLite by default; PostgreSQL (psycopg 3) or any SQLAlchemy URL through settings.

The schema is kept by Alembic (audit/store/migrate.py, audit/store/migrations/). `init_db` is what every entry point
calls: a new database gets the tables and is stamped at the latest revision; a SQLite file made by an older
version is migrated on the spot; any other database that is behind stops with a sentence asking for
`ehcp-audit db upgrade` (production upgrades are deliberate, with a backup first: docs/production.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

from audit.errors import AuditError
from audit.settings import Settings
from audit.store import (
    migrate,
    models,  # noqa: F401  (models registers the tables on SQLModel.metadata)
)
from audit.store.trail import watch_engine
from audit.store.trail_guard import install_trail_guards

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """One spelling per database, so the process keeps one engine for it.

    `postgresql://...` means psycopg 3 here (SQLAlchemy would otherwise look for psycopg2). A relative SQLite
    path (the default `sqlite:///data/ehcp-audit.db`) is made absolute: otherwise an engine cached under the
    relative spelling would keep pointing at the folder the process was in when it was first made.
    """
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///"):]
        path, sep, query = rest.partition("?")
        if path and path != ":memory:" and not path.startswith("/"):
            return f"sqlite:///{Path(path).absolute().as_posix()}{sep}{query}"
    return url


def make_engine(url: str) -> Engine:
    """A new engine for `url`: SQLite with WAL and foreign keys on, others with connections checked before use."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    watch_engine(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    # WAL lets the web app read while a flow writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_db(engine: Engine) -> None:
    """Make the schema current: create and stamp a new database, migrate an old SQLite file, refuse the rest.

    A database already current (every start of every command after the first) costs one connection and a
    couple of catalogue queries: Alembic is loaded only when there is something to create, stamp or migrate.
    """
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = migrate.stored_revision(connection, tables)
    if not tables - {migrate.VERSION_TABLE}:
        SQLModel.metadata.create_all(engine)
        migrate.stamp(engine, "head")
        _guard_trail(engine)
        return
    if revision is None:
        adopt_unversioned(engine)
    elif revision != migrate.head_revision():
        if engine.dialect.name != "sqlite":
            raise AuditError(
                f"The database at {_shown(engine)} is at schema revision {revision}; this version needs "
                f"{migrate.head_revision()}. Back it up, then run: ehcp-audit db upgrade")
        migrate.upgrade(engine)
    # Tables added on a branch before their migration exists (see docs/production.md) are created here; a
    # database made by `db upgrade` already has every table and this changes nothing.
    if set(SQLModel.metadata.tables) - tables:
        SQLModel.metadata.create_all(engine)
    _guard_trail(engine)


def _guard_trail(engine: Engine) -> None:
    """Make the audit trail append-only and recorded on this engine (audit.store.trail, audit.store.trail_guard)."""
    install_trail_guards(engine)
    watch_engine(engine)


def adopt_unversioned(engine: Engine) -> list[str]:
    """Bring a database made before migrations existed to the current tables, then stamp it; returns columns added.

    Only what is safe without a migration is done: missing tables, and missing nullable columns with no
    server default. A missing required column stops with a sentence rather than failing later on a query.
    """
    SQLModel.metadata.create_all(engine)
    added = add_missing_columns(engine)
    migrate.stamp(engine, "head")
    return added


def upgrade_database(engine: Engine) -> tuple[str | None, str]:
    """`ehcp-audit db upgrade`: adopt a pre-migration database if need be, then migrate to head; (before, after)."""
    before = migrate.current_revision(engine)
    if before is None and set(inspect(engine).get_table_names()) & set(SQLModel.metadata.tables):
        adopt_unversioned(engine)
    migrate.upgrade(engine)
    return before, migrate.current_revision(engine) or ""


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the nullable columns an unversioned (pre-migration) database lacks; returns 'table.column' for each."""
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
            f"The database at {_shown(engine)} was made by an older version and "
            f"lacks required columns ({', '.join(blocked)}). Back it up and start a new one, or migrate it."
        )
    return added


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def engine_from_settings(settings: Settings) -> Engine:
    """The process's one engine for the configured database, its schema made current on first use."""
    url = normalise_url(settings.resolved_database_url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            init_db(engine)
            _engines[url] = engine
        return engine


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def require_store(settings: Settings) -> Engine:
    """The configured store, refusing rather than making a new empty one (production, and every worker flow).

    Refused, with the setting to set: no database URL in production; a SQLite file that does not exist (in
    production, or when no URL was given: a process started without its environment, in the wrong folder);
    a database that cannot be reached; a database without tables. A development process given an explicit
    SQLite URL may still start a new file (tests and demonstrations do).
    """
    if settings.production and not settings.database_url:
        raise AuditError("No database is configured, and in production (EHCP_AUDIT_ENVIRONMENT=production) a new "
                         "empty one is never made: set EHCP_AUDIT_DATABASE_URL (or EHCP_AUDIT_DATABASE_URL_FILE).")
    url = settings.resolved_database_url
    path = sqlite_path(url)
    if path is not None and not path.exists() and (settings.production or not settings.database_url):
        where = "EHCP_AUDIT_DATABASE_URL" if settings.database_url else (
            "EHCP_AUDIT_DATABASE_URL (none is set, so the default under EHCP_AUDIT_DATA_DIR was tried)")
        raise AuditError(f"There is no database at {path.resolve()}; a new empty one was not made. Set {where} to "
                         "the service's database, or start the process with its environment (docs/operations.md).")
    if path is None or settings.production:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
        except OperationalError as exc:
            raise AuditError(f"The database at {_shown(engine)} cannot be reached ({_first_line(exc)}). Check "
                             "EHCP_AUDIT_DATABASE_URL and that the database server is running.") from None
        finally:
            engine.dispose()
        if settings.production and not tables - {"alembic_version"}:
            raise AuditError(f"The database at {_shown(engine)} has no tables. If it is the right one, make them "
                             "with: ehcp-audit db upgrade; otherwise set EHCP_AUDIT_DATABASE_URL.")
    return engine_from_settings(settings)


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def forget_engine(url: str) -> None:
    """Close and drop the cached engine for `url` (before the database is removed or replaced)."""
    with _engines_lock:
        engine = _engines.pop(normalise_url(url), None)
    if engine is not None:
        engine.dispose()


def database_kind(url: str) -> str:
    """'sqlite' or 'postgresql' (the SQLAlchemy backend name of a URL)."""
    return make_url(normalise_url(url)).get_backend_name()


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
