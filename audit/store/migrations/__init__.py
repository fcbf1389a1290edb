"""Alembic migrations of the audit store, shipped with the package (run them with `ehcp-audit db upgrade`)."""
