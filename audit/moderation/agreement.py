"""Inter-rater agreement: raw agreement beside Krippendorff's alpha (ordinal) and Gwet's AC1 with its CI.

Ratings come as a reliability matrix: one row per rater (or marker role), one column per unit (a plan's
section), NaN where a rater gave no grade. Missing is missing, never a category: alpha gets the grade
domain explicitly, and AC1 counts only the grades given.

Alpha comes from the maintained `krippendorff` package. AC1 is a small function here because irrCAC (the
reference implementation) pins pandas<3 and downgrades numpy; it follows Gwet (2008) and irrCAC's `gwet()`
for raw ratings and is tested against irrCAC's output on Krippendorff's reliability data (docs/moderation.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import krippendorff
import numpy as np
import pandas as pd

from audit.vocabulary import Grade

GRADE_DOMAIN = [int(g) for g in sorted(Grade)]
MIN_UNITS = 10  # fewer double-marked units than this and a coefficient means little

HIGH_RAW_LOW_ALPHA = (
    "Raw agreement is high but alpha is low: nearly all grades were the same, so alpha (which measures "
    "agreement beyond what that skewed spread would give by chance) has almost nothing to work with. "
    "Read the raw agreement; it is the better guide here."
)


@dataclass(frozen=True)
class AC1:
    value: float
    std_error: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Agreement:
    """Agreement figures for one group of double-marked units; coefficients are None when undefined."""

    plans: int  # distinct double-marked plans
    units: int  # units (plan x section) graded by both markers
    exact_pct: float | None
    within_one_pct: float | None
    alpha_ordinal: float | None
    ac1: float | None
    ac1_ci_low: float | None
    ac1_ci_high: float | None
    mean_difference: float | None  # mean of (row 0 - row 1): for an auditor, their grade minus the other marker's
    note: str

    def to_dict(self) -> dict:
        return asdict(self)


def alpha(reliability: np.ndarray, level: str = "ordinal", value_domain: Sequence[int] | None = None) -> float | None:
    """Krippendorff's alpha via the `krippendorff` package; None when it is undefined (one value only)."""
    data = np.asarray(reliability, dtype=float)
    domain = list(value_domain) if value_domain is not None else sorted(set(data[~np.isnan(data)].tolist()))
    if len(set(data[~np.isnan(data)].tolist())) < 2 or len(domain) < 2:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=domain)
    return None if value is None or math.isnan(value) else float(value)


def gwet_ac1(reliability: np.ndarray, categories: Sequence[int], confidence: float = 0.95) -> AC1 | None:
    """Gwet's AC1 (unweighted) for any number of raters with missing ratings, with its t-based CI.

    As in Gwet (2008) and irrCAC's `gwet()`: units with no rating are dropped; percent agreement uses units
    with two or more ratings; chance agreement uses every rated unit; the variance is the linearised
    per-unit variance with no finite-population correction; the CI uses Student's t with n-1 df, capped at 1.
    """
    data = np.asarray(reliability, dtype=float)
    cats = list(categories)
    q = len(cats)
    counts = np.stack([(data == c).sum(axis=0) for c in cats], axis=1).astype(float)  # units x categories
    counts = counts[counts.sum(axis=1) > 0]
    n = counts.shape[0]
    r_i = counts.sum(axis=1)
    multi = r_i >= 2
    n2 = int(multi.sum())
    if n2 == 0 or q < 2 or n < 2:
        return None
    pair_den = r_i * (r_i - 1)
    pa_i = np.where(multi, (counts * (counts - 1)).sum(axis=1) / np.where(multi, pair_den, 1), 0.0)
    pa = pa_i[multi].sum() / n2
    pi_k = (counts / r_i[:, None]).sum(axis=0) / n
    pe = (pi_k * (1 - pi_k)).sum() / (q - 1)
    if pe >= 1:
        return None
    ac1 = (pa - pe) / (1 - pe)
    ac1_i = (n / n2) * (pa_i - pe * multi) / (1 - pe)
    pe_i = (counts @ (1 - pi_k)) / r_i / (q - 1)
    ac1_i_star = ac1_i - 2 * (1 - ac1) * (pe_i - pe) / (1 - pe)
    variance = ((ac1_i_star - ac1) ** 2).sum() / (n * (n - 1))
    se = math.sqrt(variance)
    # Student's t quantile, as scipy.stats.t.ppf gives it; scipy.stats takes about a second to import, which every
    # command and web worker that imported this module paid for (issue 16).
    from scipy.special import stdtrit

    t = stdtrit(n - 1, 1 - (1 - confidence) / 2)
    return AC1(float(ac1), se, float(max(ac1 - t * se, -1.0)), float(min(ac1 + t * se, 1.0)))


