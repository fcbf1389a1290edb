"""Score a cycle (criterion -> section -> plan by the rubric's rule) and store the results.

A plan with any applicable section not yet in is "incomplete": it keeps the sections that are in, gets no
plan grade, and is listed, never dropped. Scoring replaces the cycle's stored results in one transaction,
so a rerun after a late submission gives the same rows as a single run at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, delete, select

from audit.cycle.assignment import applicable_sections, cycle_rubric
from audit.moderation.marking import Marking, counted_sources, read_marking
from audit.rubrics.loading import Rubric
from audit.rubrics.scoring import NOT_APPLICABLE, combined_grade, plan_grade, section_grade
from audit.store.models import Assignment, CriterionGrade, Cycle, Plan, PlanResult, SampledPlan, SectionResult
from audit.vocabulary import Grade, MarkerRole, SampleStatus


@dataclass(frozen=True)
class ScoreSummary:
    plans: int
    complete: int
    incomplete: int
    by_grade: dict[str, int]


def counted_grades(session: Session, cycle: Cycle,
                   marking: Marking | None = None) -> dict[tuple[int, str], dict[str, Grade | str]]:
    """(sampled plan id, section or part) -> criterion grades from the scorecard that counts.

    `audit.moderation.marking.counted_sources` decides: the first marker's, or the second marker's when the cycle's
    policy takes the lower grade. A moderated section keeps the first marker's criteria here; its agreed
    section grade is applied by `score_cycle`. A criterion the auditor marked not applicable is NOT_APPLICABLE.
    `marking`: the cycle's marking when the caller has read it.
    """
    sources = counted_sources(session, cycle, marking)
    cards = {c.scorecard_id for c in sources.values()}
    rows = session.exec(
        select(CriterionGrade.scorecard_id, CriterionGrade.section, CriterionGrade.criterion_id, CriterionGrade.grade,
               CriterionGrade.not_applicable)
        .where(CriterionGrade.scorecard_id.in_(cards))
    ).all() if cards else []
    by_card: dict[tuple[int, str], dict[str, Grade | str]] = {}
    for card_id, section, cid, grade, not_applicable in rows:
        if not_applicable:
            by_card.setdefault((card_id, section), {})[cid] = NOT_APPLICABLE
        elif grade is not None:
            by_card.setdefault((card_id, section), {})[cid] = Grade(grade)
    return {key: by_card[(c.scorecard_id, key[1])] for key, c in sources.items() if (c.scorecard_id, key[1]) in by_card}


def skipped_by_piece(session: Session, cycle: Cycle) -> dict[tuple[int, str], set[str]]:
    """(sampled plan id, section or part) -> criteria its register conditions left out, as frozen on assignment."""
    rows = session.exec(select(Assignment.sampled_plan_id, Assignment.sections, Assignment.skipped_criteria)
                        .where(Assignment.cycle_id == cycle.id, Assignment.marker_role == MarkerRole.first.value)).all()
    return {(sp, code): set(skipped or ()) for sp, sections, skipped in rows for code in sections}


def score_cycle(session: Session, cycle: Cycle) -> ScoreSummary:
    """Recompute and store section and plan results for every active sampled plan of the cycle."""
    rubric: Rubric = cycle_rubric(session, cycle)
    marking = read_marking(session, cycle)  # once, for both
    grades = counted_grades(session, cycle, marking)
    sources = counted_sources(session, cycle, marking)  # a moderated section grade replaces the roll-up
    skipped = skipped_by_piece(session, cycle)
    sampled = session.exec(
        select(SampledPlan, Plan).join(Plan, Plan.id == SampledPlan.plan_id)
        .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status == SampleStatus.sampled.value)
    ).all()
    session.exec(delete(SectionResult).where(SectionResult.cycle_id == cycle.id))
    session.exec(delete(PlanResult).where(PlanResult.cycle_id == cycle.id))
    by_grade = {g.label: 0 for g in sorted(Grade, reverse=True)}
    complete = 0
    for sp, plan in sampled:
        applicable = {code for agency in rubric.agencies() for code in applicable_sections(rubric, plan, agency)}

        def unit_grade(unit, sp=sp) -> Grade | str | None:
            source = sources.get((sp.id, unit.code))
            if source is not None and source.grade is not None:
                return source.grade
            return section_grade(unit, grades.get((sp.id, unit.code), {}), rubric.rollup.section_method,
                                 skipped.get((sp.id, unit.code), ()))

        section_grades: dict[str, Grade] = {}
        missing = []
        for section in rubric.sections:
            status, grade, parts = _section_result(section, [u for u in section.parts() if u.code in applicable],
                                                   unit_grade)
            if status == "incomplete":
                missing.append(section.code)
            elif grade is not None:
                section_grades[section.code] = grade
            session.add(SectionResult(cycle_id=cycle.id, sampled_plan_id=sp.id, rubric_version_id=cycle.rubric_version_id,
                                      section=section.code, agency=section.agency,
                                      grade=int(grade) if grade else None, status=status, parts=parts))
        overall = plan_grade(rubric, section_grades) if not missing and section_grades else None
        if overall is not None:
            complete += 1
            by_grade[overall.label] += 1
        session.add(PlanResult(cycle_id=cycle.id, sampled_plan_id=sp.id, rubric_version_id=cycle.rubric_version_id,
                               grade=int(overall) if overall else None,
                               status="complete" if overall is not None else "incomplete",
                               missing_sections=missing))
    session.flush()
    return ScoreSummary(plans=len(sampled), complete=complete, incomplete=len(sampled) - complete, by_grade=by_grade)


def _section_result(section, units: list, unit_grade) -> tuple[str, Grade | None, dict | None]:
    """(status, grade, parts) of one section from what of it applies: its own grade, or a shared section's parts
    combined by its rule. Parts the auditors marked wholly not applicable are left out; none left: not applicable."""
    if not units:
        return "not_applicable", None, None
    graded: dict[str, Grade] = {}
    parts: dict[str, int | None] = {}
    for unit in units:
        grade = unit_grade(unit)
        if grade == NOT_APPLICABLE:
            continue
        parts[unit.agency] = None if grade is None else int(grade)
        if grade is not None:
            graded[unit.agency] = grade
    shared = parts if section.shared else None
    if any(g is None for g in parts.values()):
        return "incomplete", None, shared
    if not graded:
        return "not_applicable", None, shared
    grade = combined_grade(section, graded) if section.shared else next(iter(graded.values()))
    return "complete", grade, shared
