"""Database triggers that make the audit trail append-only, for SQLite and PostgreSQL.

The application never updates or deletes trail entries; these triggers make the database refuse it too,
whoever asks (the application's own connection included). `install_trail_guards` runs from init_db and is
idempotent. The SQL is kept here, one list per dialect, so a migration can run the same statements.

On PostgreSQL, also give the application a database role that does not own the table (so it cannot drop
the triggers): see docs/data-protection.md, "The audit trail".
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

REFUSAL = "the audit trail is append-only: entries cannot be changed or removed"

SQLITE_GUARDS = [
    """CREATE TRIGGER IF NOT EXISTS trailentry_no_update BEFORE UPDATE ON trailentry
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be changed or removed'); END""",
    """CREATE TRIGGER IF NOT EXISTS trailentry_no_delete BEFORE DELETE ON trailentry
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be changed or removed'); END""",
]

POSTGRESQL_GUARDS = [
    """CREATE OR REPLACE FUNCTION trailentry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: entries cannot be changed or removed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$""",
    "DROP TRIGGER IF EXISTS trailentry_no_change ON trailentry",
    """CREATE TRIGGER trailentry_no_change BEFORE UPDATE OR DELETE ON trailentry
FOR EACH ROW EXECUTE FUNCTION trailentry_refuse_change()""",
    "DROP TRIGGER IF EXISTS trailentry_no_truncate ON trailentry",
    """CREATE TRIGGER trailentry_no_truncate BEFORE TRUNCATE ON trailentry
FOR EACH STATEMENT EXECUTE FUNCTION trailentry_refuse_change()""",
]
# Present when the PostgreSQL guards are installed (checked first, so a start-up takes no table lock).
POSTGRESQL_PRESENT = """SELECT count(*) FROM pg_trigger
WHERE tgrelid = 'trailentry'::regclass AND tgname IN ('trailentry_no_change', 'trailentry_no_truncate')"""
# Present when the SQLite guards are installed (checked first, so a start-up writes nothing).
SQLITE_PRESENT = """SELECT count(*) FROM sqlite_master
WHERE type = 'trigger' AND tbl_name = 'trailentry' AND name IN ('trailentry_no_update', 'trailentry_no_delete')"""
PRESENT = {"sqlite": SQLITE_PRESENT, "postgresql": POSTGRESQL_PRESENT}

GUARDS = {"sqlite": SQLITE_GUARDS, "postgresql": POSTGRESQL_GUARDS}


def guard_statements(dialect: str) -> list[str]:
    """The trigger DDL for a dialect; other databases get none (the hash chain still detects edits)."""
    return list(GUARDS.get(dialect, []))


def install_trail_guards(engine: Engine) -> None:
    """Create the append-only triggers on the trail table unless they are there already."""
    statements = guard_statements(engine.dialect.name)
    if not statements:
        return
    with engine.connect() as connection:
        if connection.execute(text(PRESENT[engine.dialect.name])).scalar() == 2:
            return
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
