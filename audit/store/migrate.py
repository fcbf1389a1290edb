"""Schema migrations with Alembic: upgrade, stamp, current and head revisions, new revisions, and schema drift.

The migration scripts live in audit/store/migrations/versions and ship with the package; there is no alembic.ini
(the URL comes from settings, the connection from the caller). Revisions are numbered 0001, 0002, ... so the
order is plain in a file listing. docs/production.md says when to write one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from audit.store import models  # noqa: F401  (registers every table on SQLModel.metadata)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged scripts, with an open connection for env.py to use."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision the scripts define (read once per process; `new_revision` forgets it)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head, "audit/store/migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it has never been migrated or stamped."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run every migration the database lacks, up to `revision`, in one transaction."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` ("base" removes every table)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record `revision` as applied without running it (for a schema made by create_all)."""
    with engine.begin() as connection:
        command.stamp(alembic_config(connection), revision)


def schema_differences(engine: Engine) -> list:
    """What the models declare that the database does not have, or the reverse (Alembic's autogenerate diff)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, SQLModel.metadata) if not _ignored(d)]


def _ignored(difference) -> bool:
    # Alembic's own bookkeeping table is not one of the models.
    return isinstance(difference, tuple) and difference[0] == "remove_table" and difference[1].name == "alembic_version"


def new_revision(engine: Engine, message: str, autogenerate: bool = True) -> Path:
    """Write the next numbered revision; with `autogenerate`, filled in from the models' difference to `engine`.

    The database must be at head first (upgrade it), or the script would repeat earlier migrations.
    """
    if not message.strip():
        raise ValueError("Give the revision a message saying what it changes, e.g. 'add reminder delivery log'.")
    with engine.begin() as connection:
        script = command.revision(alembic_config(connection), message=message.strip(), autogenerate=autogenerate,
                                  rev_id=_next_rev_id())
    head_revision.cache_clear()
    return Path(script.path)


def _next_rev_id() -> str:
    numbers = [int(m.group(1)) for p in (MIGRATIONS / "versions").glob("*.py")
               if (m := re.match(r"(\d{4})_", p.name))]
    return f"{max(numbers, default=0) + 1:04d}"
