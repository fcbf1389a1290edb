"""Agreement that respects the design: published reference values for AC1, AC2 and alpha, intervals that resample
plans (not sections), "too few" counted in plans, no degenerate intervals, the random headline beside the
rule-chosen plans, and the words a QA lead reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.moderation import reading
from audit.moderation.agreement import (
    FEW_PLANS,
    MIN_PLANS,
    agreement_tables,
    summarise,
)
from audit.moderation.coefficients import (
    GRADE_DOMAIN,
    alpha,
    gwet_ac,
    ordinal_weights,
    pair_figures,
    plan_tables,
)

NAN = np.nan
# irrCAC's cac.raw4raters (Gwet 2014): 4 raters x 12 units, categories 1-5, missing as NaN.
RAW_4RATERS = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, NAN],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])
FIVE = [1, 2, 3, 4, 5]


def _table_ratings(table: list[list[int]]) -> np.ndarray:
    """Two raters' raw ratings from a contingency table (rows: rater 1, columns: rater 2)."""
    first, second = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            first += [i + 1] * count
            second += [j + 1] * count
    return np.array([first, second], dtype=float)


# irrCAC's cont3x3abstractors (Gwet 2014): 100 subjects classified by two abstractors.
ABSTRACTORS = _table_ratings([[13, 0, 0], [0, 20, 7], [0, 4, 56]])


def quadratic(q: int) -> np.ndarray:
    k = np.arange(q)
    return 1 - ((k[:, None] - k[None, :]) / (q - 1)) ** 2


def test_ordinal_weights_are_gwets():
    # irrCAC's ordinal.weights(1:3) prints 1, 0.6666667, 0 (Gwet's weighting vignette).
    assert ordinal_weights(3)[0].tolist() == pytest.approx([1, 2 / 3, 0])
    assert ordinal_weights(4)[0].tolist() == pytest.approx([1, 5 / 6, 1 / 2, 0])


def test_ac2_with_ordinal_weights_matches_the_reference():
    # irrCAC (Python port of Gwet's R package) on cac.raw4raters, weights="ordinal": 0.899, pa 0.968, pe 0.685,
    # se 0.107, 95% CI 0.664 to 1.
    ac2 = gwet_ac(RAW_4RATERS, FIVE, ordinal_weights(5))
    assert (round(ac2.value, 3), round(ac2.pa, 3), round(ac2.pe, 3), round(ac2.std_error, 3)) == (0.899, 0.968, 0.685, 0.107)
    assert (round(ac2.ci_low, 3), ac2.ci_high) == (0.664, 1.0)


def test_ac2_with_quadratic_weights_matches_gwets_published_examples():
    # Gwet's irrCAC weighting vignette: cac.raw4raters AC2 0.914 (pa 0.9753788, pe 0.7137044, se 0.10396,
    # CI 0.685 to 1); cont3x3abstractors AC2 0.9402369.
    ac2 = gwet_ac(RAW_4RATERS, FIVE, quadratic(5))
    assert ac2.value == pytest.approx(0.914, abs=5e-4)
    assert (ac2.pa, ac2.pe) == (pytest.approx(0.9753788, abs=5e-8), pytest.approx(0.7137044, abs=5e-8))
    assert (round(ac2.std_error, 5), round(ac2.ci_low, 3)) == (0.10396, 0.685)
    assert gwet_ac(ABSTRACTORS, [1, 2, 3], quadratic(3)).value == pytest.approx(0.9402369, abs=5e-8)


