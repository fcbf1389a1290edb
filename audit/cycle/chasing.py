"""Chasing by email: reminders to auditors and escalations to agency leads, each sent at most once.

A chase rule says what to chase today: `find` returns one `Chase` per subject (an assignment, or for issue 5
an amendment task) with who to write to and the line to write. The rules are a list (`chase_rules`), so a
new kind of chase is one more class with a `key` and a `find`. The daily flow (flows/chase.py) sends them.

Each (rule, subject) has at most one row in the delivery log (ChaseDelivery, unique constraint), written in
this order, each step its own transaction:
  1. claim: insert the row as "sending" (or re-claim one whose earlier attempt is known not to have gone:
     failed, no_address, no_smtp), and commit;
  2. send the email (outside any transaction);
  3. mark the row "sent" (or "failed" with the error), and commit.
A run that dies between 1 and 3 leaves "sending": no later run sends it again (it may have gone), and after
STALE it is shown as "unknown". That is at-most-once: a crash at the worst moment can lose a reminder, never
double it; the QA lead sees the "unknown" row and can chase by hand (docs/production.md says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from audit.store.models import Assignment, Auditor, ChaseDelivery, Cycle, Plan, SampledPlan, Scorecard, utcnow
from audit.vocabulary import CycleStatus, ScorecardStatus, section_words

RETRYABLE = ("failed", "no_address", "no_smtp")  # known not to have been delivered: a later run tries again
STALE = timedelta(minutes=30)  # a row still "sending" after this was interrupted mid-send


@dataclass(frozen=True)
class Chase:
    """One subject to chase under one rule, and the person to write to about it."""

    rule: str
    subject_type: str
    subject_id: int
    recipient: str | None
    recipient_role: str
    recipient_label: str
    line: str
    cycle_id: int | None = None
    auditor_id: int | None = None


class ChaseRule(Protocol):
    """What a rule provides: its key (stored on each delivery), the email's subject, and what to chase today."""

    key: str
    subject: str

    def find(self, session: Session, today: date) -> list[Chase]: ...


@dataclass(frozen=True)
class OpenWork:
    """An active assignment not yet submitted, in a cycle still collecting."""

    assignment: Assignment
    auditor: Auditor
    plan_ref: str
    cycle: Cycle

    def line(self, today: date, with_auditor: bool = False) -> str:
        sections = ", ".join(section_words(s) for s in self.assignment.sections) or "all sections"
        due = self.assignment.due_date
        late = f" ({(today - due).days} days overdue)" if today > due else ""
        who = f"{self.auditor.code}: " if with_auditor else ""
        return f"{who}{self.plan_ref} in {self.cycle.name}, sections {sections}, due {due:%-d %B %Y}{late}"


def open_work(session: Session) -> list[OpenWork]:
    """Every active assignment without a submitted scorecard in an open cycle, oldest due first."""
    rows = session.exec(
        select(Assignment, Auditor, Plan.plan_ref, Cycle)
        .join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .where(Assignment.active == True, Cycle.status == CycleStatus.open.value)  # noqa: E712
        .where((col(Scorecard.id).is_(None)) | (Scorecard.status != ScorecardStatus.submitted.value))
        .order_by(Assignment.due_date, Assignment.id)
    ).all()
    return [OpenWork(a, auditor, ref, cycle) for a, auditor, ref, cycle in rows]


def _to_auditor(rule: str, work: OpenWork, today: date) -> Chase:
    return Chase(rule, "assignment", work.assignment.id, work.auditor.email or None, "auditor", work.auditor.code,
                 work.line(today), work.cycle.id, work.auditor.id)


@dataclass(frozen=True)
class DueSoon:
    """Remind the auditor once when an assignment is due within `days` days and not yet in."""

    days: int
    key: str = "assignment-due-soon"
    subject: str = "Reminder: audit scorecards due soon"

    def find(self, session: Session, today: date) -> list[Chase]:
        return [_to_auditor(self.key, w, today) for w in open_work(session)
                if today <= w.assignment.due_date <= today + timedelta(days=self.days)]


@dataclass(frozen=True)
class Overdue:
    """Remind the auditor once when an assignment is past its due date and not yet in."""

    key: str = "assignment-overdue"
    subject: str = "Overdue: audit scorecards not yet submitted"

    def find(self, session: Session, today: date) -> list[Chase]:
        return [_to_auditor(self.key, w, today) for w in open_work(session) if today > w.assignment.due_date]


