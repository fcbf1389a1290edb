"""The store's data version read without SQLAlchemy or the models, for the command line's kept output (issue 16).

`audit.store.versions.data_version` is the version caches are keyed by: the newest audit-trail entry, "ID:HASH".
Reading it through the ORM means importing SQLAlchemy, SQLModel and every table (about 0.3 s of a command's
start), which is most of what a read command costs when its output is already known. This reads the same row
with the driver alone: the standard library's sqlite3 for SQLite (the file opened read-only, so a missing file
is never made), psycopg for PostgreSQL, from the same URL the store's engine is made from.

None means "not known": an in-memory or other database, a file or table that is not there, a driver error.
The caller then does the full work, so this can only ever cost a cache hit, never serve a wrong version.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

# The same row as audit.store.versions.data_version(session) with nothing ignored (tests check they agree).
NEWEST_ENTRY = "SELECT id, entry_hash FROM trailentry ORDER BY id DESC LIMIT 1"


def read_data_version(url: str) -> str | None:
    """"ID:HASH" of the newest audit-trail entry of the store at `url` ("0" if it has none), or None."""
    scheme = url.split("://", 1)[0]
    try:
        if scheme.split("+", 1)[0] == "sqlite":
            row = _sqlite_newest(url)
        elif scheme.split("+", 1)[0] in ("postgresql", "postgres") and scheme.split("+")[1:] in ([], ["psycopg"]):
            row = _postgresql_newest(url)
        else:
            return None
    except Exception:  # any failure means "not known": the command does its full work
        return None
    if row is _MISSING:
        return None
    return f"{row[0]}:{row[1]}" if row else "0"


_MISSING = object()


def _sqlite_newest(url: str):
    path = url.split("///", 1)[-1] if "///" in url else ""
    if not path or path == ":memory:" or "?" in path:  # in memory, or options only the engine understands
        return _MISSING
    file = Path(path)
    if not file.is_file():
        return _MISSING
    import sqlite3

    connection = sqlite3.connect(f"file:{quote(str(file.resolve()))}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(NEWEST_ENTRY).fetchone()
    finally:
        connection.close()


def _postgresql_newest(url: str):
    import psycopg

    # SQLAlchemy's postgresql+psycopg://user:password@host:port/name?options is libpq's own URI form without the
    # driver name; the password and options are percent-encoded in both.
    with psycopg.connect("postgresql://" + url.split("://", 1)[1], connect_timeout=10, autocommit=True) as connection:
        return connection.execute(NEWEST_ENTRY).fetchone()
