"""Give each sampled plan's sections to auditors of the agency that owns them.

Rules: a section goes to an auditor of its owning agency (from the rubric, never from code); never to
the plan's case officer or anyone who wrote advice for it; the load is balanced by giving each piece to
the eligible auditor with the fewest assignments in the cycle so far (ties broken by code, so a rerun
gives the same answer). All pieces are worked out before anything is written: one missing agency stops
the whole step with a clear error and nothing stored.
"""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from audit.errors import AuditError
from audit.rubrics.conditions import applies
from audit.rubrics.loading import Rubric, stored_rubric
from audit.store.models import Assignment, Auditor, Cycle, Plan, SampledPlan
from audit.vocabulary import MarkerRole, SampleStatus, label, section_words


def applicable_sections(rubric: Rubric, plan: Plan, agency: str) -> list[str]:
    """What the agency grades on this plan: its sections and its parts of shared sections ("E:health") whose
    advice was requested and whose register conditions hold, and that keep at least one criterion that applies."""
    skipped = set(skipped_criteria(rubric, plan))
    return [unit.code for unit in rubric.units_for_agency(agency)
            if unit.applies_to(plan) and any(c.id not in skipped for c in unit.criteria)]


def skipped_criteria(rubric: Rubric, plan: Plan, codes: list[str] | None = None) -> list[str]:
    """Criteria (of the units `codes`, or of the whole rubric) whose register conditions do not hold for the plan."""
    units = rubric.units if codes is None else [rubric.section(code) for code in codes]
    return list(dict.fromkeys(c.id for unit in units for c in unit.criteria if not applies(c.applies_if, plan)))


def is_conflicted(auditor: Auditor, plan: Plan) -> bool:
    """Nobody audits a plan they wrote or advised on."""
    return auditor.code == plan.case_officer or auditor.code in plan.advice_authors()


def cycle_rubric(session: Session, cycle: Cycle) -> Rubric:
    return stored_rubric(session, cycle.rubric_version_id)


def assign_cycle(session: Session, cycle: Cycle, marker_role: str = MarkerRole.first.value) -> list[Assignment]:
    """Create the missing assignments for every active sampled plan; existing ones are kept as they are."""
    rubric = cycle_rubric(session, cycle)
    auditors = session.exec(
        select(Auditor).where(Auditor.area_id == cycle.area_id, Auditor.active == True)  # noqa: E712
    ).all()
    existing = session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id)).all()
    load = Counter(a.auditor_id for a in existing if a.active)
    have = {(a.sampled_plan_id, a.agency, a.marker_role) for a in existing}

    sampled = session.exec(
        select(SampledPlan, Plan)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status == SampleStatus.sampled.value)
        .order_by(SampledPlan.id)
    ).all()
    new: list[Assignment] = []
    problems: list[str] = []
    missing: set[str] = set()  # agencies with no auditor free to take a piece, named in words in the error
    for sp, plan in sampled:
        for agency in rubric.agencies():
            if (sp.id, agency, marker_role) in have:
                continue
            sections = applicable_sections(rubric, plan, agency)
            if not sections:
                continue
            pool = [a for a in auditors if a.agency == agency and not is_conflicted(a, plan)]
            if not pool:
                missing.add(label(agency, "agency"))
                problems.append(f"plan {plan.plan_ref}: no available {label(agency, 'agency')} auditor "
                                f"(sections {', '.join(section_words(s) for s in sections)})")
                continue
            chosen = min(pool, key=lambda a: (load[a.id], a.code))
            load[chosen.id] += 1
            new.append(
                Assignment(
                    cycle_id=cycle.id,
                    sampled_plan_id=sp.id,
                    agency=agency,
                    sections=sections,
                    auditor_id=chosen.id,
                    marker_role=marker_role,
                    due_date=cycle.due_date,
                    skipped_criteria=skipped_criteria(rubric, plan, sections) or None,
                )
            )
    if problems:
        raise AuditError(
            f"Cannot assign the cycle: no available auditor for {', '.join(sorted(missing))} "
            f"({len(problems)} piece(s)). Add active auditors for that agency who did not write or advise on "
            "the plans, then run the step again. First: " + "; ".join(problems[:5])
        )
    session.add_all(new)
    session.flush()
    return new
