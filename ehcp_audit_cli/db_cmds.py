"""`ehcp-audit db`: schema migrations (Alembic) for the configured database; see docs/production.md."""

from __future__ import annotations

import typer

from audit.errors import AuditError
from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, friendly, needs, settings

db_app = typer.Typer(help="Create or upgrade the database schema (Alembic migrations).", no_args_is_help=True)


def _engine():
    # Not engine_from_settings: that would create and stamp a new database's tables itself.
    from audit.store.db import make_engine

    s = settings()
    if s.production and not s.database_url:
        # `db upgrade` makes the tables of an empty database, but never picks one: a new SQLite file would do.
        raise AuditError("No database is configured, and in production (EHCP_AUDIT_ENVIRONMENT=production) a new "
                         "empty one is never made: set EHCP_AUDIT_DATABASE_URL (or EHCP_AUDIT_DATABASE_URL_FILE).")
    return make_engine(s.resolved_database_url)


def _where(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@db_app.command("upgrade")
@friendly
@needs(Permission.operate_service)
def db_upgrade() -> None:
    """Apply every migration the database lacks (a new database gets every table)."""
    from audit.store.db import upgrade_database

    engine = _engine()
    before, after = upgrade_database(engine)
    if before == after:
        console.print(f"{_where(engine)} is already at the latest schema revision ({after}).", highlight=False)
    else:
        console.print(f"Upgraded {_where(engine)} from {before or 'an empty or unversioned database'} to {after}.",
                      highlight=False)


@db_app.command("current")
@friendly
@needs(Permission.operate_service)
def db_current() -> None:
    """The database's schema revision, and the latest one this version knows."""
    from audit.store import migrate

    engine = _engine()
    current, head = migrate.current_revision(engine), migrate.head_revision()
    state = "up to date" if current == head else "behind: run ehcp-audit db upgrade"
    console.print(f"{_where(engine)}: revision {current or 'none'}; latest {head} ({state}).", highlight=False)


@db_app.command("check")
@friendly
@needs(Permission.operate_service)
def db_check() -> None:
    """Compare the database with the models; exit 1 listing the differences (a migration is missing)."""
    from audit.store import migrate

    engine = _engine()
    differences = migrate.schema_differences(engine)
    if differences:
        listed = "\n".join(f"  {d}" for d in differences)
        raise AuditError(f"The schema of {_where(engine)} differs from the models:\n{listed}\n"
                         f"Upgrade it (ehcp-audit db upgrade), or write a migration (ehcp-audit db revision -m ...).")
    console.print(f"{_where(engine)} matches the models.", highlight=False)


@db_app.command("revision")
@friendly
@needs(Permission.operate_service)
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the migration changes, e.g. 'add programme table'."),
    empty: bool = typer.Option(False, "--empty", help="Write an empty script instead of comparing with the models."),
) -> None:
    """Developers: write the next migration, generated from the models' difference to an up-to-date database."""
    from audit.store import migrate

    engine = _engine()
    if migrate.current_revision(engine) != migrate.head_revision():
        raise AuditError("Upgrade the database first (ehcp-audit db upgrade): a migration is generated against "
                         "a database at the latest revision.")
    path = migrate.new_revision(engine, message, autogenerate=not empty)
    console.print(f"Wrote {path}. Read it, adjust it (data moves, server defaults), and commit it.", highlight=False)
