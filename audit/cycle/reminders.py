"""Reminders to auditors with outstanding scorecards: what each one has outstanding, and the record of each
reminder. Sending the email is I/O and lives outside the domain (flows/mail.py, called from web/qa.py).

Overdue amendment tasks (audit.cycle.amendments) are chased through the same path: `overdue_amendment_items` lists
them as chase items and `record_chase` records each chase."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from audit import clock
from audit.cycle.amendments import get_task, overdue_tasks, task_event
from audit.cycle.lifecycle import cycle_progress
from audit.store.models import (
    AmendmentEvent,
    Assignment,
    Auditor,
    Cycle,
    Plan,
    ReminderLog,
    SampledPlan,
    Scorecard,
)
from audit.vocabulary import ScorecardStatus


def record_reminders(session: Session, cycle: Cycle, today: date | None = None, now: datetime | None = None) -> list[ReminderLog]:
    """Record one reminder for every auditor with scorecards not yet submitted; nothing is sent."""
    progress = cycle_progress(session, cycle, today=today)
    now = now or clock.now()
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


@dataclass
class Outstanding:
    """One auditor's assignments not yet submitted: (plan ref, sections, due date) each."""

    auditor_id: int
    code: str
    email: str | None
    items: list[tuple[str, list[str], date]] = field(default_factory=list)


def outstanding_by_auditor(session: Session, cycle: Cycle) -> list[Outstanding]:
    """Every auditor with active assignments in the cycle not yet submitted, by code."""
    rows = session.exec(
        select(Assignment, Auditor, Plan.plan_ref, Scorecard.status)
        .join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .where(Assignment.cycle_id == cycle.id, Assignment.active == True)  # noqa: E712
    ).all()
    found: dict[str, Outstanding] = {}
    for assignment, auditor, plan_ref, status in rows:
        if status == ScorecardStatus.submitted.value:
            continue
        entry = found.setdefault(auditor.code, Outstanding(auditor.id, auditor.code, auditor.email or None))
        entry.items.append((plan_ref, list(assignment.sections), assignment.due_date))
    for entry in found.values():
        entry.items.sort(key=lambda item: (item[2], item[0]))
    return [found[code] for code in sorted(found)]


def record_reminder(session: Session, cycle: Cycle, auditor_id: int, outstanding: int, channel: str,
                    status: str | None = None, error: str | None = None, now: datetime | None = None) -> ReminderLog:
    """Record one reminder with its outcome (for email: sent, failed or no email address)."""
    log = ReminderLog(cycle_id=cycle.id, auditor_id=auditor_id, sent_at=now or clock.now(),
                      channel=channel, outstanding=outstanding, status=status, error=error)
    session.add(log)
    session.flush()
    return log


def reminders_for(session: Session, cycle: Cycle) -> list[tuple[ReminderLog, str]]:
    """Every reminder recorded for a cycle, newest first, with the auditor's code."""
    return list(session.exec(
        select(ReminderLog, Auditor.code).join(Auditor, Auditor.id == ReminderLog.auditor_id)
        .where(ReminderLog.cycle_id == cycle.id).order_by(ReminderLog.sent_at.desc(), Auditor.code)
    ).all())


# --- Overdue amendment tasks (issue 5), for the daily reminder and escalation flow ----------------------


@dataclass(frozen=True)
class ChaseItem:
    """One overdue amendment task to chase. The contract the reminder flow relies on:

    - `who` is the case officer's code (pseudonymised); `email` is that code's address in the auditors list
      when the officer is also an auditor, else None (the flow then records the chase without sending);
    - `subject` is the plan's reference; `due` the task's due date; `days_overdue` counted from `today`;
    - `times_chased` and `last_chased` come from earlier `record_chase` calls, for escalation.
    """

    kind: str
    task_id: int
    who: str
    email: str | None
    subject: str
    title: str
    due: date
    days_overdue: int
    times_chased: int = 0
    last_chased: datetime | None = None


def overdue_amendment_items(session: Session, area_id: int, today: date) -> list[ChaseItem]:
    """Every amendment task past its due date and not done, oldest first, as chase items."""
    emails = {a.code: a.email for a in session.exec(select(Auditor).where(Auditor.area_id == area_id)).all() if a.email}
    items = []
    for task, plan in overdue_tasks(session, area_id, today):
        chases = session.exec(select(AmendmentEvent.at).where(AmendmentEvent.task_id == task.id,
                                                              AmendmentEvent.kind == "chased")
                              .order_by(AmendmentEvent.at)).all()
        items.append(ChaseItem("amendment", task.id, task.lead, emails.get(task.lead), plan.plan_ref, task.title,
                               task.milestone, (today - task.milestone).days, len(chases),
                               chases[-1] if chases else None))
    return items


def record_chase(session: Session, item: ChaseItem, channel: str = "recorded", status: str | None = None,
                 error: str | None = None, by: str = "ehcp-audit", now: datetime | None = None):
    """Record that an overdue task was chased (and, for email, whether it was sent); returns the event."""
    detail = {"channel": channel, "days_overdue": item.days_overdue, "status": status, "error": error}
    return task_event(session, get_task(session, item.task_id), "chased", by,
                      f"overdue by {item.days_overdue} day(s) (due {item.due.isoformat()})", detail, now=now)
