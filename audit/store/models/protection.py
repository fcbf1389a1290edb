"""Data protection (issue 7): the audit trail, the safeguarding route, records of retention purges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_dict, utcnow


class TrailEntry(SQLModel, table=True):
    """One append-only audit trail entry: who changed what, when, with before and after values.

    Written only by audit.store.trail's session and connection listeners; database triggers refuse UPDATE and
    DELETE (audit/store/trail_guard.py). Each entry's hash covers the previous entry's hash, so an edit made
    outside the application breaks the chain (`ehcp-audit trail verify`).
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(index=True, description="web:USER, api:USER, cli:OS-USER, flow:NAME or system")
    action: str = Field(description="create, update, delete; bulk create, bulk update, bulk delete for statements")
    table_name: str = Field(index=True)
    row_key: str | None = Field(default=None, index=True, description="Primary key of the row; None for a bulk statement.")
    rows: int = Field(1, description="Rows the entry covers (a bulk statement's row count).")
    before: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str = Field(unique=True, description="The previous entry's hash ('' for the first entry).")
    entry_hash: str = Field(unique=True)


class SafeguardingFlag(SQLModel, table=True):
    """A safeguarding concern an auditor raised while reviewing an assigned plan, followed up until closed.

    The designated contact is emailed at once (flows/alerts.py); `notify_status` says whether that worked.
    The concern text is purged under the retention policy once the flag has been closed long enough.
    """

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    raised_by: str = Field(description="The auditor's code.")
    raised_at: datetime = Field(default_factory=utcnow)
    concern: str = Field(description="What the auditor saw; purged after closure (audit.protection.retention).")
    status: str = Field("open", index=True, description="open or closed")
    notify_status: str = Field("pending", description="pending, sent or failed")
    notify_attempts: int = 0
    last_attempt_at: datetime | None = None
    notified_at: datetime | None = None
    notify_error: str = ""
    closed_at: datetime | None = None
    closed_by: str | None = None
    closure_note: str = ""
    purged_at: datetime | None = Field(default=None, description="When the concern text and notes were purged.")


class SafeguardingNote(SQLModel, table=True):
    """A follow-up action recorded on a safeguarding flag by the QA lead or designated contact."""

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="safeguardingflag.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    by: str
    note: str


class PurgeRecord(SQLModel, table=True):
    """One run of the retention purge: what was purged, how many, the cut-off, when and by whom."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    by: str = Field(description="The actor: cli:USER, flow:retention-purge, ...")
    what: str = Field(description="scorecard comments, moderation rationales, safeguarding concerns")
    cutoff: datetime = Field(description="Everything older than this was purged.")
    rows: int = 0
    detail: dict = _json_dict()
