"""What auditors wrote: the comments on the criterion grades that count for a cycle's results."""

from __future__ import annotations

from sqlmodel import Session, select

from audit.moderation.marking import counted_sources
from audit.results.analysis import CycleResults
from audit.store.models import CriterionGrade


def cycle_comments(session: Session, results: CycleResults, sections: list[str] | None = None) -> list[dict]:
    """Each non-empty comment on a counted scorecard of the cycle's sampled plans (re-audits left out as in the
    results), on `sections` only if given: section, criterion id, grade (an int) and the comment, in a stable
    order. A criterion marked not applicable is left out (its comment is the reason, not a judgement)."""
    kept = set(results.plans["sampled_plan_id"])
    # The marking read with the results (audit.moderation.marking), so a summary reads it once.
    counted = counted_sources(session, results.cycle, results.marking)
    cards = {c.scorecard_id for (sp_id, _), c in counted.items() if sp_id in kept}
    if not cards:
        return []
    rows = session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id.in_(cards),
                                                     CriterionGrade.comment != "",
                                                     CriterionGrade.not_applicable.is_(False))
                        .order_by(CriterionGrade.id)).all()
    return [{"section": r.section, "criterion_id": r.criterion_id, "grade": r.grade, "comment": r.comment.strip()}
            for r in rows if r.comment.strip() and (sections is None or r.section.split(":")[0] in sections)]
