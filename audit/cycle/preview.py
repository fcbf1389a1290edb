"""A draft cycle's sample before it is drawn for good: counts per stratum, what each exclusion leaves out, and
drawing again. Starting the cycle (`lifecycle.open_cycle`) stores exactly the draw previewed, as long as the
register has not changed in between: both use `sampling.draw` with the cycle's rules and draw number."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from audit.cycle.sampling import Exclusions, draw, recently_audited_plan_ids
from audit.errors import AuditError
from audit.store.models import Cycle, Plan, RubricVersion
from audit.vocabulary import CycleStatus, PlanStatus, label


@dataclass(frozen=True)
class StratumCount:
    """One stratum of the preview: its key (`| stratum` gives the words), eligible plans and plans drawn."""

    key: str
    eligible: int
    drawn: int


@dataclass
class SamplePreview:
    """What starting the cycle now would sample; `problem` says why nothing can be when that is so."""

    register: int = 0
    eligible: int = 0
    drawn: int = 0
    strata: list[StratumCount] = field(default_factory=list)
    left_out: list[tuple[str, int]] = field(default_factory=list)  # (the rule in words, plans it leaves out)
    plan_refs: list[str] = field(default_factory=list)
    problem: str | None = None


def exclusions_left_out(session: Session, cycle: Cycle) -> list[tuple[str, int]]:
    """Each exclusion rule in words with the plans it leaves out, counted in order (a plan counts once)."""
    rules = Exclusions.from_dict(cycle.exclusions)
    base = select(func.count(Plan.id)).where(Plan.area_id == cycle.area_id)
    out = []
    if rules.active_only:
        n = session.exec(base.where(Plan.status != PlanStatus.active.value)).one()
        out.append(("Plans that are no longer active (ceased or transferred out)", n))
        base = base.where(Plan.status == PlanStatus.active.value)
    if rules.require_final_plan:
        n = session.exec(base.where(col(Plan.final_issued_date).is_(None))).one()
        out.append(("Plans with no final plan issued yet", n))
        base = base.where(col(Plan.final_issued_date).is_not(None))
    theme = session.get(RubricVersion, cycle.rubric_version_id).theme
    if theme:
        advice = col(getattr(Plan, f"{theme}_advice_requested"))
        n = session.exec(base.where(advice.is_(None))).one()
        out.append((f"Plans with no {label(theme, 'advice').lower()} advice (this rubric is themed on it)", n))
        base = base.where(advice.is_not(None))
    months = rules.audited_within_months
    if months > 0:
        recent = recently_audited_plan_ids(session, cycle, months)
        n = session.exec(base.where(col(Plan.id).in_(recent))).one() if recent else 0
        out.append((f"Plans audited in another cycle in the last {months} months", n))
    return out


def preview_sample(session: Session, cycle: Cycle) -> SamplePreview:
    """The sample `open_cycle` would draw now, in counts per stratum, with what the exclusions leave out."""
    register = session.exec(select(func.count(Plan.id)).where(Plan.area_id == cycle.area_id)).one()
    preview = SamplePreview(register=register, left_out=exclusions_left_out(session, cycle))
    try:
        picked = draw(session, cycle, light=True)
    except AuditError as exc:
        preview.problem = str(exc)
        return preview
    preview.strata = [StratumCount(key, len(picked.eligible[key]), len(picked.drawn[key])) for key in picked.eligible]
    preview.eligible = sum(s.eligible for s in preview.strata)
    preview.drawn = sum(s.drawn for s in preview.strata)
    preview.plan_refs = sorted(p.plan_ref for plans in picked.drawn.values() for p in plans)
    return preview


def draw_again(session: Session, cycle: Cycle) -> Cycle:
    """A different sample under the same rules: the next draw number (stored as the cycle's seed). Drafts only."""
    if cycle.status != CycleStatus.draft.value:
        raise AuditError(f"Cycle {cycle.id} has been started, so its sample is fixed; withdraw and replace "
                         "plans instead.")
    cycle.seed += 1
    session.add(cycle)
    session.flush()
    return cycle
