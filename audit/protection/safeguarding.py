"""The safeguarding route: an auditor flags a concern about a plan they review; it is recorded and followed up.

Raising a flag records who, when, which plan (by its pseudonymised reference) and the concern, in its own
transaction, before anyone is emailed: a failed email never loses a flag. Sending is flows/alerts.py's job
(at once, outside the audit cycle); its outcome is recorded here and a failed send is retried. The QA lead
(or the designated contact signed in as one) records follow-up notes and closes the flag. Nothing here is
read by the board outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, or_, select

from audit.cells import text_problem
from audit.errors import AuditError, Conflict, InputRejected, NotFound, Problem
from audit.limits import DEFAULT_TEXT_CHARS
from audit.store.models import Assignment, Auditor, Cycle, Plan, SafeguardingFlag, SafeguardingNote, SampledPlan, utcnow

OPEN, CLOSED = "open", "closed"
PENDING, SENT, FAILED = "pending", "sent", "failed"
# A send still "pending" this long after its last attempt is assumed lost (the process stopped) and retried.
STALE_PENDING = timedelta(minutes=5)


@dataclass
class FlagView:
    """A flag with what the pages and the email show beside it."""

    flag: SafeguardingFlag
    plan_ref: str
    cycle_name: str
    notes: list[SafeguardingNote]


def _text(value: str, what: str, field: str, max_chars: int) -> str:
    text = value.strip()
    if not text:
        raise InputRejected(what, [Problem(f"the {field} is empty", column=field, fix=f"write the {field}")])
    bad = text_problem(text, max_chars)
    if bad is not None:
        raise InputRejected(what, [Problem(f"the {field} {bad[0]}", column=field, fix=bad[1])])
    return text


def raise_flag(session: Session, assignment: Assignment, auditor: Auditor, concern: str, *,
               now: datetime | None = None, max_chars: int = DEFAULT_TEXT_CHARS) -> SafeguardingFlag:
    """Record a concern on one of the auditor's own assignments (any cycle state: safeguarding never waits)."""
    if assignment.auditor_id != auditor.id:
        raise NotFound(f"Assignment {assignment.id} is not assigned to {auditor.code}.")
    text = _text(concern, "The safeguarding concern", "concern", max_chars)
    plan_id = session.exec(select(SampledPlan.plan_id).where(SampledPlan.id == assignment.sampled_plan_id)).one()
    cycle = session.get(Cycle, assignment.cycle_id)
    flag = SafeguardingFlag(area_id=cycle.area_id, cycle_id=cycle.id, assignment_id=assignment.id, plan_id=plan_id,
                            raised_by=auditor.code, raised_at=now or utcnow(), concern=text, status=OPEN,
                            notify_status=PENDING)
    session.add(flag)
    session.flush()
    return flag


def record_notification(session: Session, flag: SafeguardingFlag, error: str | None, *,
                        now: datetime | None = None) -> SafeguardingFlag:
    """Record one attempt to email the designated contact: sent (error None) or failed with the reason."""
    now = now or utcnow()
    flag.notify_attempts += 1
    flag.last_attempt_at = now
    if error is None:
        flag.notify_status, flag.notified_at, flag.notify_error = SENT, now, ""
    else:
        flag.notify_status, flag.notify_error = FAILED, error[:500]
    session.add(flag)
    session.flush()
    return flag


def needing_notification(session: Session, now: datetime | None = None) -> list[SafeguardingFlag]:
    """Flags whose contact has not been emailed: failed sends, and pending ones whose send was lost."""
    stale = (now or utcnow()) - STALE_PENDING
    return list(session.exec(
        select(SafeguardingFlag)
        .where(or_(SafeguardingFlag.notify_status == FAILED,
                   (SafeguardingFlag.notify_status == PENDING) & (SafeguardingFlag.raised_at < stale)))
        .order_by(SafeguardingFlag.id)).all())


def add_note(session: Session, flag: SafeguardingFlag, note: str, by: str, *, now: datetime | None = None,
             max_chars: int = DEFAULT_TEXT_CHARS) -> SafeguardingNote:
    """Record a follow-up action on an open flag."""
    if flag.status == CLOSED:
        raise Conflict(f"Safeguarding flag {flag.id} was closed on {flag.closed_at:%d %B %Y}; it takes no more notes.")
    row = SafeguardingNote(flag_id=flag.id, at=now or utcnow(), by=by,
                           note=_text(note, "The follow-up note", "note", max_chars))
    session.add(row)
    session.flush()
    return row


def close_flag(session: Session, flag: SafeguardingFlag, note: str, by: str, *, now: datetime | None = None,
               max_chars: int = DEFAULT_TEXT_CHARS) -> SafeguardingFlag:
    """Close a flag with what was done (for example 'referred to the MASH on 3 November')."""
    if flag.status == CLOSED:
        raise Conflict(f"Safeguarding flag {flag.id} is already closed.")
    flag.closure_note = _text(note, "The closing note", "closure_note", max_chars)
    flag.status, flag.closed_at, flag.closed_by = CLOSED, now or utcnow(), by
    session.add(flag)
    session.flush()
    return flag


def get_flag(session: Session, flag_id: int, area_id: int | None = None) -> SafeguardingFlag:
    flag = session.get(SafeguardingFlag, flag_id)
    if flag is None or (area_id is not None and flag.area_id != area_id):
        raise NotFound(f"There is no safeguarding flag {flag_id}.")
    return flag


def flag_view(session: Session, flag: SafeguardingFlag) -> FlagView:
    plan_ref = session.get(Plan, flag.plan_id).plan_ref
    notes = list(session.exec(select(SafeguardingNote).where(SafeguardingNote.flag_id == flag.id)
                              .order_by(SafeguardingNote.at, SafeguardingNote.id)).all())
    return FlagView(flag, plan_ref, session.get(Cycle, flag.cycle_id).name, notes)


def list_flags(session: Session, area_id: int, status: str | None = None) -> list[FlagView]:
    """The area's flags, open first then newest first; `status` open or closed to filter."""
    if status not in (None, OPEN, CLOSED):
        raise AuditError(f"'{status}' is not a flag status; use open or closed.")
    query = select(SafeguardingFlag).where(SafeguardingFlag.area_id == area_id)
    if status:
        query = query.where(SafeguardingFlag.status == status)
    flags = session.exec(query.order_by(SafeguardingFlag.status.desc(), SafeguardingFlag.id.desc())).all()
    return [flag_view(session, f) for f in flags]