@dataclass(frozen=True)
class Escalation:
    """Tell the auditor's agency lead once when an assignment is `after_days` days overdue."""

    after_days: int
    agency_leads: tuple[tuple[str, str], ...]
    key: str = "assignment-escalation"
    subject: str = "Escalation: audit scorecards overdue in your agency"

    def find(self, session: Session, today: date) -> list[Chase]:
        leads = dict(self.agency_leads)
        return [Chase(self.key, "assignment", w.assignment.id, leads.get(w.auditor.agency), "agency_lead",
                      f"{w.auditor.agency} lead", w.line(today, with_auditor=True), w.cycle.id, w.auditor.id)
                for w in open_work(session) if today >= w.assignment.due_date + timedelta(days=self.after_days)]


def chase_rules(settings) -> list[ChaseRule]:
    """The rules the daily chase applies, in order. Issue 5's overdue amendment tasks join this list."""
    return [DueSoon(settings.remind_due_soon_days), Overdue(),
            Escalation(settings.escalate_after_days, tuple(sorted(settings.agency_leads.items())))]


def claim(session: Session, chases: list[Chase], now: datetime | None = None) -> dict[int, Chase]:
    """Step 1: write "sending" rows for the chases no run has sent or is sending; returns {row id: chase} claimed.

    A subject already claimed (by this or a concurrent run) is skipped: the unique constraint decides.
    """
    now = now or utcnow()
    claimed: dict[int, Chase] = {}
    for chase in chases:
        existing = session.exec(select(ChaseDelivery).where(
            ChaseDelivery.rule == chase.rule, ChaseDelivery.subject_type == chase.subject_type,
            ChaseDelivery.subject_id == chase.subject_id)).first()
        if existing is not None:
            # Compare-and-set: only one run can move a retryable row back to "sending".
            result = session.exec(update(ChaseDelivery)
                                  .where(ChaseDelivery.id == existing.id, col(ChaseDelivery.status).in_(RETRYABLE))
                                  .values(status="sending", attempts=ChaseDelivery.attempts + 1, error=None,
                                          recipient=chase.recipient, claimed_at=now))
            if result.rowcount == 1:
                claimed[existing.id] = chase
            continue
        row = ChaseDelivery(rule=chase.rule, subject_type=chase.subject_type, subject_id=chase.subject_id,
                            cycle_id=chase.cycle_id, auditor_id=chase.auditor_id, recipient=chase.recipient,
                            recipient_role=chase.recipient_role, status="sending", attempts=1, claimed_at=now)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue  # a concurrent run claimed it first
        claimed[row.id] = chase
    return claimed


def finish(session: Session, ids: list[int], status: str, error: str | None = None,
           now: datetime | None = None) -> None:
    """Step 3: record how the claimed rows ended: sent, failed (with the error), no_address or no_smtp."""
    if not ids:
        return
    session.exec(update(ChaseDelivery).where(col(ChaseDelivery.id).in_(ids))
                 .values(status=status, error=error, sent_at=(now or utcnow()) if status == "sent" else None))


def mark_interrupted(session: Session, now: datetime | None = None) -> int:
    """Rows left "sending" longer than STALE (their run died mid-send) become "unknown"; returns how many."""
    cutoff = (now or utcnow()) - STALE
    result = session.exec(update(ChaseDelivery)
                          .where(ChaseDelivery.status == "sending", ChaseDelivery.claimed_at < cutoff)
                          .values(status="unknown", error="The run stopped while sending: it may not have gone."))
    return result.rowcount


def chase_history(session: Session, cycle_id: int | None = None) -> list[tuple[ChaseDelivery, str | None]]:
    """Who was chased, when, under which rule and how it went (newest first), with the auditor's code."""
    query = (select(ChaseDelivery, Auditor.code).join(Auditor, Auditor.id == ChaseDelivery.auditor_id, isouter=True)
             .order_by(col(ChaseDelivery.claimed_at).desc(), col(ChaseDelivery.id).desc()))
    if cycle_id is not None:
        query = query.where(ChaseDelivery.cycle_id == cycle_id)
    return list(session.exec(query).all())
