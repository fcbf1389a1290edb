"""Schema migrations with Alembic: upgrade, stamp, current and head revisions, new revisions, and schema drift.

The migration scripts live in audit/store/migrations/versions and ship with the package; there is no alembic.ini
(the URL comes from settings, the connection from the caller). Revisions are numbered 0001, 0002, ... so the
order is plain in a file listing. docs/production.md says when to write one.

Every command opens the store, and loading Alembic takes longer than most commands (issue 16): the revision a
database is at and the newest script's revision are read without it (`stored_revision`, `head_revision`), and
Alembic is imported only to change a schema or compare one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from audit.store import models  # noqa: F401  (registers every table on SQLModel.metadata)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged scripts, with an open connection for env.py to use."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision the scripts define (read once per process; `new_revision` forgets it).

    Read from the scripts' `revision` and `down_revision` lines, without loading Alembic; a history that is not
    one line (a branch, a merge) is left to Alembic's own reading."""
    head = _script_head()
    if head is None:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head, "audit/store/migrations/versions holds no revision"
    return head


def _script_head() -> str | None:
    """The one revision no script builds on, when the scripts form a single line; else None."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revision, parent = _literal(found["revision"]), _literal(found.get("down_revision", "None"))
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            return None
        revisions.add(revision)
        parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(parents - {None}) == len(revisions) - 1 else None


def _literal(value: str) -> object:
    value = value.strip()
    if value == "None":
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return ...  # a tuple or an expression: not a single line of history


def stored_revision(connection: Connection, table_names: set[str] | None = None) -> str | None:
    """The revision the database is at (one query, no Alembic); None when it has never been migrated or stamped.

    `table_names` (the database's tables, when the caller has read them) saves looking for Alembic's table."""
    if table_names is not None and VERSION_TABLE not in table_names:
        return None
    if table_names is None and not connection.dialect.has_table(connection, VERSION_TABLE):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # several heads: Alembic says which error that is
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return rows[0] if rows else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it has never been migrated or stamped."""
    with engine.connect() as connection:
        return stored_revision(connection)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run every migration the database lacks, up to `revision`, in one transaction."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` ("base" removes every table)."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record `revision` as applied without running it (for a schema made by create_all)."""
    from alembic import command

    with engine.begin() as connection:
        command.stamp(alembic_config(connection), revision)


def schema_differences(engine: Engine) -> list:
    """What the models declare that the database does not have, or the reverse (Alembic's autogenerate diff)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, SQLModel.metadata) if not _ignored(d)]


def _ignored(difference) -> bool:
    # Alembic's own bookkeeping table is not one of the models.
    return isinstance(difference, tuple) and difference[0] == "remove_table" and difference[1].name == VERSION_TABLE


def new_revision(engine: Engine, message: str, autogenerate: bool = True) -> Path:
    """Write the next numbered revision; with `autogenerate`, filled in from the models' difference to `engine`.

    The database must be at head first (upgrade it), or the script would repeat earlier migrations.
    """
    if not message.strip():
        raise ValueError("Give the revision a message saying what it changes, e.g. 'add reminder delivery log'.")
    from alembic import command

    with engine.begin() as connection:
        script = command.revision(alembic_config(connection), message=message.strip(), autogenerate=autogenerate,
                                  rev_id=_next_rev_id())
    head_revision.cache_clear()
    return Path(script.path)


def _next_rev_id() -> str:
    numbers = [int(m.group(1)) for p in (MIGRATIONS / "versions").glob("*.py")
               if (m := re.match(r"(\d{4})_", p.name))]
    return f"{max(numbers, default=0) + 1:04d}"
