"""Agreement coefficients: Gwet's AC1 and AC2 (weighted) for any number of raters, Krippendorff's alpha, and the
same figures for two markers computed at once for many resampled sets of plans (the cluster bootstrap).

Ratings come as a reliability matrix (one row per rater, one column per unit, NaN where a rater gave no grade).
Missing is missing, never a category. AC1/AC2 follow Gwet (2008; Handbook of Inter-Rater Reliability, 4th ed.,
2014) as irrCAC's `gwet()` computes them for raw ratings, with its linearised variance; alpha comes from the
maintained `krippendorff` package. irrCAC itself is not used (docs/moderation.md: it pins pandas<3).

For two markers and complete pairs, every figure is a function of the 4x4 table of (first grade, second grade)
counts, so a resample of plans is the sum of the drawn plans' tables: thousands of resamples cost milliseconds.
`pair_figures` is tested equal to `gwet_ac` and `alpha` on the same data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np

from audit.vocabulary import Grade

GRADE_DOMAIN = [int(g) for g in sorted(Grade)]


def identity_weights(q: int) -> np.ndarray:
    return np.eye(q)


def ordinal_weights(q: int) -> np.ndarray:
    """Gwet's ordinal weights: 1 - C(|k-l|+1, 2) / max; for four grades 1, 5/6, 1/2, 0 by distance."""
    k = np.arange(q)
    distance = np.abs(k[:, None] - k[None, :])
    m = (distance + 1) * distance / 2
    return 1 - m / m.max() if q > 1 else np.ones((1, 1))


@dataclass(frozen=True)
class Coefficient:
    """A coefficient with irrCAC's linearised standard error and t interval (units independent)."""

    value: float
    std_error: float
    ci_low: float
    ci_high: float
    pa: float
    pe: float


AC1 = Coefficient  # the name earlier code used


def gwet_ac(reliability: np.ndarray, categories: Sequence[int], weights: np.ndarray | None = None,
            confidence: float = 0.95) -> Coefficient | None:
    """Gwet's AC1 (no weights) or AC2 (`weights`, q x q) for raters x units with missing ratings.

    As irrCAC's `gwet()`: units with no rating are dropped; percent agreement uses units with two or more
    ratings; chance agreement uses every rated unit; the variance is the linearised per-unit variance with no
    finite-population correction; the interval uses Student's t with n-1 df, capped at 1 (and -1).
    """
    data = np.asarray(reliability, dtype=float)
    cats = list(categories)
    q = len(cats)
    w = identity_weights(q) if weights is None else np.asarray(weights, dtype=float)
    counts = np.stack([(data == c).sum(axis=0) for c in cats], axis=1).astype(float)  # units x categories
    counts = counts[counts.sum(axis=1) > 0]
    n = counts.shape[0]
    r_i = counts.sum(axis=1)
    multi = r_i >= 2
    n2 = int(multi.sum())
    if n2 == 0 or q < 2 or n < 2:
        return None
    weighted = counts @ w.T  # r*_ik = sum_l w_kl r_il
    pair_den = np.where(multi, r_i * (r_i - 1), 1.0)
    pa_i = np.where(multi, (counts * (weighted - 1)).sum(axis=1) / pair_den, 0.0)
    pa = pa_i[multi].sum() / n2
    pi_k = (counts / r_i[:, None]).sum(axis=0) / n
    t_w = w.sum() / (q * (q - 1))
    pe = t_w * (pi_k * (1 - pi_k)).sum()
    if pe >= 1:
        return None
    value = (pa - pe) / (1 - pe)
    ac_i = (n / n2) * (pa_i - pe * multi) / (1 - pe)
    pe_i = t_w * (counts @ (1 - pi_k)) / r_i
    ac_i_star = ac_i - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    se = math.sqrt(((ac_i_star - value) ** 2).sum() / (n * (n - 1)))
    # Student's t quantile, as scipy.stats.t.ppf gives it; scipy.stats takes about a second to import, which every
    # command and web worker that imported this module paid for (issue 16).
    from scipy.special import stdtrit

    t = stdtrit(n - 1, 1 - (1 - confidence) / 2)
    return Coefficient(float(value), se, float(max(value - t * se, -1.0)), float(min(value + t * se, 1.0)),
                       float(pa), float(pe))


