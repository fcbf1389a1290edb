"""Board charts as PNG bytes (matplotlib, Agg, no pyplot state): grade bars, trend lines, timeliness bars.

Charts are drawn only from groups at or above the small-number threshold; a smaller group is named on
the chart as "fewer than N plans" with no bar, and segments under the threshold carry no label.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from audit.vocabulary import Grade

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# GOV.UK palette: distinguishable in greyscale order, and each segment is labelled as well as coloured.
GRADE_COLOURS = {
    Grade.OUTSTANDING.label: "#005a30",
    Grade.GOOD.label: "#85994b",
    Grade.REQUIRES_IMPROVEMENT.label: "#f47738",
    Grade.INADEQUATE.label: "#d4351c",
}
LINE_COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#912b88", "#f47738", "#505a5f", "#28a197", "#b58840"]
DPI = 150


@dataclass(frozen=True)
class Point:
    """One point of a trend line: x label, % (None = no data or suppressed), Wilson interval in %, break flag."""

    x: str
    pct: float | None
    low: float | None = None
    high: float | None = None
    rubric_break: bool = False


@cache
def load_matplotlib() -> type[Figure]:
    """matplotlib's Figure, loaded on first use (issue 16): the pack's charts are drawn in the worker processes
    (reports.pdf.prepare_worker loads it there), so the process that reads the store and submits them does not
    carry matplotlib (about 0.3 s and 30 MiB) for the `Point`s it builds."""
    import matplotlib

    matplotlib.use("Agg")  # before any figure is made; the workers and the tests have no display
    from matplotlib.figure import Figure

    return Figure


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _figure(width: float, height: float) -> Figure:
    fig = load_matplotlib()(figsize=(width, height))
    fig.set_facecolor("white")
    return fig


def grade_bars(rows: list[dict], grades: list[str], threshold: int, title: str) -> bytes:
    """Stacked 100% bars of grade shares, one per group (rows: group, plans and a count per grade)."""
    fig = _figure(7.5, 0.55 * len(rows) + 1.6)
    ax = fig.add_subplot()
    labels = [r["group"] for r in rows][::-1]
    ys = range(len(labels))
    lefts = [0.0] * len(rows)
    ordered = rows[::-1]
    for grade in grades:
        widths = []
        for r in ordered:
            n = r["plans"]
            widths.append(0.0 if not n or n < threshold else 100 * r[grade] / n)
        bars = ax.barh(ys, widths, left=lefts, color=GRADE_COLOURS[grade], label=grade, edgecolor="white")
        for bar, r, width in zip(bars, ordered, widths):
            if width and r[grade] >= threshold and width >= 7:
                ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2, f"{width:.0f}%",
                        ha="center", va="center", fontsize=8, color="white" if grade != Grade.GOOD.label else "black")
        lefts = [a + b for a, b in zip(lefts, widths)]
    for y, r in zip(ys, ordered):
        n = r["plans"]
        if not n:
            ax.text(1, y, "no data", va="center", fontsize=9, style="italic", color="#505a5f")
        elif n < threshold:
            ax.text(1, y, f"fewer than {threshold} plans: not shown", va="center", fontsize=9, style="italic",
                    color="#505a5f")
        else:
            ax.text(101, y, f"n={n}", va="center", fontsize=8, color="#0b0c0c")
    ax.set_yticks(list(ys), labels, fontsize=9)
    ax.set_xlim(0, 108)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(ncols=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def trend_lines(series: dict[str, list[Point]], title: str, ylabel: str = "% Good or better") -> bytes:
    """Lines of % per cycle (or month) with Wilson intervals as error bars; rubric breaks as dashed lines."""
    xs = list(dict.fromkeys(p.x for points in series.values() for p in points))
    fig = _figure(7.5, 3.6)
    ax = fig.add_subplot()
    position = {x: i for i, x in enumerate(xs)}
    dodge = 0.25 / max(len(series), 1)  # offset each line a little so intervals do not hide each other
    for i, (colour, (name, points)) in enumerate(zip(LINE_COLOURS * 4, series.items())):
        shown = [p for p in points if p.pct is not None]
        if not shown:
            continue
        x = [position[p.x] + (i - (len(series) - 1) / 2) * dodge for p in shown]
        y = [p.pct for p in shown]
        # The shown figure is rounded and the interval is not, so a figure can sit a hair outside its own
        # interval (e.g. 100.0 against an upper bound of 99.96); an error bar is never below zero.
        err = [[max(0.0, p.pct - (p.low if p.low is not None else p.pct)) for p in shown],
               [max(0.0, (p.high if p.high is not None else p.pct) - p.pct) for p in shown]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=colour, label=name, linewidth=1.8, markersize=4)
        if len(xs) == 1:  # one cycle: a dot with its value, not a line of one point (issue 19)
            ax.annotate(f"{y[0]:.1f}%", (x[0], y[0]), xytext=(8, 0), textcoords="offset points", fontsize=9,
                        va="center", color=colour)
    breaks = sorted({position[p.x] for points in series.values() for p in points if p.rubric_break})
    for b in breaks:
        ax.axvline(b - 0.5, color="#0b0c0c", linestyle="--", linewidth=1)
        ax.text(b - 0.45, 101, "rubric changed", fontsize=8, va="bottom")
    ax.set_xticks(range(len(xs)), xs, fontsize=8, rotation=20 if len(xs) > 4 else 0, ha="right" if len(xs) > 4 else "center")
    ax.set_ylim(0, 108)
    ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_title(title, fontsize=11, loc="left", pad=14)
    ax.grid(axis="y", color="#dddddd")
    ax.spines[["top", "right"]].set_visible(False)
    if series:
        long_names = max(len(name) for name in series) > 24
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2 if len(xs) <= 4 else -0.28),
                  ncols=1 if long_names else min(4, len(series)), frameon=False)
    return _png(fig)


def timeliness_bars(measures: list[dict], threshold: int, title: str, target: float = 100.0) -> bytes:
    """Horizontal bars of % met per measure (label, percent, total) against the statutory target line."""
    fig = _figure(7.5, 0.42 * len(measures) + 1.4)
    ax = fig.add_subplot()
    ordered = measures[::-1]
    ys = range(len(ordered))
    for y, m in zip(ys, ordered):
        total, pct = m["total"], m["percent"]
        if not total or pct is None:
            ax.text(1, y, "no data", va="center", fontsize=8, style="italic", color="#505a5f")
        elif total < threshold:
            ax.text(1, y, f"fewer than {threshold}: not shown", va="center", fontsize=8, style="italic", color="#505a5f")
        else:
            ax.barh(y, pct, color="#1d70b8")
            ax.text(pct + 1, y, f"{pct:.0f}% (n={total})", va="center", fontsize=8)
    ax.axvline(target, color="#d4351c", linestyle="--", linewidth=1.2)
    ax.text(target, len(ordered) - 0.4, "statutory target", color="#d4351c", fontsize=8, ha="right", va="bottom")
    ax.set_yticks(list(ys), [m["label"] for m in ordered], fontsize=8)
    ax.set_ylim(-0.7, len(ordered) - 0.3)
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
