"""Inter-rater agreement between first and second markers, with intervals that respect how plans were marked.

Units are double-marked sections (plan x section, one agency's part). Sections of one plan were marked by the
same pair of auditors, so they are not independent: every interval resamples plans, never sections.

- Raw agreement (same grade; within one grade) has a Wilson interval on the effective sample size of a cluster
  sample (Kish's design effect from the spread of agreement between plans; when every section agreed, or none
  did, each plan counts once), so a perfect score still has an honest lower end.
- Gwet's AC1, AC2 (ordinal weights), Krippendorff's ordinal alpha and the mean difference have cluster-bootstrap
  percentile intervals: scipy's bootstrap over the plans, 2,000 resamples, seeded, so the same data always gives
  the same interval.
- Coefficients need at least MIN_PLANS double-marked plans; below FEW_PLANS the intervals are rough and say so.
  An interval whose every resample agrees (1.0 to 1.0) is not shown: the raw agreement's interval speaks instead.

The headline is the randomly chosen plans: second marking by rule (every Inadequate or Outstanding piece, one
piece per auditor) over-represents the extremes and inflates alpha, so rule-chosen plans are reported beside it,
labelled, never instead. docs/moderation.md gives every rule and the reference values the code is tested on.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from audit.moderation import reading
from audit.moderation.coefficients import (  # noqa: F401  (re-exported: callers import them from here)
    AC1,
    GRADE_DOMAIN,
    Coefficient,
    alpha,
    gwet_ac,
    gwet_ac1,
    ordinal_weights,
    pair_figures,
    plan_tables,
)
from audit.rubrics.model import PART_SEPARATOR
from audit.vocabulary import label

MIN_PLANS = 5  # fewer double-marked plans than this: raw agreement only, no coefficient
MIN_UNITS = MIN_PLANS  # the name earlier code used; the minimum counts plans, not sections
FEW_PLANS = 20  # fewer than this: the cluster bootstrap's intervals are rough
REPLICATES = 2000
SEED = 22  # the bootstrap's seed: the same double-marked plans always give the same intervals
CONFIDENCE = 0.95

HIGH_RAW_LOW_ALPHA = (
    "Raw agreement is high but alpha is low: nearly all grades were the same, so alpha (which measures "
    "agreement beyond what that skewed spread would give by chance) has almost nothing to work with. "
    "Read the raw agreement; it is the better guide here."
)
DESIGNS = {"random": "Randomly chosen plans (the headline)",
           "rule": "Plans chosen by rule (extremes, one per auditor)",
           "all": "All double-marked plans"}


@dataclass(frozen=True)
class Agreement:
    """Agreement figures for one group of double-marked units; figures are None when undefined or too few plans."""

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
    exact_ci_low: float | None = None
    exact_ci_high: float | None = None
    within_one_ci_low: float | None = None
    within_one_ci_high: float | None = None
    two_or_more: int = 0  # sections graded two grades or more apart
    alpha_ci_low: float | None = None
    alpha_ci_high: float | None = None
    ac2: float | None = None  # Gwet's AC2 with ordinal weights
    ac2_ci_low: float | None = None
    ac2_ci_high: float | None = None
    mean_difference_ci_low: float | None = None
    mean_difference_ci_high: float | None = None
    lead: str = ""  # the lead line in words
    alpha_band: str = ""
    ac1_band: str = ""
    ac2_band: str = ""
    difference: str = ""  # what the mean difference's sign means, in words

    def to_dict(self) -> dict:
        return asdict(self)


def summarise(first: Sequence[float | None], second: Sequence[float | None], plan_ids: Sequence[int],
              sides: tuple[str, str] = ("First markers", "second markers")) -> Agreement:
    """Agreement between two markers over paired units (grades 1-4 or None) belonging to plans `plan_ids`.

    `sides` names the two markers for the mean difference in words (first minus second).
    """
    a = np.array([np.nan if g is None else float(g) for g in first])
    b = np.array([np.nan if g is None else float(g) for g in second])
    both = ~np.isnan(a) & ~np.isnan(b)
    units = int(both.sum())
    codes, distinct = pd.factorize(pd.Series(list(plan_ids), dtype=object)[both])
    plans = len(distinct)
    if units == 0:
        return Agreement(plans, 0, None, None, None, None, None, None, None,
                         "No plan was graded by both markers: no agreement figures.",
                         lead=reading.lead_line(0, None, None, None, 0))
    tables = plan_tables(a[both], b[both], np.asarray(codes), plans)
    point = {k: float(v) for k, v in pair_figures(tables.sum(axis=0)).items()}
    exact = _wilson_cluster(np.trace(tables, axis1=1, axis2=2), tables.sum(axis=(1, 2)))
    grades = np.arange(1, len(GRADE_DOMAIN) + 1)
    near = np.abs(grades[:, None] - grades[None, :]) <= 1
    within = _wilson_cluster((tables * near).sum(axis=(1, 2)), tables.sum(axis=(1, 2)))
    two_or_more = int((np.abs(a[both] - b[both]) >= 2).sum())
    distinct_grades = len(set(a[both].tolist()) | set(b[both].tolist()))
    intervals, degenerate = _bootstrap(tables) if plans >= MIN_PLANS else ({}, False)
    coefficient = (lambda name: _round(point[name], 3)) if plans >= MIN_PLANS else (lambda name: None)
    low = {k: v[0] for k, v in intervals.items()}
    high = {k: v[1] for k, v in intervals.items()}
    exact_pct = round(100 * point["exact"], 1)
    al = coefficient("alpha")
    result = Agreement(
        plans, units, exact_pct, round(100 * point["within_one"], 1), al, coefficient("ac1"), low.get("ac1"),
        high.get("ac1"), round(point["mean_difference"], 2),
        explain(units, distinct_grades, exact_pct, al, plans, degenerate),
        exact_ci_low=exact[0], exact_ci_high=exact[1], within_one_ci_low=within[0], within_one_ci_high=within[1],
        two_or_more=two_or_more, alpha_ci_low=low.get("alpha"), alpha_ci_high=high.get("alpha"),
        ac2=coefficient("ac2"), ac2_ci_low=low.get("ac2"), ac2_ci_high=high.get("ac2"),
        mean_difference_ci_low=low.get("mean_difference"), mean_difference_ci_high=high.get("mean_difference"),
        lead=reading.lead_line(units, exact_pct, exact[0], exact[1], two_or_more),
        alpha_band=reading.krippendorff_band(al, low.get("alpha")),
        ac1_band=reading.benchmark(low.get("ac1")) if plans >= MIN_PLANS else "",
        ac2_band=reading.benchmark(low.get("ac2")) if plans >= MIN_PLANS else "",
    )
    words = reading.difference_words(result.mean_difference, result.mean_difference_ci_low,
                                     result.mean_difference_ci_high, *sides)
    return _with(result, difference=words)


def _with(agreement: Agreement, **changes) -> Agreement:
    return Agreement(**{**agreement.to_dict(), **changes})


BOOTSTRAPPED = ("ac1", "ac2", "alpha", "mean_difference")


def _bootstrap(tables: np.ndarray) -> tuple[dict[str, tuple[float, float]], bool]:
    """Percentile intervals from resampled plans; an interval every resample agrees on is left out.

    scipy's bootstrap resamples the plans' indices (so each resample keeps whole plans) and hands the figures a
    batch of resamples at once; the percentiles are taken here so resamples where a figure is undefined (alpha
    with one grade only) can be set aside rather than make the whole interval undefined.
    """
    def figures(plans: np.ndarray, axis: int = -1) -> np.ndarray:
        summed = tables[np.asarray(plans, dtype=int)].sum(axis=-3)
        computed = pair_figures(summed)
        return np.stack([computed[name] for name in BOOTSTRAPPED])

    from scipy import stats  # about a second to import: only when intervals are drawn (issue 16)

    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)  # handled below, in words
        result = stats.bootstrap((np.arange(tables.shape[0]),), figures, vectorized=True, method="percentile",
                                 n_resamples=REPLICATES, confidence_level=CONFIDENCE,
                                 random_state=np.random.default_rng(SEED))
    distribution = dict(zip(BOOTSTRAPPED, result.bootstrap_distribution))
    out: dict[str, tuple[float, float]] = {}
    degenerate = False
    tail = 100 * (1 - CONFIDENCE) / 2
    for name in BOOTSTRAPPED:
        values = distribution[name][~np.isnan(distribution[name])]
        if len(values) < 0.95 * REPLICATES:  # undefined in many resamples (one grade only): no interval
            continue
        lo, hi = np.percentile(values, [tail, 100 - tail])
        if hi - lo < 1e-9 and name != "mean_difference":  # a difference every resample shows is still clear
            degenerate = True
            continue
        digits = 2 if name == "mean_difference" else 3
        out[name] = (_round(lo, digits), _round(hi, digits))
    return out, degenerate


def _wilson_cluster(agreed: np.ndarray, units: np.ndarray) -> tuple[float, float]:
    """A Wilson interval (percent) for a share measured on clusters (plans), on Kish's effective sample size."""
    n, plans = float(units.sum()), len(units)
    p = float(agreed.sum()) / n
    if plans > 1 and 0 < p < 1:
        between = plans / (plans - 1) * ((agreed - p * units) ** 2).sum() / n**2
        effective = p * (1 - p) / between if between > 0 else n
    else:  # no spread to estimate the design effect from: each plan counts once
        effective = plans
    effective = min(max(effective, min(plans, n)), n)
    from scipy.special import ndtri  # the normal quantile, as scipy.stats.norm.ppf gives it, without scipy.stats

    z = ndtri(1 - (1 - CONFIDENCE) / 2)
    centre = (p + z * z / (2 * effective)) / (1 + z * z / effective)
    half = z * math.sqrt(p * (1 - p) / effective + z * z / (4 * effective**2)) / (1 + z * z / effective)
    return round(100 * max(centre - half, 0.0), 1), round(100 * min(centre + half, 1.0), 1)


