"""Agreement statistics against published worked examples, and the rules for reading them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.moderation.agreement import HIGH_RAW_LOW_ALPHA, agreement_tables, alpha, gwet_ac1, summarise

NAN = np.nan
# Krippendorff's reliability data: 4 observers x 12 units, values 1-5, missing as NaN.
KRIPPENDORFF = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_matches_krippendorffs_worked_example(level, published):
    assert alpha(KRIPPENDORFF, level) == pytest.approx(published, abs=5e-4)


def test_ac1_matches_irrcac_on_the_same_data():
    ac1 = gwet_ac1(KRIPPENDORFF, [1, 2, 3, 4, 5])
    assert ac1.value == pytest.approx(0.7754, abs=5e-5)
    assert (round(ac1.ci_low, 3), ac1.ci_high) == (0.461, 1.0)


def test_missing_grades_are_missing_not_a_category():
    # More empty units change nothing: they carry no grade, so they are neither agreement nor a category.
    padded = np.hstack([KRIPPENDORFF, np.full((4, 3), NAN)])
    assert gwet_ac1(padded, [1, 2, 3, 4, 5]).value == pytest.approx(gwet_ac1(KRIPPENDORFF, [1, 2, 3, 4, 5]).value)
    assert alpha(padded, "ordinal") == pytest.approx(alpha(KRIPPENDORFF, "ordinal"))
    result = summarise([3, None, 2, 4], [3, 2, None, 4], [1, 2, 3, 4])
    assert (result.units, result.plans, result.exact_pct) == (2, 2, 100.0)


def test_nearly_all_good_reports_high_raw_agreement_beside_a_low_alpha_and_says_why():
    first = [3] * 28 + [2, 3]
    second = [3] * 28 + [3, 2]
    result = summarise(first, second, list(range(30)))
    assert result.exact_pct > 90 and result.within_one_pct == 100.0
    assert result.alpha_ordinal is not None and result.alpha_ordinal < 0.1
    assert HIGH_RAW_LOW_ALPHA in result.note
    assert result.ac1 > 0.9  # AC1 is not thrown by the skewed spread


def test_small_samples_and_single_grade_are_said_in_words():
    small = summarise([3, 2, 4], [3, 2, 3], [1, 2, 3])
    assert "too few" in small.note
    same = summarise([3] * 12, [3] * 12, list(range(12)))
    assert same.alpha_ordinal is None and "cannot be calculated" in same.note and same.exact_pct == 100.0


def test_an_auditor_who_grades_one_step_higher_stands_out():
    rng = np.random.default_rng(4)
    rows = []
    auditors = ["A1", "A2", "A3", "LENIENT"]
    for i in range(60):
        true = int(rng.integers(1, 4))  # 1-3, so one step higher stays on the scale
        first, second = auditors[i % 4], auditors[(i + 1) % 4]
        g1 = true + (first == "LENIENT")
        g2 = true + (second == "LENIENT")
        rows.append({"sampled_plan_id": i, "plan_ref": f"P{i}", "section": "B", "agency": "education",
                     "first_auditor": first, "second_auditor": second, "first_grade": g1, "second_grade": g2})
    tables = agreement_tables(pd.DataFrame(rows))
    by = tables["auditor"].set_index("group")
    assert by.loc["LENIENT", "mean_difference"] == 1.0
    assert by.loc["LENIENT", "exact_pct"] == 0.0
    assert by.loc["LENIENT", "exact_pct"] == by["exact_pct"].min()
    # Colleagues paired with LENIENT half the time look half a grade lower; nobody else is a full grade off.
    assert (by.drop("LENIENT")["mean_difference"].abs() <= 0.5).all()
    everything = tables["cycle"].set_index("group").loc["All double-marked plans"]
    assert everything["units"] == 60 and tables["section"].iloc[0]["group"] == "B"