def test_ac1_and_alpha_on_gwets_two_rater_table():
    # Gwet's irrCAC overview vignette, cont3x3abstractors: AC1 0.8493305, Krippendorff's alpha 0.7972585.
    assert gwet_ac(ABSTRACTORS, [1, 2, 3]).value == pytest.approx(0.8493305, abs=5e-8)
    assert alpha(ABSTRACTORS, "nominal") == pytest.approx(0.7972585, abs=5e-8)


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_two_marker_figures_equal_the_general_ones(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 80))
    a = rng.integers(1, 5, n)
    b = np.clip(a + rng.integers(-2, 3, n), 1, 4)
    figures = pair_figures(plan_tables(a, b, np.zeros(n, dtype=int), 1)[0])
    ratings = np.array([a, b], dtype=float)
    assert figures["ac1"] == pytest.approx(gwet_ac(ratings, GRADE_DOMAIN).value, abs=1e-12)
    assert figures["ac2"] == pytest.approx(gwet_ac(ratings, GRADE_DOMAIN, ordinal_weights(4)).value, abs=1e-12)
    assert figures["alpha"] == pytest.approx(alpha(ratings, "ordinal", GRADE_DOMAIN), abs=1e-12)
    assert figures["exact"] == pytest.approx((a == b).mean()) and figures["mean_difference"] == pytest.approx((a - b).mean())


# --- a clustered design of our own -----------------------------------------------------------------------

def clustered(rng: np.random.Generator, plans: int, sections: int = 6) -> tuple[list, list, list]:
    """Half the plans are hard to read (markers agree on 40% of sections), half easy (90%): sections of one
    plan are alike, as they are when one pair of auditors marks a whole plan."""
    first, second, ids = [], [], []
    for p in range(plans):
        agree = 0.4 if rng.random() < 0.5 else 0.9
        for _ in range(sections):
            g = int(rng.integers(1, 5))
            other = g if rng.random() < agree else int(np.clip(g + rng.choice([-1, 1]), 1, 4))
            other = other if other != g or rng.random() < agree else (g % 4) + 1
            first.append(g)
            second.append(other)
            ids.append(p)
    return first, second, ids


def test_intervals_resample_plans_and_cover_the_truth_a_section_level_interval_misses():
    rng = np.random.default_rng(7)
    big = clustered(rng, 20000)
    truth = np.mean(np.array(big[0]) == np.array(big[1])) * 100
    covered = naive_covered = 0
    runs = 120
    for _ in range(runs):
        a = summarise(*clustered(rng, 40))
        covered += a.exact_ci_low <= truth <= a.exact_ci_high
        # What an interval treating the 240 sections as independent would say (Wilson, n = sections).
        p, n, z = a.exact_pct / 100, a.units, 1.96
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        naive_covered += (centre - half) * 100 <= truth <= (centre + half) * 100
    assert covered / runs >= 0.88 and naive_covered / runs < covered / runs - 0.08


def test_the_bootstrap_interval_is_wider_than_resampling_sections_would_give():
    first, second, ids = clustered(np.random.default_rng(3), 40)
    a = summarise(first, second, ids)
    each_alone = summarise(first, second, list(range(len(ids))))  # every section its own "plan"
    assert a.plans == 40 and each_alone.plans == 240
    assert (a.ac1_ci_high - a.ac1_ci_low) > 1.3 * (each_alone.ac1_ci_high - each_alone.ac1_ci_low)
    assert (a.exact_ci_high - a.exact_ci_low) > 1.3 * (each_alone.exact_ci_high - each_alone.exact_ci_low)
    assert a.alpha_ci_low < a.alpha_ordinal < a.alpha_ci_high and a.ac2_ci_low < a.ac2 < a.ac2_ci_high
    assert summarise(first, second, ids) == a  # seeded: the same data always gives the same intervals


def test_too_few_counts_plans_not_sections():
    four_plans = summarise([3, 2, 4, 1] * 10, [3, 2, 3, 1] * 10, [i % 4 for i in range(40)])
    assert (four_plans.units, four_plans.plans) == (40, 4)
    assert four_plans.ac1 is None and four_plans.alpha_ordinal is None and four_plans.ac2 is None
    assert "too few for a coefficient" in four_plans.note and "4 double-marked plans" in four_plans.note
    assert four_plans.exact_ci_low is not None  # raw agreement always has its interval
    five = summarise([3, 2, 4, 1, 2] * 2, [3, 2, 3, 1, 2] * 2, [i % MIN_PLANS for i in range(10)])
    assert five.ac1 is not None and f"fewer than {FEW_PLANS} plans" in five.note


