"""A version number of the store's data, for caches of what is worked out from it (issue 16).

Every change to the store is recorded in the audit trail by the transaction that makes it (audit.store.trail),
and trail entries are numbered in the order their transactions commit: SQLite has one writer at a time, and
on PostgreSQL the writer extending the chain holds an advisory lock until it commits. So the newest entry's id
is a version of everything the trail covers: any commit that changes a covered table moves it on, in every
process, and nothing else does.

`data_version` reads the newest entry on the tables a cache depends on, skipping those it never reads (sign-in
failures, for example, would otherwise empty every cache whenever someone mistyped a password). Read the
version before reading the data it stands for: the data can then only be as new or newer, and a cache filled
with newer data under an older number is rebuilt at the next read, never served stale.
"""

from __future__ import annotations

from sqlalchemy import select

from audit.store.models import TrailEntry

# Tables the board's view-models never read: accounts, sign-in and web sessions, safeguarding, delivery and chase logs,
# retention records, programmes and calibration exercises. Changes to them leave board summaries as they are.
# A table missing from this list counts as read (a new table can only empty caches, never leave one stale);
# tests/unit/test_view_cache.py checks the board summary reads none of these.
NOT_READ_BY_BOARD_VIEWS = frozenset({
    "user", "apitoken", "loginfailure", "websession", "safeguardingflag", "safeguardingnote", "purgerecord", "reminderlog",
    "chasedelivery", "deliverylog", "auditprogramme", "scheduledcycle", "calibrationexercise", "calibrationgrade",
})


def data_version(session, ignore: frozenset[str] = frozenset()) -> str:
    """"ID:HASH" of the newest audit-trail entry on a table not in `ignore` ("0" for a store never changed).

    The entry's hash covers its time and the chain before it, so the same number in another store (tests make
    many; a data folder can be pointed at another database) never reads as the same version. One indexed
    query: the newest entries are read from the end until one is on a table that counts."""
    # "view" entries record reads (a plan looked up): they change no data, so they never move the version; else
    # every plan look-up would empty the board summaries' cache.
    query = (select(TrailEntry.id, TrailEntry.entry_hash).where(TrailEntry.action != "view")
             .order_by(TrailEntry.id.desc()).limit(1))
    if ignore:
        query = query.where(TrailEntry.table_name.not_in(sorted(ignore)))
    newest = session.execute(query).first()
    return f"{newest[0]}:{newest[1]}" if newest else "0"
