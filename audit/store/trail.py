"""The append-only audit trail: every create, update and delete on the store, with who, when, before and after.

Listeners do the recording, so no code path can forget it:

- ORM flushes (every web form, API call, CLI command and flow step that changes rows through a session):
  `after_flush` records one entry per row, with the changed columns' values before and after.
- Statements run outside a flush (bulk INSERT/UPDATE/DELETE through `session.execute`, a Connection, or
  driver SQL such as the register import's fast path): `after_cursor_execute` on every engine made by
  audit.store.db records one summarised entry per statement: table, row count, columns written and the keys of
  the rows when the parameters carry them (docs/data-protection.md says why bulk work is summarised).

Who acted comes from a context variable set by the web layer, the API, the CLI and the flows
(`acting_as`, `set_actor`); anything else is "system". Secrets are never copied (password and token
hashes show as "[secret]"). Free text that the retention policy purges (scorecard comments, moderation
rationales, safeguarding concerns and notes) is recorded by its length only, so a purge really removes it.

Each entry's hash covers the previous entry's hash (`entry_digest`), so an entry edited or removed outside
the application breaks the chain; `verify_chain` recomputes it. The database refuses UPDATE and DELETE on
the table (audit/store/trail_guard.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Delete, Update, event, func, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from audit.store.actor import current_actor
from audit.store.models import TrailEntry, utcnow

TRAIL_TABLE = TrailEntry.__tablename__
SECRET = "[secret]"
UNKNOWN = "[not loaded]"
# Column names that hold credentials, in any table (today: user.password_hash, apitoken.token_hash).
_SECRET_NAME = re.compile(r"password|secret|token_hash|api_key", re.IGNORECASE)
# Free text purged under the retention policy (audit.protection.retention): the trail keeps only its length.
PURGEABLE_TEXT = {
    ("plandocument", "original"),  # plan documents (issue 20): the child's plan never enters the trail
    ("documentsection", "heading"),
    ("documentsection", "text"),
    ("documentsection", "items"),
    ("precheckflag", "quote"),
    ("precheckflag", "reason"),
    ("gradeevidence", "passage"),
    ("criteriongrade", "comment"),
    ("moderatedgrade", "rationale"),
    ("safeguardingflag", "concern"),
    ("safeguardingflag", "closure_note"),
    ("safeguardingnote", "note"),
}
# pg_advisory_xact_lock key: one writer extends the chain at a time, until its transaction ends.
_PG_LOCK_KEY = 7_202_607
_SQL_SHOWN = 400  # characters of a bulk statement's SQL kept in its entry
_DML = re.compile(
    r"^\s*(?P<verb>INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(?P<table>\w+)",
    re.IGNORECASE,
)
_INSERT_COLUMNS = re.compile(r"\(([^)]*)\)\s*VALUES", re.IGNORECASE)



# --- what is recorded ------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A JSON value that reads back exactly as it was hashed (dates as ISO text, enums by value)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


def recorded_value(table: str, column: str, value: Any) -> Any:
    """What the trail keeps of one column's value: secrets never, purgeable text by its length only."""
    if value is None:
        return None
    if _SECRET_NAME.search(column):
        return SECRET
    if (table, column) in PURGEABLE_TEXT:
        return f"[text, {len(str(value))} characters]"
    return plain(value)


