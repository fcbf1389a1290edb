"""Score a cycle (criterion -> section -> plan by the rubric's rule) and store the results.

A plan with any applicable section not yet in is "incomplete": it keeps the sections that are in, gets no
plan grade, and is listed, never dropped. Scoring replaces the cycle's stored results in one transaction,
so a rerun after a late submission gives the same rows as a single run at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, delete, select

from audit.assignment import applicable_sections, cycle_rubric
from audit.codes import Grade, MarkerRole, SampleStatus, ScorecardStatus
from audit.models import Assignment, CriterionGrade, Cycle, Plan, PlanResult, SampledPlan, Scorecard, SectionResult
from audit.rubrics import Rubric
from audit.scoring import plan_grade, section_grade


@dataclass(frozen=True)
class ScoreSummary:
    plans: int
    complete: int
    incomplete: int
    by_grade: dict[str, int]


def counted_grades(session: Session, cycle: Cycle) -> dict[tuple[int, str], dict[str, Grade]]:
    """(sampled plan id, section) -> criterion grades from the scorecard that counts.

    The first marker's submitted scorecard counts; moderation (second marking) will change which one.
    """
    rows = session.exec(
        select(Assignment.sampled_plan_id, CriterionGrade.section, CriterionGrade.criterion_id, CriterionGrade.grade)
        .join(Scorecard, Scorecard.assignment_id == Assignment.id)
        .join(CriterionGrade, CriterionGrade.scorecard_id == Scorecard.id)
        .where(Assignment.cycle_id == cycle.id, Assignment.active == True,  # noqa: E712
               Assignment.marker_role == MarkerRole.first.value,
               Scorecard.status == ScorecardStatus.submitted.value)
    ).all()
    out: dict[tuple[int, str], dict[str, Grade]] = {}
    for sp_id, section, cid, grade in rows:
        if grade is not None:
            out.setdefault((sp_id, section), {})[cid] = Grade(grade)
    return out


def score_cycle(session: Session, cycle: Cycle) -> ScoreSummary:
    """Recompute and store section and plan results for every active sampled plan of the cycle."""
    rubric: Rubric = cycle_rubric(session, cycle)
    grades = counted_grades(session, cycle)
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
        section_grades: dict[str, Grade] = {}
        missing = []
        for section in rubric.sections:
            if section.code not in applicable:
                status, grade = "not_applicable", None
            else:
                grade = section_grade(section, grades.get((sp.id, section.code), {}), rubric.rollup.section_method)
                status = "complete" if grade is not None else "incomplete"
                if grade is None:
                    missing.append(section.code)
                else:
                    section_grades[section.code] = grade
            session.add(SectionResult(cycle_id=cycle.id, sampled_plan_id=sp.id, rubric_version_id=cycle.rubric_version_id,
                                      section=section.code, agency=section.agency,
                                      grade=int(grade) if grade else None, status=status))
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
