"""Draw a cycle's sample: stratified, seeded and reproducible, with the exclusions recorded on the cycle.

Allocation across strata is proportional (largest remainder), so a 40-plan sample of a register that is
30% North gets 12 North plans. Within a stratum plans are shuffled by a generator seeded from the cycle's
seed, over plan references sorted first, so the same register and seed always give the same sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from audit.errors import AuditError
from audit.store.models import Cycle, Plan, RubricVersion, SampledPlan
from audit.vocabulary import PlanStatus, SampleStatus

# Fields a QA lead may stratify by: any register column, plus one derived field.
DERIVED_FIELDS = {"plan_stage"}
NEW_PLAN_MONTHS = 6


@dataclass(frozen=True)
class Exclusions:
    """Which plans may not be sampled; stored on the cycle as a dict."""

    active_only: bool = True
    audited_within_months: int = 12
    require_final_plan: bool = True

    @classmethod
    def from_dict(cls, data: dict | None) -> Exclusions:
        return cls(**(data or {}))

    def to_dict(self) -> dict:
        return {
            "active_only": self.active_only,
            "audited_within_months": self.audited_within_months,
            "require_final_plan": self.require_final_plan,
        }


def plan_stage(plan: Plan, as_of: date) -> str:
    """'new' for a plan issued in the last six months, else 'annual_review' (our definition, see docs)."""
    if plan.final_issued_date and plan.final_issued_date > as_of - relativedelta(months=NEW_PLAN_MONTHS):
        return "new"
    return "annual_review"


def stratum_key(plan: Plan, strata: list[str], as_of: date) -> str:
    if not strata:
        return "all"
    parts = []
    for field in strata:
        value = plan_stage(plan, as_of) if field == "plan_stage" else getattr(plan, field)
        parts.append(f"{field}={value}")
    return "|".join(parts)


def validate_strata(strata: list[str]) -> None:
    allowed = set(Plan.model_fields) - {"id", "area_id", "imported_at"} | DERIVED_FIELDS
    unknown = [s for s in strata if s not in allowed]
    if unknown:
        raise AuditError(
            f"Unknown stratum field(s): {', '.join(unknown)}. Use register columns such as team, phase, "
            f"primary_need, setting_type, or plan_stage (new / annual_review)."
        )


def recently_audited_plan_ids(session: Session, cycle: Cycle, months: int) -> set[int]:
    """Plans sampled (and not withdrawn) in another cycle of the area created in the last `months`."""
    if months <= 0:
        return set()
    since = cycle.created_at - relativedelta(months=months)
    rows = session.exec(
        select(SampledPlan.plan_id)
        .join(Cycle, col(Cycle.id) == SampledPlan.cycle_id)
        .where(Cycle.area_id == cycle.area_id, Cycle.id != cycle.id, col(Cycle.created_at) >= since)
        .where(SampledPlan.status == SampleStatus.sampled.value)
    ).all()
    return set(rows)


def eligible_plans(session: Session, cycle: Cycle, light: bool = False) -> list[Plan]:
    """The plans the cycle's exclusions leave in. `light`: load only what drawing reads (a preview on a big
    register; a session that goes on to assign plans wants them whole)."""
    rules = Exclusions.from_dict(cycle.exclusions)
    query = select(Plan).where(Plan.area_id == cycle.area_id)
    if light:
        fields = [getattr(Plan, f) for f in cycle.strata if f not in DERIVED_FIELDS]
        query = query.options(load_only(Plan.id, Plan.plan_ref, Plan.final_issued_date, *fields))
    if rules.active_only:
        query = query.where(Plan.status == PlanStatus.active.value)
    if rules.require_final_plan:
        query = query.where(col(Plan.final_issued_date).is_not(None))
    theme = session.get(RubricVersion, cycle.rubric_version_id).theme
    if theme:
        # A themed audit looks at one kind of advice, so only plans that had that advice can be sampled.
        query = query.where(col(getattr(Plan, f"{theme}_advice_requested")).is_not(None))
    excluded = recently_audited_plan_ids(session, cycle, rules.audited_within_months)
    return [p for p in session.exec(query).all() if p.id not in excluded]


def allocate(stratum_sizes: dict[str, int], sample_size: int) -> dict[str, int]:
    """Proportional allocation by largest remainder; never more than a stratum holds."""
    total = sum(stratum_sizes.values())
    if total == 0:
        return dict.fromkeys(stratum_sizes, 0)
    size = min(sample_size, total)
    quotas = {k: size * n / total for k, n in stratum_sizes.items()}
    alloc = {k: int(q) for k, q in quotas.items()}
    order = sorted(stratum_sizes, key=lambda k: (-(quotas[k] - alloc[k]), k))
    for key in order[: size - sum(alloc.values())]:
        alloc[key] += 1
    return alloc


def _shuffled(plans: list[Plan], seed: int, salt: str) -> list[Plan]:
    ordered = sorted(plans, key=lambda p: p.plan_ref)
    rng = np.random.default_rng([seed, *salt.encode()])
    return [ordered[i] for i in rng.permutation(len(ordered))]


@dataclass
class Draw:
    """The plans a cycle's rules and seed pick, before anything is stored: per stratum, the eligible and drawn."""

    eligible: dict[str, list[Plan]]
    drawn: dict[str, list[Plan]]


