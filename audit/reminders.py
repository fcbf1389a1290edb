"""Reminders to auditors with outstanding scorecards: recorded here; sending by email is a later issue."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import Session, select

from audit.cycles import cycle_progress
from audit.models import Auditor, Cycle, ReminderLog


def record_reminders(session: Session, cycle: Cycle, today: date | None = None, now: datetime | None = None) -> list[ReminderLog]:
    """Record one reminder for every auditor with scorecards not yet submitted; nothing is sent."""
    progress = cycle_progress(session, cycle, today=today)
    now = now or datetime.now(timezone.utc)
    logs = []
    for code, counts in sorted(progress.by_auditor.items()):
        outstanding = counts["total"] - counts["submitted"]
        if outstanding <= 0:
            continue
        auditor = session.exec(select(Auditor).where(Auditor.area_id == cycle.area_id, Auditor.code == code)).one()
        log = ReminderLog(cycle_id=cycle.id, auditor_id=auditor.id, sent_at=now, channel="recorded",
                          outstanding=outstanding)
        session.add(log)
        logs.append(log)
    session.flush()
    return logs


def reminders_for(session: Session, cycle: Cycle) -> list[tuple[ReminderLog, str]]:
    """Every reminder recorded for a cycle, newest first, with the auditor's code."""
    return list(session.exec(
        select(ReminderLog, Auditor.code).join(Auditor, Auditor.id == ReminderLog.auditor_id)
        .where(ReminderLog.cycle_id == cycle.id).order_by(ReminderLog.sent_at.desc(), Auditor.code)
    ).all())