def summarise(first: Sequence[float | None], second: Sequence[float | None], plan_ids: Sequence[int]) -> Agreement:
    """Agreement between two markers over paired units (grades 1-4 or None) belonging to plans `plan_ids`."""
    a = np.array([np.nan if g is None else float(g) for g in first])
    b = np.array([np.nan if g is None else float(g) for g in second])
    both = ~np.isnan(a) & ~np.isnan(b)
    units = int(both.sum())
    plans = len({p for p, ok in zip(plan_ids, both) if ok})
    if units == 0:
        return Agreement(plans, 0, None, None, None, None, None, None, None,
                         "No plan was graded by both markers: no agreement figures.")
    diff = a[both] - b[both]
    exact = round(100 * float((diff == 0).mean()), 1)
    within = round(100 * float((np.abs(diff) <= 1).mean()), 1)
    matrix = np.vstack([a, b])
    al = alpha(matrix, "ordinal", GRADE_DOMAIN)
    ac = gwet_ac1(matrix[:, both], GRADE_DOMAIN)
    note = explain(units, len(set(a[both].tolist()) | set(b[both].tolist())), exact, al)
    return Agreement(
        plans, units, exact, within,
        None if al is None else round(al, 3),
        None if ac is None else round(ac.value, 3),
        None if ac is None else round(ac.ci_low, 3),
        None if ac is None else round(ac.ci_high, 3),
        round(float(diff.mean()), 2), note,
    )


def explain(units: int, distinct_grades: int, exact_pct: float, alpha_value: float | None) -> str:
    """Words to read the figures by: sample too small, alpha undefined, or the high-agreement/low-alpha paradox."""
    notes = []
    if units < MIN_UNITS:
        notes.append(f"Only {units} double-marked section(s): too few for the coefficients to mean much.")
    if distinct_grades < 2:
        notes.append("Every grade was the same, so alpha cannot be calculated; only raw agreement is meaningful.")
    elif alpha_value is not None and exact_pct >= 80 and alpha_value < 0.667:
        notes.append(HIGH_RAW_LOW_ALPHA)
    return " ".join(notes)


TABLE_COLUMNS = ["group", *Agreement.__dataclass_fields__]


def agreement_tables(units: pd.DataFrame, section_labels: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Agreement per cycle, agency, section and auditor from `moderation.agreement_units` rows.

    Per auditor, the auditor's grade is compared with the other marker's on every unit they marked, first or
    second, so `mean_difference` is how far above (+) or below (-) their colleagues they grade.
    """
    def row(group: str, mine: pd.Series, other: pd.Series, plans: pd.Series) -> dict:
        return {"group": group, **summarise(_grades(mine), _grades(other), list(plans)).to_dict()}

    tables = {"cycle": [row("All double-marked sections", units["first_grade"], units["second_grade"],
                            units["sampled_plan_id"])]}
    tables["agency"] = [row(agency, g["first_grade"], g["second_grade"], g["sampled_plan_id"])
                        for agency, g in units.groupby("agency", sort=True)]
    tables["section"] = [row((section_labels or {}).get(code, code), g["first_grade"], g["second_grade"],
                             g["sampled_plan_id"]) for code, g in units.groupby("section", sort=True)]
    auditors = sorted(set(units["first_auditor"]) | set(units["second_auditor"]))
    tables["auditor"] = []
    for code in auditors:
        as_first = units[units["first_auditor"] == code]
        as_second = units[units["second_auditor"] == code]
        tables["auditor"].append(row(
            code, pd.concat([as_first["first_grade"], as_second["second_grade"]]),
            pd.concat([as_first["second_grade"], as_second["first_grade"]]),
            pd.concat([as_first["sampled_plan_id"], as_second["sampled_plan_id"]])))
    return {k: pd.DataFrame(v, columns=TABLE_COLUMNS) for k, v in tables.items()}


def _grades(series: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in series]
