"""Retention: purge free text once it is older than the retention period, and record every purge.

What is purged (docs/data-protection.md says why):

- scorecard comments older than EHCP_AUDIT_COMMENT_RETENTION_DAYS, counted from the scorecard's submission
  (or last save, for a draft); the grades stay, so results and trends are unchanged;
- moderation rationales older than the same period (they describe the plan in the same way);
- a closed safeguarding flag's concern, closing note and follow-up notes, EHCP_AUDIT_SAFEGUARDING_RETENTION_DAYS
  after it was closed (an open flag is never purged);
- what families and young people wrote in a survey (issue 21), EHCP_AUDIT_COMMENT_RETENTION_DAYS after it was
  received; their ratings stay, so the family view is unchanged;
- plan documents (issue 20) imported longer ago than EHCP_AUDIT_DOCUMENT_RETENTION_DAYS: the original file,
  its sections and the flags' quotes and reasons (the flags' rule and decision stay, for rule precision),
  and the passages auditors kept as evidence for a grade, as long after they were saved;
- the feedback notes written for a cycle (<reports>/cycle-N/feedback/), which quote its comments, once that
  cycle's comments are purged.

Each run adds one PurgeRecord per kind (what, how many, the cut-off, when, by whom), also when nothing was
due, so the record shows the purge ran. The audit trail never held the texts (audit.store.trail keeps their length
only), so nothing of them survives there.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from audit.store.actor import current_actor
from audit.store.models import (
    Assignment,
    CriterionGrade,
    DocumentSection,
    GradeEvidence,
    ModeratedGrade,
    PlanDocument,
    PrecheckFlag,
    PurgeRecord,
    SafeguardingFlag,
    SafeguardingNote,
    Scorecard,
    SurveyResponse,
    utcnow,
)

COMMENTS, RATIONALES, CONCERNS = "scorecard comments", "moderation rationales", "safeguarding concerns"
DOCUMENTS = "plan documents"
FAMILY_WORDS = "family survey comments"


@dataclass(frozen=True)
class RetentionPolicy:
    """How long free text is kept, in days."""

    comment_days: int
    safeguarding_days: int
    document_days: int = 730

    @classmethod
    def from_settings(cls, settings) -> RetentionPolicy:
        return cls(settings.comment_retention_days, settings.safeguarding_retention_days,
                   settings.document_retention_days)


@dataclass
class PurgeResult:
    """What one run purged (or, in a dry run, would purge)."""

    at: datetime
    by: str
    counts: dict[str, int]
    cutoffs: dict[str, datetime]
    feedback_folders: list[str]
    dry_run: bool

    def lines(self) -> list[str]:
        verb = "would purge" if self.dry_run else "purged"
        out = [f"{verb} {n} {what} (older than {self.cutoffs[what]:%d %B %Y})" for what, n in self.counts.items()]
        if self.feedback_folders:
            out.append(f"{verb} the feedback notes of {len(self.feedback_folders)} cycle(s)")
        return out


def _comment_age():
    return func.coalesce(Scorecard.submitted_at, Scorecard.updated_at)


def purge_expired(session: Session, policy: RetentionPolicy, *, now: datetime | None = None,
                  reports_dir: Path | None = None, dry_run: bool = False) -> PurgeResult:
    """Purge what the policy says is due, record it, and return what was done. The caller commits."""
    now = now or utcnow()
    by = current_actor()
    comment_cutoff = now - timedelta(days=policy.comment_days)
    concern_cutoff = now - timedelta(days=policy.safeguarding_days)
    old_cards = select(Scorecard.id).where(_comment_age() < comment_cutoff)
    due_comments = (CriterionGrade.comment != "", CriterionGrade.scorecard_id.in_(old_cards))
    due_rationales = (ModeratedGrade.rationale != "", ModeratedGrade.created_at < comment_cutoff)
    due_family = (SurveyResponse.comment != "", SurveyResponse.received_at < comment_cutoff)
    due_flags = list(session.exec(select(SafeguardingFlag).where(
        SafeguardingFlag.status == "closed", SafeguardingFlag.purged_at.is_(None),
        SafeguardingFlag.closed_at < concern_cutoff)).all())
    cycles = sorted(session.exec(
        select(Assignment.cycle_id).join(Scorecard, Scorecard.assignment_id == Assignment.id)
        .join(CriterionGrade, CriterionGrade.scorecard_id == Scorecard.id).where(*due_comments).distinct()).all())
    counts = {
        COMMENTS: session.exec(select(func.count()).select_from(CriterionGrade).where(*due_comments)).one(),
        RATIONALES: session.exec(select(func.count()).select_from(ModeratedGrade).where(*due_rationales)).one(),
        CONCERNS: len(due_flags),
        FAMILY_WORDS: session.exec(select(func.count()).select_from(SurveyResponse).where(*due_family)).one(),
    }
    document_cutoff = now - timedelta(days=policy.document_days)
    due_documents = list(session.exec(select(PlanDocument).where(
        PlanDocument.purged_at.is_(None), PlanDocument.imported_at < document_cutoff)).all())
    counts[DOCUMENTS] = len(due_documents)
    cutoffs = {COMMENTS: comment_cutoff, RATIONALES: comment_cutoff, CONCERNS: concern_cutoff,
               DOCUMENTS: document_cutoff, FAMILY_WORDS: comment_cutoff}
    folders = _feedback_folders(reports_dir, cycles)
    result = PurgeResult(now, by, counts, cutoffs, [str(f) for f in folders], dry_run)
    if dry_run:
        return result
    if counts[COMMENTS]:
        session.execute(update(CriterionGrade).where(*due_comments).values(comment=""))
    if counts[RATIONALES]:
        session.execute(update(ModeratedGrade).where(*due_rationales).values(rationale=""))
    if counts[FAMILY_WORDS]:
        session.execute(update(SurveyResponse).where(*due_family).values(comment=""))
    for flag in due_flags:
        flag.concern, flag.closure_note, flag.purged_at = "", "", now
        session.add(flag)
        for note in session.exec(select(SafeguardingNote).where(SafeguardingNote.flag_id == flag.id)).all():
            note.note = ""
            session.add(note)
    _purge_documents(session, due_documents, now)
    session.execute(delete(GradeEvidence).where(GradeEvidence.saved_at < document_cutoff))
    details = {COMMENTS: {"cycles": cycles, "feedback_folders_removed": len(folders)},
               RATIONALES: {}, CONCERNS: {"flags": [f.id for f in due_flags]},
               DOCUMENTS: {"documents": [d.id for d in due_documents]}, FAMILY_WORDS: {}}
    for what, n in counts.items():
        session.add(PurgeRecord(at=now, by=by, what=what, cutoff=cutoffs[what], rows=n, detail=details[what]))
    session.flush()
    for folder in folders:  # last: files cannot be rolled back, so only once the store's changes are in place
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _purge_documents(session: Session, documents: list[PlanDocument], now: datetime) -> None:
    """Remove the documents' text: the original, the sections, the flags' quotes and reasons."""
    ids = [d.id for d in documents]
    if not ids:
        return
    session.execute(delete(DocumentSection).where(DocumentSection.document_id.in_(ids)))
    session.execute(update(PrecheckFlag).where(PrecheckFlag.document_id.in_(ids)).values(quote="", reason=""))
    for document in documents:
        document.original, document.purged_at = None, now
        session.add(document)


def _feedback_folders(reports_dir: Path | None, cycles: list[int]) -> list[Path]:
    if reports_dir is None:
        return []
    return [p for p in (Path(reports_dir) / f"cycle-{c}" / "feedback" for c in cycles) if p.is_dir()]


def purge_history(session: Session, limit: int = 100) -> list[PurgeRecord]:
    """The newest purge records first."""
    return list(session.exec(select(PurgeRecord).order_by(PurgeRecord.id.desc()).limit(limit)).all())