def gwet_ac1(reliability: np.ndarray, categories: Sequence[int], confidence: float = 0.95) -> Coefficient | None:
    """Gwet's AC1 (unweighted): `gwet_ac` with no weights."""
    return gwet_ac(reliability, categories, None, confidence)


def alpha(reliability: np.ndarray, level: str = "ordinal", value_domain: Sequence[int] | None = None) -> float | None:
    """Krippendorff's alpha via the `krippendorff` package; None when it is undefined (one value only)."""
    data = np.asarray(reliability, dtype=float)
    domain = list(value_domain) if value_domain is not None else sorted(set(data[~np.isnan(data)].tolist()))
    if len(set(data[~np.isnan(data)].tolist())) < 2 or len(domain) < 2:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level, value_domain=domain)
    return None if value is None or math.isnan(value) else float(value)


# --- two markers, many resamples at once -------------------------------------------------------------------

def plan_tables(first: np.ndarray, second: np.ndarray, plan_codes: np.ndarray, plans: int,
                q: int = len(GRADE_DOMAIN)) -> np.ndarray:
    """(plans, q, q) counts of units by (first grade, second grade), grades 1..q, one table per plan."""
    tables = np.zeros((plans, q, q))
    np.add.at(tables, (plan_codes, first.astype(int) - 1, second.astype(int) - 1), 1)
    return tables


def pair_figures(tables: np.ndarray) -> dict[str, np.ndarray]:
    """Every figure of two markers from (..., q, q) tables of (first, second) grade counts.

    exact and within_one are shares (0-1); ac1 and ac2 (ordinal weights) as Gwet for two raters; alpha is
    Krippendorff's ordinal alpha over the whole grade domain; mean_difference is first minus second. NaN where a
    figure is undefined (no units; alpha with every grade the same).
    """
    c = np.asarray(tables, dtype=float)
    q = c.shape[-1]
    n = c.sum(axis=(-2, -1))
    grades = np.arange(1, q + 1)
    distance = np.abs(grades[:, None] - grades[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.trace(c, axis1=-2, axis2=-1) / n
        within = (c * (distance <= 1)).sum(axis=(-2, -1)) / n
        mean_difference = (c * (grades[:, None] - grades[None, :])).sum(axis=(-2, -1)) / n
        pi = (c.sum(axis=-1) + c.sum(axis=-2)) / (2 * n[..., None])
        spread = (pi * (1 - pi)).sum(axis=-1)
        figures = {"n": n, "exact": exact, "within_one": within, "mean_difference": mean_difference}
        for name, w in (("ac1", identity_weights(q)), ("ac2", ordinal_weights(q))):
            pa = (c * w).sum(axis=(-2, -1)) / n
            pe = w.sum() / (q * (q - 1)) * spread
            figures[name] = np.where(pe < 1, (pa - pe) / (1 - pe), np.nan)
        figures["alpha"] = _ordinal_alpha(c)
    return figures


def _ordinal_alpha(c: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal alpha for two coders with complete pairs, from (..., q, q) count tables."""
    o = c + np.swapaxes(c, -1, -2)  # coincidences: each unit gives both ordered pairs
    n_c = o.sum(axis=-1)
    total = n_c.sum(axis=-1)
    upto = np.cumsum(n_c, axis=-1)
    before = upto - n_c
    # Sum of n_g for g from min(c, k) to max(c, k), less half the two ends: the ordinal distance.
    span = upto[..., None, :] - before[..., :, None]
    span = np.where(np.triu(np.ones(o.shape[-2:], dtype=bool)), span, np.swapaxes(span, -1, -2))
    delta2 = (span - (n_c[..., :, None] + n_c[..., None, :]) / 2) ** 2
    observed = (o * delta2).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta2).sum(axis=(-2, -1)) / (total - 1)
    return np.where(expected > 0, 1 - observed / expected, np.nan)
