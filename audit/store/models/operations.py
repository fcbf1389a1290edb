"""Production mode: board pack deliveries, the audit programme as schedules, the chase (reminder) log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_list, utcnow


class DeliveryLog(SQLModel, table=True):
    """One attempt to deliver a board pack (issue 8): where the files are and whether the email went."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    channel: str = Field("email", description="email")
    recipients: list = _json_list()
    subject: str = ""
    folder: str = Field("", description="Where the pack's files were written before sending.")
    status: str = Field("pending", description="pending, sent, failed or skipped (no SMTP host or recipients)")
    error: str = ""
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None




class AuditProgramme(SQLModel, table=True):
    """A recurring audit the QA lead sets: a cadence and a rubric; each scheduled run opens one cycle."""

    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str = Field(description="Cycles are named after it and the slot's month, e.g. 'Termly audit September 2026'.")
    cadence: str = Field(description="monthly, termly or cron (audit.cycle.programmes.CADENCES)")
    cron: str = Field(description="The cron expression the deployment is scheduled with (derived for monthly and termly).")
    timezone: str = "Europe/London"
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    sample_size: int
    strata: list = _json_list()
    due_days: int = Field(28, description="Scorecards are due this many days after the cycle opens.")
    exclude_audited_months: int = 12
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScheduledCycle(SQLModel, table=True):
    """The cycle a programme opened for one scheduled slot; the unique pair makes a rerun of the slot a no-op."""

    __table_args__ = (UniqueConstraint("programme_id", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="auditprogramme.id", index=True)
    slot: str = Field(description="The scheduled start in UTC, ISO 8601 to the second.")
    cycle_id: int = Field(foreign_key="cycle.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChaseDelivery(SQLModel, table=True):
    """One chase (reminder or escalation) about one subject under one rule: sent at most once (audit/cycle/chasing.py).

    The row is written ("sending") and committed before the email goes, then marked; a run that finds a row
    still "sending" knows an earlier run died mid-send and marks it "unknown" instead of sending again.
    """

    __table_args__ = (UniqueConstraint("rule", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(description="The chase rule's key, e.g. assignment-overdue.")
    subject_type: str = Field(description="What is chased: assignment (or, from issue 5, action).")
    subject_id: int
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    auditor_id: int | None = Field(default=None, foreign_key="auditor.id", index=True)
    recipient: str | None = Field(None, description="Email address written to; None when none is known.")
    recipient_role: str = Field("auditor", description="auditor or agency_lead")
    status: str = Field("sending", description="sending, sent, failed, no_address, no_smtp or unknown")
    attempts: int = 0
    error: str | None = None
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
