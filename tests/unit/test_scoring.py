"""Roll-up rules on worked examples (the same ones as docs/rubrics.md) and their general properties."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.rubrics.loading import load_rubric_file
from audit.rubrics.model import Cap, Criterion, Section
from audit.rubrics.scoring import plan_grade, roll_up, section_grade, service_grade
from audit.vocabulary import Grade

O, G, RI, I = Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE  # noqa: E741  (the grades' own initials)
RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"


@lru_cache
def _shipped_whole_plan():
    return load_rubric_file(RUBRICS / "whole-plan.yaml")


@pytest.fixture
def whole_plan():
    return _shipped_whole_plan()


def _section(weights: list[float], caps: tuple[Cap, ...] = ()) -> Section:
    criteria = tuple(Criterion(f"X{i + 1}", "text", w, {}) for i, w in enumerate(weights))
    return Section("X", "A section", "education", 1, None, criteria, caps)


# -- roll_up: worked examples -------------------------------------------------------------------


@pytest.mark.parametrize(
    "grades, method, expected",
    [
        # The docs' example: Outstanding (weight 2), Requires Improvement (1), Inadequate (1).
        ([(O, 2), (RI, 1), (I, 1)], "weighted", G),  # (8+2+1)/4 = 2.75 -> Good
        ([(O, 2), (RI, 1), (I, 1)], "best_fit", RI),  # cumulative I=1, RI=2 >= 4/2 -> RI
        ([(O, 2), (RI, 1), (I, 1)], "lowest", I),
        # Exact halves go down (conservative).
        ([(G, 1), (RI, 1)], "weighted", RI),  # 2.5 -> RI
        ([(O, 1), (G, 1)], "weighted", G),  # 3.5 -> Good
        ([(O, 1), (I, 1)], "weighted", RI),  # 2.5 -> RI
        # Just past half goes up.
        ([(G, 51), (RI, 49)], "weighted", G),  # 2.51 -> Good
        ([(G, 1), (RI, 3)], "weighted", RI),  # 2.25 -> RI
        # Best fit on a tie takes the lower grade: half the weight is at or below RI.
        ([(G, 1), (RI, 1)], "best_fit", RI),
        ([(O, 1), (O, 1), (I, 1)], "best_fit", O),  # cumulative I=1 < 1.5; then O=3 -> O
        ([(O, 1), (O, 1), (I, 2)], "best_fit", I),  # I alone carries half the weight
        ([(O, 1), (G, 2), (RI, 1)], "best_fit", G),
        # Weights matter.
        ([(O, 3), (I, 1)], "weighted", G),  # (12+1)/4 = 3.25 -> Good
        ([(O, 3), (I, 1)], "best_fit", O),
        ([(O, 1), (I, 3)], "best_fit", I),
        ([(O, 1), (I, 3)], "weighted", RI),  # (4+3)/4 = 1.75 -> RI
        ([(O, 1), (I, 1)], "best_fit", I),  # half the weight is at Inadequate
        # One grade is itself under every method.
        ([(G, 1)], "weighted", G),
        ([(G, 1)], "best_fit", G),
        ([(G, 1)], "lowest", G),
    ],
)
def test_roll_up_worked_examples(grades, method, expected):
    assert roll_up(grades, method) == expected


def test_decimal_weights_are_exact_so_a_true_half_rounds_down():
    # 0.1 and 0.2 are not exact in binary; the mean (0.1*3 + 0.2*2 + 0.1*2 + 0.2*3)/0.6 is exactly 2.5.
    assert roll_up([(G, 0.1), (RI, 0.2), (RI, 0.1), (G, 0.2)], "weighted") == RI


def test_roll_up_refuses_nonsense():
    with pytest.raises(ValueError, match="nothing to roll up"):
        roll_up([], "weighted")
    with pytest.raises(ValueError, match="unknown roll-up method 'average'"):
        roll_up([(G, 1)], "average")
    with pytest.raises(ValueError, match="not positive"):
        roll_up([(G, 0)], "weighted")


# -- section_grade --------------------------------------------------------------------------------


def test_section_grade_uses_criterion_weights():
    section = _section([2, 1, 1])
    grades = {"X1": O, "X2": RI, "X3": I}
    assert section_grade(section, grades, "weighted") == G
    assert section_grade(section, grades, "best_fit") == RI
    assert section_grade(section, grades, "lowest") == I


def test_section_grade_is_none_until_every_criterion_is_graded():
    section = _section([1, 1])
    assert section_grade(section, {"X1": G}, "weighted") is None
    assert section_grade(section, {"X1": G, "X2": None}, "weighted") is None


def test_section_grade_ignores_other_sections_criteria_and_accepts_ints():
    section = _section([1, 1])
    assert section_grade(section, {"X1": 3, "X2": 3, "B1": 1}, "lowest") == G


def test_section_cap_limits_the_section():
    cap = Cap(("X1",), at_or_below=RI, cap_at=RI)
    section = _section([1, 1, 1, 1], caps=(cap,))
    grades = {"X1": RI, "X2": O, "X3": O, "X4": O}
    assert section_grade(section, grades, "best_fit") == RI  # O without the cap
    assert section_grade(section, {**grades, "X1": G}, "best_fit") == O


# -- plan_grade and caps (shipped whole-plan rubric) ------------------------------------------------


def _all(grade: Grade, whole_plan, **overrides: Grade) -> dict[str, Grade]:
    return {**dict.fromkeys(whole_plan.section_codes(), grade), **overrides}


def test_plan_grade_by_best_fit_over_section_weights(whole_plan):
    # Weights: B, E, F count 2, the rest 1 (total 14). Four sections RI (weight 1+1+1+1=4) leave the
    # middle of the evidence at Good.
    grades = _all(G, whole_plan, A=RI, I=RI, J=RI, K=RI)
    assert plan_grade(whole_plan, grades) == G
    # B, E and F at RI: 2+2+2 = 6, plus A = 7 of 14 -> exactly half at or below RI -> RI.
    grades = _all(G, whole_plan, A=RI, B=RI, E=RI, F=RI)
    assert plan_grade(whole_plan, grades) == RI


def test_inadequate_f_caps_the_plan_at_requires_improvement(whole_plan):
    grades = _all(O, whole_plan, F=I)
    assert plan_grade(whole_plan, grades) == RI
    assert plan_grade(whole_plan, _all(O, whole_plan, B=I)) == RI


def test_cap_never_raises_a_grade(whole_plan):
    grades = _all(I, whole_plan)
    assert plan_grade(whole_plan, grades) == I


def test_requires_improvement_f_does_not_trigger_the_cap(whole_plan):
    assert plan_grade(whole_plan, _all(O, whole_plan, F=RI)) == O


def test_sections_not_given_are_left_out(whole_plan):
    # No social care advice: D and H do not apply, so the caller leaves them out.
    grades = dict.fromkeys("ABCEFGIJK", G)
    assert plan_grade(whole_plan, grades) == G
    with pytest.raises(ValueError, match="no section grades"):
        plan_grade(whole_plan, {})
    with pytest.raises(KeyError, match="no section 'Z'"):
        plan_grade(whole_plan, {"Z": G})


def test_service_grade_uses_only_that_agencys_sections(whole_plan):
    grades = _all(G, whole_plan, B=O, F=RI, C=I, G=I)
    assert service_grade(whole_plan, grades, "education") == RI  # B=O, F=RI, equal weight -> lower
    assert service_grade(whole_plan, grades, "health") == I
    assert service_grade(whole_plan, grades, "sen_team") == G
    assert service_grade(whole_plan, grades, "parent_carer_forum") is None
    assert service_grade(whole_plan, {"A": G}, "social_care") is None


def test_service_grade_applies_caps_on_its_own_sections_only(whole_plan):
    grades = _all(O, whole_plan, F=I)
    assert service_grade(whole_plan, grades, "education") == I  # B=O, F=I; best fit -> I, cap moot
    assert service_grade(whole_plan, grades, "health") == O


# -- properties --------------------------------------------------------------------------------------

grades_st = st.sampled_from(list(Grade))
weights_st = st.one_of(st.integers(1, 10), st.floats(0.05, 10, allow_nan=False, allow_infinity=False))
pairs_st = st.lists(st.tuples(grades_st, weights_st), min_size=1, max_size=12)
methods_st = st.sampled_from(["weighted", "best_fit", "lowest"])


@given(pairs_st, methods_st)
def test_result_lies_between_lowest_and_highest_input(pairs, method):
    result = roll_up(pairs, method)
    assert min(g for g, _ in pairs) <= result <= max(g for g, _ in pairs)


@given(pairs_st)
def test_lowest_is_never_above_best_fit_or_weighted(pairs):
    lowest = roll_up(pairs, "lowest")
    assert lowest <= roll_up(pairs, "best_fit")
    assert lowest <= roll_up(pairs, "weighted")


@given(pairs_st, methods_st, st.data())
def test_raising_one_input_never_lowers_the_result(pairs, method, data):
    i = data.draw(st.integers(0, len(pairs) - 1))
    grade, weight = pairs[i]
    better = data.draw(st.sampled_from([g for g in Grade if g >= grade]))
    raised = [*pairs[:i], (better, weight), *pairs[i + 1 :]]
    assert roll_up(raised, method) >= roll_up(pairs, method)


@given(st.lists(st.tuples(grades_st, st.integers(1, 10)), min_size=1, max_size=12), methods_st, st.integers(2, 5))
def test_scaling_all_weights_changes_nothing(pairs, method, factor):
    assert roll_up([(g, w * factor) for g, w in pairs], method) == roll_up(pairs, method)


@given(st.dictionaries(st.sampled_from(list("ABCDEFGHIJK")), grades_st, min_size=1))
def test_plan_grade_never_exceeds_the_cap_when_f_or_b_is_inadequate(section_grades):
    result = plan_grade(_shipped_whole_plan(), section_grades)
    if section_grades.get("B") == I or section_grades.get("F") == I:
        assert result <= RI
    assert min(section_grades.values()) <= result <= max(section_grades.values())
