"""What every statutory clock shares: its statement, the population rules, calendar months over day numbers,
and the split into "including", "excluding" and "exception cases" where the register records exceptions.

Day numbers are days since 1970-01-01 as floats, NaN for a missing date, so every comparison with a missing
date is False and a clock that cannot be shown to be met is not met (docs/timeliness.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit.timeliness.days import RegisterDays, Window


@dataclass(frozen=True)
class ClockSpec:
    key: str
    label: str
    definition: str
    target_days: int | None


Flags = tuple[ClockSpec, np.ndarray, np.ndarray]  # spec, in population, in population and met


def stopped_or_overdue(
    started: np.ndarray, stopped: np.ndarray, window: Window, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """Clocks that stopped in the window, plus clocks still running at as_of that ran out in it (not met).

    A stop dated after as_of had not happened on that day, so that clock is still running. A running
    clock is counted on the day it first became late (day limit + 1), not on its deadline, so nothing
    is counted late while it can still be met and no clock slips between two consecutive periods.
    """
    return stopped_or_overdue_by(started, stopped, started + limit, window)


def stopped_or_overdue_by(
    started: np.ndarray, stopped: np.ndarray, deadline: np.ndarray, window: Window
) -> tuple[np.ndarray, np.ndarray]:
    """As `stopped_or_overdue`, with each clock's own last day (`deadline`) instead of a fixed number of days."""
    stopped_in_window = window.contains(stopped)
    running = ~(stopped <= window.last)  # NaN (never stopped) compares False, so it is running
    overdue_in_window = running & ~np.isnan(started) & window.contains(deadline + 1)
    population = stopped_in_window | overdue_in_window
    # A stop before its start is a recording error: the clock cannot be shown to have been met.
    return population, stopped_in_window & (stopped >= started) & (stopped <= deadline)


def within_days(start: np.ndarray, stop: np.ndarray, limit: int) -> np.ndarray:
    """Both dates recorded and stop 0..limit days after start; a clock that runs backwards is not met."""
    days = stop - start
    return (days >= 0) & (days <= limit)


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Each day plus (or minus) calendar months, as relativedelta does: 31 January + 1 month = 28/29 February."""
    result = np.full(days.shape, np.nan)
    known = ~np.isnan(days)
    if known.any():
        day = days[known].astype(np.int64).astype("datetime64[D]")
        month = day.astype("datetime64[M]")
        offset = (day - month.astype("datetime64[D]")).astype(np.int64)  # 0 for the 1st
        target = month + months
        length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
        result[known] = target.astype("datetime64[D]").astype(np.int64) + np.minimum(offset, length - 1)
    return result


def period_last_day(days: np.ndarray, months: int) -> np.ndarray:
    """The last day of the period of `months` calendar months *beginning with* each day.

    It ends the day before the same date `months` later (10 March 2024 + 12 months: 9 March 2025); when that
    month has no such date it ends on the month's last day (31 January + 3 months: 30 April).
    """
    later = add_months(days, months)
    same_date = _day_of_month(later) == _day_of_month(days)
    return np.where(same_date, later - 1, later)


def _day_of_month(days: np.ndarray) -> np.ndarray:
    result = np.full(days.shape, -1, dtype=np.int64)
    known = ~np.isnan(days)
    if known.any():
        day = days[known].astype(np.int64).astype("datetime64[D]")
        result[known] = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    return result


def unrecorded(register: RegisterDays, column: str) -> str:
    if column in register.recorded:
        return ""
    return f" The register records no {column} for any plan, so this measure has no data."


def only_if_recorded(
    register: RegisterDays, population: np.ndarray, met: np.ndarray, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """An unrecorded column would make every clock look late; report no data instead (per area, when the groups
    are separate registers)."""
    kept = register.recorded_rows[column]
    return population & kept, met & kept


def with_exceptions(
    spec: ClockSpec, population: np.ndarray, met: np.ndarray, exception: np.ndarray, recorded: bool, why: str
) -> list[Flags]:
    """The figure including exception cases, the figure excluding them and the exception cases on their own
    (met: still within the time limit), as for the 20 weeks.

    Always all three, so every area, group and period lists the same figures. `why` names the regulation's
    exceptions; when the register records none for this clock, the definitions say so rather than let "excluding
    exceptions" suggest there were none.
    """
    note = "" if recorded else (" The register records no exception for this clock for any plan, so the figure "
                                "excluding exception cases equals the one including them.")
    including = ClockSpec(spec.key, f"{spec.label} (including exception cases)",
                          spec.definition + f" Includes exception cases ({why})." + note, spec.target_days)
    excluding = ClockSpec(f"{spec.key}_excluding_exceptions", f"{spec.label} (excluding exception cases)",
                          spec.definition + f" Leaves out plans with a recorded exception ({why})." + note,
                          spec.target_days)
    cases = ClockSpec(f"{spec.key}_exception_cases", f"{spec.label}: exception cases (of which in time)",
                      spec.definition + f" Only plans with a recorded exception ({why}), counted here rather "
                      "than dropped; met counts those still in time." + note, spec.target_days)
    return [(including, population, met), (excluding, population & ~exception, met & ~exception),
            (cases, population & exception, met & exception)]
