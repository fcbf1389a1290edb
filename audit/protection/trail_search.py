"""Reading the audit trail: filter entries (person, plan, table, row, action, London dates), page through them,
export CSV.

The web page (web/trail.py) and `ehcp-audit trail show/export` both read through here. Exports pass every
cell through audit.cells.escape_formula, like every other export.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO

from sqlalchemy import and_, false, func, or_, select
from sqlmodel import Session

from audit.cells import escape_formula
from audit.errors import InputRejected, Problem
from audit.protection.trail_words import plan_rows
from audit.store.models import TrailEntry
from audit.words import LONDON

ACTIONS = ("create", "update", "delete", "bulk create", "bulk update", "bulk delete", "view")
EXPORT_COLUMNS = ["id", "at", "actor", "action", "table_name", "row_key", "rows", "before", "after",
                  "prev_hash", "entry_hash"]


@dataclass(frozen=True)
class TrailFilter:
    """What to look for; every field is optional. `actor` matches a part of the actor ('web:' finds all web users,
    a username finds that person); `plan` is a plan reference (every row about that plan); dates are days in
    Europe/London, both included."""

    actor: str = ""
    plan: str = ""
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

    def check(self) -> TrailFilter:
        problems = self.problems()
        if problems:
            raise InputRejected("The trail search", problems)
        return self


def _where(query, f: TrailFilter, session: Session):
    t = TrailEntry.__table__.c
    if f.plan:
        rows = plan_rows(session, f.plan)
        query = query.where(or_(*[and_(t.table_name == table, t.row_key.in_(sorted(keys)))
                                  for table, keys in rows.items()]) if rows else false())
    if f.actor:
        query = query.where(t.actor.contains(f.actor, autoescape=True))
    if f.table:
        query = query.where(t.table_name == f.table.strip().lower())
    if f.row_key:
        query = query.where(t.row_key == f.row_key.strip())
    if f.action:
        query = query.where(t.action == f.action)
    if f.since:
        query = query.where(t.at >= _london_midnight(f.since))
    if f.until:
        query = query.where(t.at < _london_midnight(f.until + timedelta(days=1)))
    return query


def _london_midnight(day: date) -> datetime:
    """The start of a day in Europe/London, in UTC as the trail stores it."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def count_entries(session: Session, f: TrailFilter) -> int:
    return session.execute(_where(select(func.count()).select_from(TrailEntry.__table__), f.check(), session)).scalar_one()


def find_entries(session: Session, f: TrailFilter, limit: int = 50, offset: int = 0) -> list[TrailEntry]:
    """Matching entries, newest first."""
    query = _where(select(TrailEntry), f.check(), session).order_by(TrailEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query).all())


def tables_in_trail(session: Session) -> list[str]:
    """Every table name the trail has entries for, for the filter's choices."""
    return list(session.scalars(select(TrailEntry.table_name).distinct().order_by(TrailEntry.table_name)).all())


def iter_entries(session: Session, f: TrailFilter, batch: int = 2000) -> Iterator[TrailEntry]:
    """Matching entries oldest first, read in batches (an export can be large)."""
    after = 0
    while True:
        query = _where(select(TrailEntry), f.check(), session).where(TrailEntry.id > after).order_by(TrailEntry.id).limit(batch)
        rows = list(session.scalars(query).all())
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def utc_text(at: datetime) -> str:
    """A timestamp as ISO text in UTC (SQLite returns them without their zone; they are stored in UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


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