def _at_text(at: datetime) -> str:
    # SQLite hands timestamps back without their zone: hash UTC wall-clock time either way.
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_digest(prev_hash: str, entry: dict) -> str:
    """sha256 over the previous entry's hash and this entry's canonical JSON."""
    payload = json.dumps(
        {"at": _at_text(entry["at"]), "actor": entry["actor"], "action": entry["action"],
         "table": entry["table_name"], "row_key": entry["row_key"], "rows": entry["rows"],
         "before": entry["before"], "after": entry["after"]},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _append(connection: Connection, entries: list[dict]) -> None:
    """Chain and insert entries on the connection doing the work, inside its transaction."""
    if not entries:
        return
    table = TrailEntry.__table__
    if connection.dialect.name == "postgresql":
        # Two transactions must not both extend the chain from the same head; SQLite already
        # serialises writers (this runs after the change itself, so the write lock is held).
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    prev = connection.execute(select(table.c.entry_hash).order_by(table.c.id.desc()).limit(1)).scalar() or ""
    for entry in entries:
        entry["prev_hash"] = prev
        entry["entry_hash"] = prev = entry_digest(prev, entry)
    connection.execute(insert(table), entries)


def _entry(actor: str, at: datetime, action: str, table: str, row_key: str | None, rows: int,
           before: dict | None, after: dict | None) -> dict:
    return {"at": at, "actor": actor, "action": action, "table_name": table, "row_key": row_key, "rows": rows,
            "before": before, "after": after}


def record_view(session: Session, table: str, row_key: str, what: dict) -> None:
    """A read of sensitive data (a plan looked up): one 'view' entry, chained like every change, in `session`'s
    transaction. `what` says what was shown (never the data itself)."""
    session.flush()
    _append(session.connection(), [_entry(current_actor(), utcnow(), "view", table, row_key, 1, None, what)])


# --- ORM flushes: one entry per row ----------------------------------------------------------------------


def _audited(table: Any) -> bool:
    return table is not None and table.metadata is SQLModel.metadata and table.name != TRAIL_TABLE


def _row_entry(obj: Any, action: str, actor: str, at: datetime) -> dict | None:
    state = inspect(obj)
    table = state.mapper.local_table
    if not _audited(table):
        return None
    name = table.name
    values = state.dict
    before: dict | None = None
    after: dict | None = None
    if action == "create":
        after = {a.key: recorded_value(name, a.key, values.get(a.key)) for a in state.mapper.column_attrs}
    elif action == "delete":
        before = {a.key: recorded_value(name, a.key, values[a.key]) if a.key in values else UNKNOWN
                  for a in state.mapper.column_attrs}
    else:
        before, after = {}, {}
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if not history.has_changes():
                continue
            # No old value when it was never loaded (or a JSON value was changed in place).
            before[attr.key] = recorded_value(name, attr.key, history.deleted[0]) if history.deleted else UNKNOWN
            after[attr.key] = recorded_value(name, attr.key, history.added[0] if history.added else None)
        if not after:
            return None
    # state.identity is only set after the flush finishes; the primary key attributes are already filled in.
    identity = state.mapper.primary_key_from_instance(obj)
    key = "/".join(str(part) for part in identity) if identity and None not in identity else None
    return _entry(actor, at, action, name, key, 1, before, after)


@event.listens_for(Session, "after_begin")
def _remember_session(session: Session, transaction: Any, connection: Connection) -> None:
    # The statement listener below must skip what a flush writes (after_flush records it row by row).
    sessions = connection.info.setdefault("ehcp_trail_sessions", weakref.WeakSet())
    sessions.add(session)


@event.listens_for(Session, "after_flush")
def _record_flush(session: Session, flush_context: Any) -> None:
    actor, at = current_actor(), utcnow()
    entries = [
        entry
        for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted))
        for obj in objects
        if (entry := _row_entry(obj, action, actor, at)) is not None
    ]
    if entries:
        _append(session.connection(), entries)


# --- statements outside a flush: one entry per statement -------------------------------------------------


def _flushing(connection: Connection) -> bool:
    return any(s._flushing for s in connection.info.get("ehcp_trail_sessions", ()))


def _statement_entry(statement: str, parameters: Any, context: Any, executemany: bool, rowcount: int) -> dict | None:
    """The bulk entry for a DML statement on an audited table, or None for anything else."""
    compiled = getattr(context, "compiled", None)
    if compiled is not None:
        if not (context.isinsert or context.isupdate or context.isdelete):
            return None
        table = getattr(compiled.statement, "table", None)
        if not _audited(table):
            return None
        verb = "create" if context.isinsert else "update" if context.isupdate else "delete"
        rows = list(context.compiled_parameters or [])
        names = list(rows[0]) if rows else []
        if verb == "update":
            # The ORM's bulk UPDATE by primary key binds the key as "<table>_<column>".
            aliases = {f"{table.name}_{c.key}": c.key for c in table.primary_key.columns}
            names = [aliases.get(n, n) for n in names]
        rows = [tuple(r.values()) for r in rows]
    else:
        match = _DML.match(statement)
        if match is None:
            return None
        table = SQLModel.metadata.tables.get(match["table"].lower())
        if not _audited(table):
            return None
        verb = {"I": "create", "U": "update", "D": "delete"}[match["verb"][0].upper()]
        columns = _INSERT_COLUMNS.search(statement)
        names = [c.strip().strip('"`[]') for c in columns.group(1).split(",")] if columns else []
        batches = (parameters if executemany else [parameters]) if parameters is not None else []
        rows = [p for p in batches if isinstance(p, (tuple, list))] if names else []
    count = rowcount if rowcount is not None and rowcount >= 0 else len(rows)
    return _bulk_entry(verb, table, names, rows, statement, executemany, count)


def _bulk_entry(verb: str, table: Any, names: list[str], rows: list, statement: str, executemany: bool,
                count: int) -> dict:
    """One entry for a whole statement: its SQL, the columns written and the key of every row."""
    written = [c.name for c in table.columns if c.key in names and not (verb == "update" and c.primary_key)]
    after: dict[str, Any] = {"sql": statement[:_SQL_SHOWN], "columns": written if verb != "delete" else []}
    key_columns = _key_columns(table, names)
    if key_columns and rows:
        at = [names.index(k) for k in key_columns]
        after["key_columns"] = key_columns
        after["keys"] = ([plain(r[at[0]]) for r in rows] if len(at) == 1
                         else [[plain(r[i]) for i in at] for r in rows])
    elif verb == "delete" and not executemany and rows:
        # A DELETE's parameters are its WHERE clause (e.g. the cycle whose results are rescored).
        after["parameters"] = {n: plain(v) for n, v in zip(names, rows[0])}
    return _entry(current_actor(), utcnow(), f"bulk {verb}", table.name, None, count, None, after)


