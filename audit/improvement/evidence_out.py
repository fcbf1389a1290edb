"""Audit evidence written back into the plan's own progress column ("Evidence of progress", "Progress"), so the
board's document carries what the audits found: each cycle's figures on each linked target (the weak share
before and after), the status proposed from them, and the lead's decision (accepted or overridden) with its
reason. An action with no evidence and no decided proposal is written exactly as imported.

The block starts with EVIDENCE_MARK on a line of its own; importing the file again (a revision) drops the
block, so evidence is never read back in as progress written by the board.
"""

from __future__ import annotations

from sqlmodel import Session

from audit.improvement.plans import evidence_of
from audit.improvement.proposals import proposals_of
from audit.improvement.rules import describe_target
from audit.improvement.scales import StatusScale
from audit.store.models import Cycle, ImprovementAction
from audit.words import day

EVIDENCE_MARK = "Audit evidence (ehcp-audit):"


def evidence_lines(session: Session, action: ImprovementAction, scale: StatusScale) -> list[str]:
    """What the audits found for one action, in the board's words, oldest first."""
    lines = []
    by_target: dict[tuple[str, str], list] = {}
    for e in evidence_of(session, action.id):
        by_target.setdefault((e.level, e.target), []).append(e)
    for (level, target), rows in by_target.items():
        for e in rows:
            cycle = session.get(Cycle, e.cycle_id)
            lines.append(f"- {cycle.name}: {describe_target(level, target)}, {e.weak} of {e.plans} plans "
                         f"({100 * e.share:.0f}%) Requires Improvement or Inadequate")
        if len(rows) > 1:
            first, last = rows[0], rows[-1]
            lines.append(f"- {describe_target(level, target)}: before {100 * first.share:.0f}% "
                         f"({session.get(Cycle, first.cycle_id).name}), after {100 * last.share:.0f}% "
                         f"({session.get(Cycle, last.cycle_id).name})")
    for p in proposals_of(session, action.id):
        if p.decision is None:
            continue
        cycle = session.get(Cycle, p.cycle_id)
        proposed = _label(scale, p.proposed)
        decided = (f"accepted by {p.decided_by}" if p.decision == "accepted"
                   else f"overridden with '{_label(scale, p.decided_status)}' by {p.decided_by}")
        lines.append(f"- After {cycle.name}: proposed '{proposed}'{' (a regression)' if p.regressed else ''}; "
                     f"{decided} on {day(p.decided_at)}: {p.decision_reason}. Figures: {p.basis}")
    return lines


def _label(scale: StatusScale, key: str | None) -> str:
    status = scale.status(key)
    return status.label if status else str(key)


def with_evidence(progress: str, lines: list[str]) -> str:
    """The progress cell with the evidence block under what the board wrote (unchanged when there is none)."""
    if not lines:
        return progress
    block = "\n".join([EVIDENCE_MARK, *lines])
    return f"{progress}\n\n{block}" if progress else block


def without_evidence(progress: str) -> str:
    """The progress cell as the board wrote it, without a block an export added."""
    if progress.startswith(EVIDENCE_MARK):
        return ""
    at = progress.find("\n\n" + EVIDENCE_MARK)
    return progress if at < 0 else progress[:at]
