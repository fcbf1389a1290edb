"""Results cycle on cycle: % Good or better with Wilson intervals per service, per section and overall.

Routine (whole-plan) cycles form the trend; a change of rubric version between two routine cycles is a
break, marked on the first point after it (themed trends likewise, per theme). Themed cycles (one advice
type) are listed per theme beside the routine trend and never mixed into it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from audit.results import analysis
from audit.results.reported import reported_cycles
from audit.store.models import Cycle, RubricVersion
from audit.vocabulary import Grade

Z_95 = 1.959963984540054
TREND_COLUMNS = ["cycle_id", "cycle", "date", "rubric", "rubric_version", "rubric_hash", "kind", "theme",
                 "rubric_break", "series", "group", "plans", "good_or_better", "pct", "ci_low", "ci_high"]


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion, as fractions (8 of 10 -> 0.490 to 0.943); None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Trends:
    routine: pd.DataFrame  # TREND_COLUMNS, routine cycles in date order
    themed: pd.DataFrame  # TREND_COLUMNS, themed cycles by theme then date

    def series(self, series: str, group: str, themed: bool = False) -> pd.DataFrame:
        frame = self.themed if themed else self.routine
        return frame[(frame["series"] == series) & (frame["group"] == group)].reset_index(drop=True)


def cycle_trends(
    session: Session, area_id: int, upto: Cycle | None = None, loaded: dict[int, analysis.CycleResults] | None = None
) -> Trends:
    """Overall, per-service and per-section % Good or better for every reported cycle, with breaks marked."""
    rows: list[dict] = []
    previous: dict[str | None, str] = {}  # last rubric hash per trend: routine (None) or a theme
    for cycle in reported_cycles(session, area_id, upto):
        version = session.get(RubricVersion, cycle.rubric_version_id)
        results = (loaded or {}).get(cycle.id) or analysis.load_cycle_results(session, cycle, criteria=False)
        routine = version.kind != "themed"
        trend = None if routine else version.theme
        is_break = trend in previous and version.content_hash != previous[trend]
        previous[trend] = version.content_hash
        head = {
            "cycle_id": cycle.id, "cycle": cycle.name, "date": cycle.due_date.isoformat(), "rubric": version.key,
            "rubric_version": version.version_label, "rubric_hash": version.content_hash[:12],
            "kind": "routine" if routine else "themed", "theme": version.theme, "rubric_break": is_break,
        }
        for series, table in (("Overall", analysis.overall(results)), ("Service", analysis.by_service(results)),
                              ("Section", analysis.by_section(results))):
            for r in table.itertuples(index=False):
                rows.append(head | _point(series, r._asdict()))
    frame = pd.DataFrame(rows, columns=TREND_COLUMNS)
    routine = frame[frame["kind"] == "routine"].reset_index(drop=True)
    themed = frame[frame["kind"] == "themed"].sort_values(["theme", "date", "cycle_id"], kind="stable")
    return Trends(routine, themed.reset_index(drop=True))


def _point(series: str, row: dict) -> dict:
    n = int(row["plans"])
    good = int(row[Grade.OUTSTANDING.label] + row[Grade.GOOD.label])
    interval = wilson_interval(good, n)
    return {
        "series": series, "group": row["group"], "plans": n, "good_or_better": good,
        "pct": None if not n else 100 * good / n,
        "ci_low": None if interval is None else 100 * interval[0],
        "ci_high": None if interval is None else 100 * interval[1],
    }


trend_point = _point  # one cycle's point of a series, read on its own by the home page (reports/home.py)
