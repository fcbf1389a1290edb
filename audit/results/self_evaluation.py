"""The self-evaluation's versions (issue 23): each heading's paragraph, version by version, with who and when.

Version 1 is the paragraph generated from the data (kept when the first edit is saved, so the history starts
where the lead started); each save adds the next version and nothing is ever changed or removed. The pack uses
the latest. The text keeps its figures as tokens (audit.store.models.inspection); checking them against the
evidence is the report's job (reports/inspection_tokens.py), done before `save_version` is called.
"""

from __future__ import annotations

from sqlmodel import Session, select

from audit.cells import text_problem
from audit.errors import AuditError
from audit.store.models import SelfEvaluationVersion

GENERATED = "generated from the data"
MAX_TEXT = 5000


def versions(session: Session, cycle_id: int, heading_key: str) -> list[SelfEvaluationVersion]:
    """Every version of one heading's paragraph, oldest first."""
    return list(session.exec(select(SelfEvaluationVersion).where(
        SelfEvaluationVersion.cycle_id == cycle_id, SelfEvaluationVersion.heading_key == heading_key)
        .order_by(SelfEvaluationVersion.number)).all())


def latest_versions(session: Session, cycle_id: int) -> dict[str, SelfEvaluationVersion]:
    """Heading key -> its latest version, for the headings that have been edited."""
    latest: dict[str, SelfEvaluationVersion] = {}
    for v in session.exec(select(SelfEvaluationVersion).where(SelfEvaluationVersion.cycle_id == cycle_id)
                          .order_by(SelfEvaluationVersion.number)).all():
        latest[v.heading_key] = v
    return latest


def save_version(session: Session, cycle_id: int, heading_key: str, text: str, by: str,
                 generated: str) -> SelfEvaluationVersion:
    """Add `text` as the heading's next version (after the generated one, kept as version 1 the first time).
    Saving the latest text again adds nothing and returns the latest version."""
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise AuditError("Enter the paragraph: it cannot be empty.")
    bad = text_problem(text, MAX_TEXT)  # too long, markup, a spreadsheet formula (audit.cells)
    if bad is not None:
        raise AuditError(f"The paragraph {bad[0]}: {bad[1]}.")
    history = versions(session, cycle_id, heading_key)
    if not history:
        history = [SelfEvaluationVersion(cycle_id=cycle_id, heading_key=heading_key, number=1, text=generated,
                                         made_by=GENERATED)]
        session.add(history[0])
    if history[-1].text == text:
        session.flush()
        return history[-1]
    version = SelfEvaluationVersion(cycle_id=cycle_id, heading_key=heading_key, number=history[-1].number + 1,
                                    text=text, made_by=by)
    session.add(version)
    session.flush()
    return version
