"""Calibration exercises: every auditor grades one reference plan; each one's distance from the moderated
reference grade is reported per section, so training can be aimed at the sections and people who need it.

Calibration grades are section grades kept in their own table: they are training, outside any cycle, and
never count towards results.
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session, select

from audit.errors import InputRejected, NotFound, Problem
from audit.rubrics.loading import Rubric, rubric_from_version, store_rubric
from audit.store.models import Auditor, CalibrationExercise, CalibrationGrade, LocalArea, Plan, RubricVersion
from audit.vocabulary import Grade


def create_exercise(session: Session, area: LocalArea, rubric: Rubric, plan_ref: str, name: str) -> CalibrationExercise:
    """The QA lead picks a reference plan from the register."""
    plan = session.exec(select(Plan).where(Plan.area_id == area.id, Plan.plan_ref == plan_ref)).first()
    if plan is None:
        raise NotFound(f"No plan {plan_ref} in area {area.code}'s register.")
    exercise = CalibrationExercise(area_id=area.id, name=name, plan_id=plan.id,
                                   rubric_version_id=store_rubric(session, rubric).id)
    session.add(exercise)
    session.flush()
    return exercise


def get_exercise(session: Session, exercise_id: int) -> CalibrationExercise:
    exercise = session.get(CalibrationExercise, exercise_id)
    if exercise is None:
        raise NotFound(f"No calibration exercise {exercise_id}.")
    return exercise


def _rubric(session: Session, exercise: CalibrationExercise) -> Rubric:
    return rubric_from_version(session.get(RubricVersion, exercise.rubric_version_id))


def _check_sections(rubric: Rubric, grades: dict[str, Grade], what: str) -> None:
    unknown = [code for code in grades if code not in rubric.section_codes()]
    if unknown:
        raise InputRejected(what, [Problem(f"section {code} is not in rubric {rubric.key}", column="section",
                                           fix=f"use one of {', '.join(rubric.section_codes())}") for code in unknown])


def record_grades(session: Session, exercise: CalibrationExercise, auditor: Auditor, grades: dict[str, Grade]) -> None:
    """An auditor's section grades for the reference plan; grading again replaces their earlier grade."""
    _check_sections(_rubric(session, exercise), grades, f"Calibration grades from {auditor.code}")
    existing = {g.section: g for g in session.exec(select(CalibrationGrade).where(
        CalibrationGrade.exercise_id == exercise.id, CalibrationGrade.auditor_id == auditor.id)).all()}
    for code, grade in grades.items():
        row = existing.get(code) or CalibrationGrade(exercise_id=exercise.id, auditor_id=auditor.id, section=code, grade=0)
        row.grade = int(Grade(grade))
        session.add(row)
    session.flush()


def set_reference(session: Session, exercise: CalibrationExercise, moderator_code: str,
                  agreed: dict[str, tuple[Grade, str]]) -> None:
    """The moderated reference grade per section, each with its rationale."""
    _check_sections(_rubric(session, exercise), {k: v[0] for k, v in agreed.items()}, "Calibration reference")
    missing = [code for code, (_, why) in agreed.items() if not why.strip()]
    if missing:
        raise InputRejected("Calibration reference", [Problem(f"section {c} has no rationale", column="rationale",
                                                              fix="say why this is the reference grade") for c in missing])
    exercise.reference = {**exercise.reference, **{code: int(Grade(g)) for code, (g, _) in agreed.items()}}
    exercise.reference_rationale = {**exercise.reference_rationale, **{c: why.strip() for c, (_, why) in agreed.items()}}
    exercise.moderator_code = moderator_code
    session.add(exercise)
    session.flush()


def distance_report(session: Session, exercise: CalibrationExercise) -> pd.DataFrame:
    """One row per auditor and section: their grade, the reference and the signed distance (+ = more generous)."""
    rows = session.exec(select(CalibrationGrade, Auditor).join(Auditor, Auditor.id == CalibrationGrade.auditor_id)
                        .where(CalibrationGrade.exercise_id == exercise.id)).all()
    out = []
    for g, auditor in rows:
        ref = exercise.reference.get(g.section)
        out.append({"auditor": auditor.code, "agency": auditor.agency, "section": g.section,
                    "grade": Grade(g.grade).label, "reference": Grade(ref).label if ref else None,
                    "distance": g.grade - ref if ref else None})
    frame = pd.DataFrame(out, columns=["auditor", "agency", "section", "grade", "reference", "distance"])
    frame["distance"] = frame["distance"].astype("Int64")
    return frame.sort_values(["section", "auditor"]).reset_index(drop=True)


def distance_by_auditor(report: pd.DataFrame) -> pd.DataFrame:
    """Per auditor: sections graded, mean signed and mean absolute distance from the reference."""
    scored = report.dropna(subset=["distance"])
    cols = ["auditor", "sections", "mean_distance", "mean_abs_distance"]
    if scored.empty:
        return pd.DataFrame(columns=cols)
    d = scored.assign(distance=scored["distance"].astype(float))
    return (d.groupby("auditor", as_index=False)
            .agg(sections=("distance", "size"), mean_distance=("distance", "mean"),
                 mean_abs_distance=("distance", lambda s: s.abs().mean()))
            .round(2)[cols])
