"""Alembic's environment: the tables are SQLModel's metadata; the connection comes from audit/store/migrate.py.

Run through `ehcp-audit db ...` (audit/store/migrate.py), which passes an open connection in
`config.attributes["connection"]`; there is no alembic.ini. SQLite needs batch mode ("move and copy") for
ALTERs it cannot do in place, so every operation is rendered as a batch there.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from audit.store import models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - offline SQL scripts are not offered
    raise SystemExit("Offline (--sql) migrations are not supported; run `ehcp-audit db upgrade` against the database.")
run_migrations_online()
