"""Agreement in words a QA lead reads: the lead line, the published bands, what a mean difference's sign means.

Bands (docs/moderation.md): Krippendorff (2004, 2019) relies on alpha of 0.800 or more and draws tentative
conclusions from 0.667; Gwet (2014, ch. 6) benchmarks a coefficient on the Landis and Koch (1977) scale using
the lower end of its interval rather than the estimate, so a coefficient from few plans is not called
"substantial" on the strength of its point value alone.
"""

from __future__ import annotations

RELIABLE = 0.800
TENTATIVE = 0.667
# Landis and Koch (1977): the lowest value of each band, best first.
LANDIS_KOCH = ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"), (0.0, "slight"))


def lead_line(units: int, exact_pct: float | None, low: float | None, high: float | None, two_or_more: int) -> str:
    """'Markers gave the same grade in 70% of 40 sections (95% interval 55% to 82%); every disagreement was by
    one grade.'"""
    if not units or exact_pct is None:
        return "No section was graded by both markers."
    interval = f" (95% interval {low:.0f}% to {high:.0f}%)" if low is not None and high is not None else ""
    sections = "section" if units == 1 else "sections"
    head = f"Markers gave the same grade in {exact_pct:.0f}% of {units} {sections}{interval}"
    if exact_pct >= 100:
        return head + "; they agreed on every one."
    if two_or_more == 0:
        return head + "; every disagreement was by one grade."
    apart = "was" if two_or_more == 1 else "were"
    return head + f"; {two_or_more} {'disagreement' if two_or_more == 1 else 'disagreements'} {apart} by two grades or more."


def krippendorff_band(value: float | None, low: float | None) -> str:
    """Krippendorff's reading of alpha, with a warning when the interval reaches below the band."""
    if value is None:
        return ""
    if value >= RELIABLE:
        band, floor = "reliable (Krippendorff: 0.800 or more)", RELIABLE
    elif value >= TENTATIVE:
        band, floor = "tentative conclusions only (Krippendorff: 0.667 to 0.800)", TENTATIVE
    else:
        return "too low to rely on (Krippendorff: under 0.667)"
    if low is not None and low < floor:
        band += f"; the interval reaches down to {low:.2f}"
    return band


def benchmark(low: float | None) -> str:
    """Gwet's benchmarking: the Landis and Koch band that the interval's lower end reaches."""
    if low is None:
        return "no benchmark without an interval"
    for floor, name in LANDIS_KOCH:
        if low >= floor:
            return f"at least {name} (Landis and Koch, read from the interval's lower end)"
    return "possibly no better than chance: the interval reaches below 0 (Landis and Koch: poor)"


def difference_words(value: float | None, low: float | None, high: float | None,
                     subject: str = "First markers", other: str = "second markers") -> str:
    """What the sign of a mean difference means: who graded higher, by how much, and whether it is clear."""
    if value is None:
        return ""
    if abs(value) < 0.005:
        return f"{subject} and {other} graded the same on average."
    direction = "higher" if value > 0 else "lower"
    clear = low is not None and high is not None and (low > 0 or high < 0)
    qualifier = ("a clear difference: the interval does not include 0" if clear
                 else "not a clear difference" if low is not None else "no interval")
    return (f"{subject} graded {abs(value):.2f} {'grade' if abs(value) == 1 else 'grades'} {direction} than "
            f"{other} on average ({qualifier}).")
