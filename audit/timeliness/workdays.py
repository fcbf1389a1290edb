"""Working days in England and Wales: weekdays that are not bank holidays, for the 15-working-day clock.

Bank holidays come from the `holidays` package (`country_holidays("GB", subdiv="ENG")`), which is
maintained, works offline and carries the one-off days (the 2022 state funeral, the 2023 coronation) and
substitute days. England and Wales share one list. The choice is explained in docs/board-pack.md.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
import numpy as np

FIRST_YEAR = 2000
LAST_YEAR = 2040


@lru_cache
def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> tuple[date, ...]:
    """England and Wales bank holidays (weekday or not) from first_year to last_year, sorted."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(days))


@lru_cache
def calendar() -> np.busdaycalendar:
    """Monday to Friday, less England and Wales bank holidays, for numpy's busday functions."""
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(bank_holidays(), dtype="datetime64[D]"))


def is_working_day(day: date) -> bool:
    return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=calendar()))


def nth_working_day(start: date, n: int) -> date:
    """The n-th working day of the period *beginning with* `start` (start counts as day 1 if it is a working day)."""
    if n < 1:
        raise ValueError("n counts from 1")
    day = np.busday_offset(np.datetime64(start, "D"), n - 1, roll="forward", busdaycal=calendar())
    return day.astype(date)


def working_day_deadlines(starts: np.ndarray, n: int) -> np.ndarray:
    """Vectorised nth_working_day over day numbers (days since 1970-01-01, NaN when missing)."""
    result = np.full(starts.shape, np.nan)
    known = ~np.isnan(starts)
    if known.any():
        days = starts[known].astype(np.int64).astype("datetime64[D]")
        result[known] = np.busday_offset(days, n - 1, roll="forward", busdaycal=calendar()).astype(np.int64)
    return result