def _key_columns(table: Any, names: list[str]) -> list[str]:
    """How the rows are identified: the primary key if given, else the first unique key given in full."""
    primary = [c.key for c in table.primary_key.columns]
    if primary and all(k in names for k in primary):
        return primary
    candidates = [[c.key for c in u.columns] for u in table.constraints if u.__class__.__name__ == "UniqueConstraint"]
    candidates += [[c.key] for c in table.columns if c.unique]
    return next((keys for keys in candidates if keys and all(k in names for k in keys)), [])


def _count_before_returning(conn: Connection, clauseelement: Any, multiparams: Any, params: Any,
                            execution_options: Any) -> None:
    """Count the rows an UPDATE/DELETE ... RETURNING will touch, before it runs.

    The ORM adds RETURNING (when it compiles the statement) to bulk updates it cannot evaluate in Python, a
    subquery in the WHERE clause for example, and then the cursor's row count is not known until the ORM has
    read the returned rows.
    """
    conn.info.pop("ehcp_trail_count", None)
    if not isinstance(clauseelement, (Update, Delete)) or _flushing(conn):
        return
    # Only ORM-enabled statements: the ORM adds RETURNING when it compiles them; Core ones keep rowcount.
    if clauseelement._propagate_attrs.get("compile_state_plugin") != "orm":
        return
    if not _audited(getattr(clauseelement, "table", None)) or len(multiparams or []) > 1:
        return
    query = select(func.count()).select_from(clauseelement.table)
    if clauseelement.whereclause is not None:
        query = query.where(clauseelement.whereclause)
    bound = (multiparams[0] if multiparams else None) or params or {}
    conn.info["ehcp_trail_count"] = conn.execute(query, bound).scalar_one()


def _record_statement(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                      executemany: bool) -> None:
    if _flushing(conn):
        return
    rowcount = cursor.rowcount
    if cursor.description is not None and (context.isupdate or context.isdelete):
        rowcount = conn.info.pop("ehcp_trail_count", rowcount)
    entry = _statement_entry(statement, parameters, context, executemany, rowcount)
    if entry is not None:
        _append(conn, [entry])


def record_copy(connection: Connection, table: Any, names: list[str], rows: list[tuple], statement: str) -> None:
    """The entry for rows loaded with PostgreSQL's COPY, which runs on the driver's cursor where no event sees it."""
    if _audited(table) and rows:
        _append(connection, [_bulk_entry("create", table, names, rows, statement, True, len(rows))])


def watch_engine(engine: Engine) -> None:
    """Record statements run outside ORM flushes on this engine (idempotent; audit.store.db calls it)."""
    if not event.contains(engine, "after_cursor_execute", _record_statement):
        event.listen(engine, "after_cursor_execute", _record_statement)
        event.listen(engine, "before_execute", _count_before_returning)


# --- reading and verifying -------------------------------------------------------------------------------


@dataclass
class ChainCheck:
    """The outcome of recomputing the chain: how many entries, the head, and the first break if any."""

    entries: int
    head_id: int | None
    head_hash: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, expect: tuple[int, str] | None = None, batch: int = 5000) -> ChainCheck:
    """Recompute every entry's hash in order; report the first entry whose hash or link does not match.

    `expect` is an (id, hash) head kept from an earlier check: the chain must still pass through it, which
    also catches entries removed from the end (the chain alone cannot show a shortened tail).
    """
    table = TrailEntry.__table__
    prev, count, last_id, after_id = "", 0, None, 0
    anchored = expect is None
    while True:
        query = select(table).where(table.c.id > after_id).order_by(table.c.id).limit(batch)
        rows = session.execute(query).mappings().all()
        if not rows:
            break
        for row in rows:
            count += 1
            if row["prev_hash"] != prev:
                return ChainCheck(count, last_id, prev, row["id"],
                                  f"entry {row['id']} does not follow entry {last_id or 'none'}: an entry between "
                                  "them was removed or changed")
            entry = {k: row[k] for k in ("at", "actor", "action", "table_name", "row_key", "rows", "before", "after")}
            if entry_digest(prev, entry) != row["entry_hash"]:
                return ChainCheck(count, last_id, prev, row["id"],
                                  f"entry {row['id']} was changed after it was written (its hash does not match)")
            prev, last_id = row["entry_hash"], row["id"]
            if expect is not None and row["id"] == expect[0]:
                if row["entry_hash"] != expect[1]:
                    return ChainCheck(count, last_id, prev, row["id"],
                                      f"entry {row['id']} is not the entry whose hash you kept")
                anchored = True
        after_id = rows[-1]["id"]
    if not anchored:
        return ChainCheck(count, last_id, prev, expect[0],
                          f"entry {expect[0]}, the head you kept, is no longer in the trail: entries were removed")
    return ChainCheck(count, last_id, prev)
