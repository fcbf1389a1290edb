"""Reading the audit trail: filter entries (who, table, row, action, dates), page through them, export CSV.

The web page (web/trail.py) and `ehcp-audit trail show/export` both read through here. Exports pass every
cell through audit.cells.escape_formula, like every other export.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import IO, Iterator

from sqlalchemy import func, select
from sqlmodel import Session

from audit.cells import escape_formula
from audit.errors import InputRejected, Problem
from audit.store.models import TrailEntry

ACTIONS = ("create", "update", "delete", "bulk create", "bulk update", "bulk delete")
EXPORT_COLUMNS = ["id", "at", "actor", "action", "table_name", "row_key", "rows", "before", "after",
                  "prev_hash", "entry_hash"]
KEYS_SHOWN = 20  # keys of a bulk entry shown on screen; the export has them all


@dataclass(frozen=True)
class TrailFilter:
    """What to look for; every field is optional. `actor` matches a part of the actor ('web:' finds all web users)."""

    actor: str = ""
    table: str = ""
    row_key: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def problems(self) -> list[Problem]:
        """Filters that cannot be right (an unknown action, dates the wrong way round)."""
        found = []
        if self.action and self.action not in ACTIONS:
            found.append(Problem(f"'{self.action}' is not an action", column="action",
                                 fix=f"use one of {', '.join(ACTIONS)}"))
        if self.since and self.until and self.since > self.until:
            found.append(Problem("the start date is after the end date", column="since",
                                 fix="swap the dates, or leave one empty"))
        return found

    def check(self) -> "TrailFilter":
        problems = self.problems()
        if problems:
            raise InputRejected("The trail search", problems)
        return self


def _where(query, f: TrailFilter):
    t = TrailEntry.__table__.c
    if f.actor:
        query = query.where(t.actor.contains(f.actor, autoescape=True))
    if f.table:
        query = query.where(t.table_name == f.table.strip().lower())
    if f.row_key:
        query = query.where(t.row_key == f.row_key.strip())
    if f.action:
        query = query.where(t.action == f.action)
    if f.since:
        query = query.where(t.at >= datetime.combine(f.since, time(0), tzinfo=timezone.utc))
    if f.until:
        query = query.where(t.at < datetime.combine(f.until + timedelta(days=1), time(0), tzinfo=timezone.utc))
    return query


def count_entries(session: Session, f: TrailFilter) -> int:
    return session.execute(_where(select(func.count()).select_from(TrailEntry.__table__), f.check())).scalar_one()


def find_entries(session: Session, f: TrailFilter, limit: int = 50, offset: int = 0) -> list[TrailEntry]:
    """Matching entries, newest first."""
    query = _where(select(TrailEntry), f.check()).order_by(TrailEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query).all())


def tables_in_trail(session: Session) -> list[str]:
    """Every table name the trail has entries for, for the filter's choices."""
    return list(session.scalars(select(TrailEntry.table_name).distinct().order_by(TrailEntry.table_name)).all())


def iter_entries(session: Session, f: TrailFilter, batch: int = 2000) -> Iterator[TrailEntry]:
    """Matching entries oldest first, read in batches (an export can be large)."""
    after = 0
    while True:
        query = _where(select(TrailEntry), f.check()).where(TrailEntry.id > after).order_by(TrailEntry.id).limit(batch)
        rows = list(session.scalars(query).all())
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def describe_change(entry: TrailEntry) -> str:
    """One line saying what changed, for the page and the terminal."""
    if entry.action.startswith("bulk"):
        after = entry.after or {}
        keys = after.get("keys") or []
        shown = ", ".join(json.dumps(k, ensure_ascii=False) for k in keys[:KEYS_SHOWN])
        more = f" and {len(keys) - KEYS_SHOWN:,} more" if len(keys) > KEYS_SHOWN else ""
        columns = ", ".join(after.get("columns") or [])
        parts = [f"{entry.rows:,} row(s)"]
        if columns:
            parts.append(f"columns {columns}")
        if keys:
            parts.append(f"{'/'.join(after.get('key_columns', []))}: {shown}{more}")
        if after.get("parameters"):
            parts.append("where " + ", ".join(f"{k}={v}" for k, v in after["parameters"].items()))
        return "; ".join(parts)
    if entry.action == "update":
        before, after = entry.before or {}, entry.after or {}
        return "; ".join(f"{k}: {_short(before.get(k))} → {_short(v)}" for k, v in after.items())
    values = entry.after if entry.action == "create" else entry.before
    return ", ".join(f"{k}={_short(v)}" for k, v in (values or {}).items())


def utc_text(at: datetime) -> str:
    """A timestamp as ISO text in UTC (SQLite returns them without their zone; they are stored in UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _short(value: object, limit: int = 60) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_csv(session: Session, f: TrailFilter, handle: IO[str]) -> int:
    """Write matching entries (oldest first) as CSV, formula cells escaped; returns the number written."""
    writer = csv.writer(handle)
    writer.writerow(EXPORT_COLUMNS)
    written = 0
    for entry in iter_entries(session, f):
        row = [entry.id, utc_text(entry.at), entry.actor, entry.action, entry.table_name, entry.row_key or "",
               entry.rows, _json(entry.before), _json(entry.after), entry.prev_hash, entry.entry_hash]
        writer.writerow([escape_formula(cell) for cell in row])
        written += 1
    return written


def _json(value: dict | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
