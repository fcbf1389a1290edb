"""Auditors' decisions on pre-check flags, and how often each rule was right: a flag is confirmed or dismissed
with a reason (it never sets a grade); a rule's precision in a cycle is confirmed / (confirmed + dismissed)."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from audit import clock
from audit.documents.access import may_read
from audit.errors import AuditError, NotFound
from audit.store.models import PlanDocument, PrecheckFlag, User

DECISIONS = ("confirmed", "dismissed")


def decide_flag(session: Session, flag_id: int, user: User, decision: str, reason: str,
                cycle_id: int | None = None) -> PrecheckFlag:
    """Record an auditor's decision on a flag; a dismissal needs a reason."""
    flag = session.get(PrecheckFlag, flag_id)
    document = session.get(PlanDocument, flag.document_id) if flag else None
    if flag is None or document is None or not may_read(session, user, document.plan_id):
        raise NotFound(f"There is no pre-check flag {flag_id}.")
    if decision not in DECISIONS:
        raise AuditError(f"'{decision}' is not a decision: confirm or dismiss the flag.")
    if decision == "dismissed" and not reason.strip():
        raise AuditError("Say why the flag is dismissed: the reason teaches the rule's owner what it got wrong.")
    flag.status, flag.reason, flag.decided_by, flag.decided_at = decision, reason.strip(), user.username, clock.now()
    flag.cycle_id = cycle_id if cycle_id is not None else flag.cycle_id
    session.add(flag)
    session.flush()
    return flag


def rule_precision(session: Session, cycle_id: int | None = None) -> list[dict]:
    """Per rule: flags raised, confirmed, dismissed, and precision (None until one is decided)."""
    query = select(PrecheckFlag.rule_id, PrecheckFlag.status)
    if cycle_id is not None:
        query = query.where(PrecheckFlag.cycle_id == cycle_id)
    counts: dict[str, Counter] = {}
    for rule_id, status in session.exec(query).all():
        counts.setdefault(rule_id, Counter())[status] += 1
    rows = []
    for rule_id, c in sorted(counts.items()):
        decided = c["confirmed"] + c["dismissed"]
        rows.append({"rule_id": rule_id, "raised": sum(c.values()), "confirmed": c["confirmed"],
                     "dismissed": c["dismissed"], "precision": c["confirmed"] / decided if decided else None})
    return rows


def flags_per_section(session: Session) -> dict[str, int]:
    """How many flags each section letter holds, over every held document."""
    rows = session.exec(select(PrecheckFlag.section).join(PlanDocument, PlanDocument.id == PrecheckFlag.document_id)
                        .where(PlanDocument.purged_at.is_(None))).all()
    return dict(sorted(Counter(rows).items()))


EVIDENCE_CHARS = 2_000


def save_evidence(session: Session, assignment_id: int, passages: dict[str, tuple[str, str]]) -> None:
    """Keep the passage each criterion's grade relied on (criterion -> (section, passage)); '' removes it."""
    from audit.store.models import GradeEvidence

    held = {e.criterion_id: e for e in session.exec(select(GradeEvidence).where(
        GradeEvidence.assignment_id == assignment_id)).all()}
    for criterion_id, (section, passage) in passages.items():
        passage = " ".join(passage.split())[:EVIDENCE_CHARS]
        row = held.get(criterion_id)
        if not passage:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = GradeEvidence(assignment_id=assignment_id, criterion_id=criterion_id, section=section, passage="")
        if row.passage != passage:
            row.passage, row.saved_at = passage, clock.now()
            session.add(row)
    session.flush()


def evidence_for(session: Session, assignment_id: int) -> dict[str, str]:
    """The kept passages of one assignment's scorecard, by criterion."""
    from audit.store.models import GradeEvidence

    return {e.criterion_id: e.passage for e in session.exec(select(GradeEvidence).where(
        GradeEvidence.assignment_id == assignment_id)).all()}
