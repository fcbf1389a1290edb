"""The audit store: tables (SQLModel), engine and sessions, migrations (Alembic), bulk writes, and
the append-only audit trail every write goes through.

Import the modules themselves (`from audit.store.x import y`): this package imports nothing,
so a command loads only what it uses."""