def draw(session: Session, cycle: Cycle, as_of: date | None = None, light: bool = False) -> Draw:
    """What `sample_cycle` would store for the cycle now (the QA lead's preview uses it too, `light`)."""
    as_of = as_of or cycle.created_at.date()
    validate_strata(cycle.strata)
    pool = eligible_plans(session, cycle, light)
    if not pool:
        months = Exclusions.from_dict(cycle.exclusions).audited_within_months
        raise AuditError(
            f"No plan can be sampled: every plan is excluded (not active, no final plan, or audited in the "
            f"last {months} months). Import a register or relax the exclusions."
        )
    by_stratum: dict[str, list[Plan]] = {}
    for plan in pool:
        by_stratum.setdefault(stratum_key(plan, cycle.strata, as_of), []).append(plan)
    alloc = allocate({k: len(v) for k, v in by_stratum.items()}, cycle.sample_size)
    drawn = {key: _shuffled(by_stratum[key], cycle.seed, key)[: alloc[key]] for key in sorted(by_stratum)}
    return Draw(dict(sorted(by_stratum.items())), drawn)


def sample_cycle(session: Session, cycle: Cycle, as_of: date | None = None) -> list[SampledPlan]:
    """Sample the cycle once; on a rerun return what was already drawn (no duplicates)."""
    existing = session.exec(select(SampledPlan).where(SampledPlan.cycle_id == cycle.id)).all()
    if existing:
        return list(existing)
    picked = draw(session, cycle, as_of)
    drawn = [SampledPlan(cycle_id=cycle.id, plan_id=plan.id, stratum=key)
             for key, plans in picked.drawn.items() for plan in plans]
    session.add_all(drawn)
    session.flush()
    return drawn


def draw_replacement(session: Session, cycle: Cycle, withdrawn: SampledPlan) -> Plan | None:
    """The next eligible plan from the withdrawn plan's stratum, or None when the stratum is used up."""
    in_cycle = set(session.exec(select(SampledPlan.plan_id).where(SampledPlan.cycle_id == cycle.id)).all())
    as_of = cycle.created_at.date()
    candidates = [
        p
        for p in eligible_plans(session, cycle)
        if p.id not in in_cycle and stratum_key(p, cycle.strata, as_of) == withdrawn.stratum
    ]
    if not candidates:
        return None
    # Salted with the withdrawn row so each replacement is reproducible yet independent of the first draw.
    return _shuffled(candidates, cycle.seed, f"{withdrawn.stratum}#replace#{withdrawn.id}")[0]

