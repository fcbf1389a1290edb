"""Roll-up rules: criterion grades -> section grade -> plan (and per-service) grade. Pure; no database.

Grades count as their `Grade` values, Inadequate=1 .. Outstanding=4. Arithmetic is exact (Fraction),
so a weighted mean that is exactly half-way is recognised as such and rounded down, never up by a
floating-point accident. docs/rubrics.md gives the rules with worked examples.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import lru_cache

from audit.rubrics.model import SECTION_METHODS, Cap, Rubric, Section
from audit.vocabulary import Grade

__all__ = [
    "METHODS",
    "NOT_APPLICABLE",
    "apply_caps",
    "combined_grade",
    "plan_grade",
    "plan_grades",
    "roll_up",
    "section_grade",
    "service_grade",
]

METHODS = SECTION_METHODS
NOT_APPLICABLE = "not_applicable"  # a criterion (or a whole section) the auditor or the rubric left out


def roll_up(grades: list[tuple[Grade, float]], method: str) -> Grade:
    """Combine (grade, weight) pairs by `method`: weighted, best_fit or lowest."""
    if not grades:
        raise ValueError("nothing to roll up: no grades given")
    return _roll_up(tuple((int(g), w) for g, w in grades), method)


@lru_cache(maxsize=1 << 16)
def _roll_up(grades: tuple[tuple[int, float], ...], method: str) -> Grade:
    # Remembered: a cycle repeats the same few thousand grade patterns, and exact Fraction arithmetic
    # costs far more than the lookup (scoring and the board pack roll up tens of thousands of sections).
    pairs = [(Grade(g), _exact(w)) for g, w in grades]
    if method == "weighted":
        return _weighted(pairs)
    if method == "best_fit":
        return _best_fit(pairs)
    if method == "lowest":
        return min(g for g, _ in pairs)
    raise ValueError(f"unknown roll-up method '{method}'; use one of {', '.join(METHODS)}")


def apply_caps(grade: Grade, caps: Iterable[Cap], grades: Mapping[str, Grade]) -> Grade:
    """Lower `grade` to each triggered cap's ceiling; a cap with no target in `grades` is ignored."""
    for cap in caps:
        if cap.triggered_by(dict(grades)):
            grade = min(grade, cap.cap_at)
    return grade


def section_grade(section: Section, criterion_grades: Mapping[str, Grade | int | str | None], method: str,
                  skip: Iterable[str] = ()) -> Grade | str | None:
    """The section's (or part's) grade from its criteria; None if a criterion it needs is ungraded.

    Criteria in `skip` (their register conditions do not hold for the plan) and criteria the auditor marked
    NOT_APPLICABLE are left out, never counted; when every criterion is left out the result is NOT_APPLICABLE.
    Grades for criteria outside the section are ignored, so a whole scorecard can be passed.
    """
    left_out = set(skip)
    own: dict[str, Grade] = {}
    for criterion in section.criteria:
        if criterion.id in left_out:
            continue
        value = criterion_grades.get(criterion.id)
        if value is None:
            return None
        if value == NOT_APPLICABLE:
            continue
        own[criterion.id] = Grade(value)
    if not own:
        return NOT_APPLICABLE
    grade = roll_up([(own[c.id], c.weight) for c in section.criteria if c.id in own], method)
    return apply_caps(grade, section.caps, own)


def combined_grade(section: Section, part_grades: Mapping[str, Grade]) -> Grade:
    """A shared section's grade: its graded parts' grades by the section's `combine` rule (each part weight 1)."""
    return roll_up([(Grade(g), 1) for g in part_grades.values()], section.combine or "lowest")


def plan_grades(rubric: Rubric, section_grades: Mapping[str, Grade | int]) -> tuple[Grade, Grade]:
    """(the plan rule's grade before caps, the plan grade after them): the board sees what a cap lowered."""
    grades = {code: Grade(g) for code, g in section_grades.items()}
    if not grades:
        raise ValueError("no section grades given; a plan with no applicable sections has no grade")
    before = roll_up([(grade, rubric.section(code).weight) for code, grade in grades.items()], rubric.rollup.plan_method)
    return before, apply_caps(before, rubric.rollup.caps, grades)


def plan_grade(rubric: Rubric, section_grades: Mapping[str, Grade | int]) -> Grade:
    """The plan's grade over the sections given (the caller leaves out sections that do not apply)."""
    return plan_grades(rubric, section_grades)[1]


def service_grade(rubric: Rubric, section_grades: Mapping[str, Grade | int], agency: str) -> Grade | None:
    """One agency's grade over what it grades present in `section_grades`: its sections, and its own part of each
    shared section (keyed "E:health"); None if it has none."""
    own = {(u.parent or u.code): section_grades[u.code] for u in rubric.units_for_agency(agency)
           if u.code in section_grades and section_grades[u.code] != NOT_APPLICABLE}
    if not own:
        return None
    # Caps only see this agency's sections, so e.g. an Inadequate F caps education but not health.
    return plan_grade(rubric, own)


def _weighted(pairs: list[tuple[Grade, Fraction]]) -> Grade:
    total = sum(w for _, w in pairs)
    mean = sum(int(g) * w for g, w in pairs) / total
    # Round half down (conservative): 2.5 -> Requires Improvement, 2.51 -> Good.
    return Grade(math.ceil(mean - Fraction(1, 2)))


def _best_fit(pairs: list[tuple[Grade, Fraction]]) -> Grade:
    total = sum(w for _, w in pairs)
    running = Fraction(0)
    for grade in sorted(Grade):
        running += sum(w for g, w in pairs if g == grade)
        # The lowest grade where half the evidence sits at or below it: the (lower) weighted median.
        if 2 * running >= total:
            return grade
    raise AssertionError("unreachable: cumulative weight always reaches the total")


def _exact(weight: float) -> Fraction:
    # Via str so a weight written 0.1 counts as one tenth, as the QA lead meant, not its binary neighbour.
    value = Fraction(str(weight)) if isinstance(weight, float) else Fraction(weight)
    if value <= 0:
        raise ValueError(f"weight {weight} is not positive")
    return value