def _round(value: float, digits: int) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def explain(units: int, distinct_grades: int, exact_pct: float, alpha_value: float | None, plans: int | None = None,
            degenerate: bool = False) -> str:
    """Words to read the figures by: too few plans, rough intervals, alpha undefined, the high-agreement paradox."""
    plans = units if plans is None else plans
    notes = []
    if plans < MIN_PLANS:
        notes.append(f"Only {plans} double-marked plan{'' if plans == 1 else 's'}: too few for a coefficient "
                     f"(at least {MIN_PLANS}); read the raw agreement and its interval.")
    elif plans < FEW_PLANS:
        notes.append(f"{plans} double-marked plans: the intervals are rough (resampling fewer than {FEW_PLANS} plans "
                     "understates the uncertainty).")
    if degenerate:
        notes.append("Every resampled set of plans gave the same coefficient, so it has no interval; read the raw "
                     "agreement's interval.")
    if distinct_grades < 2:
        notes.append("Every grade was the same, so alpha cannot be calculated; only raw agreement is meaningful.")
    elif alpha_value is not None and exact_pct >= 80 and alpha_value < 0.667:
        notes.append(HIGH_RAW_LOW_ALPHA)
    return " ".join(notes)


TABLE_COLUMNS = ["group", *Agreement.__dataclass_fields__]