def test_perfect_agreement_has_no_degenerate_interval():
    grades = [1, 2, 3, 4, 3, 2] * 5
    perfect = summarise(grades, grades, [i // 3 for i in range(30)])
    assert perfect.exact_pct == 100.0 and perfect.exact_ci_high == 100.0 and perfect.exact_ci_low < 80
    assert perfect.ac1 == 1.0 and perfect.ac1_ci_low is None and perfect.ac1_ci_high is None
    assert "no interval" in perfect.note and perfect.lead.endswith("they agreed on every one.")


def test_the_headline_is_the_randomly_chosen_plans_with_the_rule_chosen_beside_it():
    rng = np.random.default_rng(5)
    rows = []
    for p in range(30):  # random plans: everyday grades, one-grade slips
        g = int(rng.integers(2, 4))
        rows += [{"sampled_plan_id": p, "section": "B", "agency": "education", "first_auditor": "A",
                  "second_auditor": "B", "first_grade": g, "second_grade": g if p % 3 else g + 1,
                  "chosen_by": "random"}]
    for p in range(30, 50):  # rule-chosen: every Inadequate or Outstanding piece, at the ends of the scale
        g = 1 if p % 2 else 4
        rows += [{"sampled_plan_id": p, "section": "B", "agency": "education", "first_auditor": "A",
                  "second_auditor": "B", "first_grade": g, "second_grade": g, "chosen_by": "rule"}]
    cycle = agreement_tables(pd.DataFrame(rows))["cycle"].set_index("group")
    assert list(cycle.index) == ["Randomly chosen plans (the headline)",
                                 "Plans chosen by rule (extremes, one per auditor)", "All double-marked plans"]
    random_row, all_row = cycle.iloc[0], cycle.iloc[2]
    assert (random_row["plans"], cycle.iloc[1]["plans"], all_row["plans"]) == (30, 20, 50)
    assert all_row["alpha_ordinal"] > random_row["alpha_ordinal"] + 0.1  # extremes inflate alpha


# --- words ----------------------------------------------------------------------------------------------

def test_the_lead_line_says_what_happened_in_words():
    assert reading.lead_line(40, 70.0, 55.2, 82.1, 0) == (
        "Markers gave the same grade in 70% of 40 sections (95% interval 55% to 82%); every disagreement was by "
        "one grade.")
    assert reading.lead_line(10, 60.0, 30.0, 85.0, 1).endswith("; 1 disagreement was by two grades or more.")
    assert reading.lead_line(10, 60.0, 30.0, 85.0, 3).endswith("; 3 disagreements were by two grades or more.")
    assert reading.lead_line(0, None, None, None, 0) == "No section was graded by both markers."


@pytest.mark.parametrize(("value", "low", "words"), [
    (0.85, 0.81, "reliable (Krippendorff: 0.800 or more)"),
    (0.85, 0.70, "reliable (Krippendorff: 0.800 or more); the interval reaches down to 0.70"),
    (0.70, 0.68, "tentative conclusions only (Krippendorff: 0.667 to 0.800)"),
    (0.60, 0.30, "too low to rely on (Krippendorff: under 0.667)"),
    (None, None, ""),
])
def test_krippendorffs_bands(value, low, words):
    assert reading.krippendorff_band(value, low) == words


@pytest.mark.parametrize(("low", "words"), [
    (0.82, "at least almost perfect"), (0.61, "at least substantial"), (0.45, "at least moderate"),
    (0.2, "at least fair"), (0.05, "at least slight"), (-0.1, "possibly no better than chance"),
    (None, "no benchmark without an interval"),
])
def test_gwets_benchmark_is_read_from_the_lower_end(low, words):
    assert reading.benchmark(low).startswith(words)


def test_the_sign_of_a_mean_difference_in_words():
    assert reading.difference_words(0.4, 0.2, 0.6, "AUD-ED-01", "the other marker") == (
        "AUD-ED-01 graded 0.40 grades higher than the other marker on average (a clear difference: the interval "
        "does not include 0).")
    assert reading.difference_words(-0.1, -0.3, 0.1).startswith("First markers graded 0.10 grades lower than second "
                                                               "markers on average (not a clear difference")
    assert reading.difference_words(0.0, -0.1, 0.1) == "First markers and second markers graded the same on average."