def agreement_tables(units: pd.DataFrame, section_labels: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Agreement by how plans were chosen, then per agency, section and auditor, from `agreement_units` rows.

    "cycle": the randomly chosen plans (the headline), the rule-chosen ones, and all together. The breakdowns use
    every double-marked plan. Per auditor, the auditor's grade is compared with the other marker's on every unit
    they marked, first or second, so `mean_difference` is how far above (+) or below (-) their colleagues they grade.
    """
    def row(group: str, mine: pd.Series, other: pd.Series, plans: pd.Series,
            sides: tuple[str, str] = ("First markers", "second markers")) -> dict:
        return {"group": group, **summarise(_grades(mine), _grades(other), list(plans), sides).to_dict()}

    chosen = units["chosen_by"] if "chosen_by" in units.columns else pd.Series(["rule"] * len(units), dtype=object)
    tables = {"cycle": [row(DESIGNS[design], part["first_grade"], part["second_grade"], part["sampled_plan_id"])
                        for design, part in (("random", units[chosen == "random"]), ("rule", units[chosen == "rule"]),
                                             ("all", units))]}
    tables["agency"] = [row(agency, g["first_grade"], g["second_grade"], g["sampled_plan_id"])
                        for agency, g in units.groupby("agency", sort=True)]
    tables["section"] = [row(_section_label(code, section_labels or {}), g["first_grade"], g["second_grade"],
                             g["sampled_plan_id"]) for code, g in units.groupby("section", sort=True)]
    auditors = sorted(set(units["first_auditor"]) | set(units["second_auditor"]))
    tables["auditor"] = []
    for code in auditors:
        as_first = units[units["first_auditor"] == code]
        as_second = units[units["second_auditor"] == code]
        tables["auditor"].append(row(
            code, pd.concat([as_first["first_grade"], as_second["second_grade"]]),
            pd.concat([as_first["second_grade"], as_second["first_grade"]]),
            pd.concat([as_first["sampled_plan_id"], as_second["sampled_plan_id"]]), (code, "the other marker")))
    return {k: pd.DataFrame(v, columns=TABLE_COLUMNS) for k, v in tables.items()}


def _section_label(code: str, labels: dict[str, str]) -> str:
    """A section's label, or a shared section's part in words: "A: Views and aspirations (SEN team's part)"."""
    if code in labels:
        return labels[code]
    section, _, agency = str(code).partition(PART_SEPARATOR)
    return f"{labels.get(section, section)} ({label(agency, 'agency')}'s part)" if agency else labels.get(section, section)


def _grades(series: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in series]
