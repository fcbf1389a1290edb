"""The register as the clocks read it: dates as day numbers in numpy arrays, and the reporting window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np
import pandas as pd

from audit.register.frames import PLAN_DATE_COLUMNS, PLAN_FLAG_COLUMNS
from audit.vocabulary import PlanStatus

NOT_RECORDED = "(not recorded)"
# Optional register columns (docs/formats.md): a register without them still imports, and a measure whose
# dates are recorded for no plan at all says "no data" rather than counting every plan as late.
OPTIONAL_DATE_COLUMNS: list[str] = [
    "decision_to_assess_date",
    "phase_transfer_date",
    "phase_transfer_amended_date",
    "transfer_in_notified_date",
    "transfer_in_received_date",
    *PLAN_DATE_COLUMNS[PLAN_DATE_COLUMNS.index("area_started_date"):],  # issue 22
]
REQUIRED_DATES = [c for c in PLAN_DATE_COLUMNS if c not in OPTIONAL_DATE_COLUMNS]
OPTIONAL_FLAGS = [c for c in PLAN_FLAG_COLUMNS if c != "timescale_exception"]


@dataclass(frozen=True)
class Window:
    """The reporting period as day numbers (days since 1970-01-01); the period always ends on as_of."""

    start: date
    end: date

    @property
    def first(self) -> int:
        return day_number(self.start)

    @property
    def last(self) -> int:
        return day_number(self.end)

    def contains(self, days: np.ndarray) -> np.ndarray:
        return (days >= self.first) & (days <= self.last)

    def text(self) -> str:
        return f"{day_text(self.start)} to {day_text(self.end)} inclusive"


@dataclass(frozen=True)
class RegisterDays:
    """The columns the measures read, as numpy arrays: dates as day numbers (NaN when missing)."""

    days: dict[str, np.ndarray]
    active: np.ndarray
    exception: np.ndarray
    groups: pd.Series | None
    transfer_to: np.ndarray  # phase_transfer_to as text ("" when not recorded)
    recorded: frozenset[str]  # optional date columns with a date, and yes/no columns with a yes, on the register
    flags: dict[str, np.ndarray] = field(default_factory=dict)  # the optional yes/no columns (False when absent)
    outcome: np.ndarray | None = None  # decision_to_assess_outcome as text ("" when not recorded)
    # Per optional date column, for each row: does the row's register record that column at all? One register
    # gives all True or all False; `separate` groups (areas side by side) each answer for their own plans.
    recorded_rows: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, plans: pd.DataFrame, by: str | None, separate: bool = False) -> RegisterDays:
        needed = REQUIRED_DATES + ["status", "timescale_exception"] + ([by] if by else [])
        missing = [c for c in needed if c not in plans.columns]
        if missing:
            raise ValueError(
                f"the plans frame has no column(s) {', '.join(missing)}; build it with audit.register.frames.plans_frame"
            )
        days = {c: _day_numbers(pd.to_datetime(plans[c])) for c in REQUIRED_DATES}
        for column in OPTIONAL_DATE_COLUMNS:
            days[column] = (_day_numbers(pd.to_datetime(plans[column])) if column in plans.columns
                            else np.full(len(plans), np.nan))
        flags = {c: (_flag(plans[c]) if c in plans.columns else np.zeros(len(plans), dtype=bool))
                 for c in OPTIONAL_FLAGS}
        exception = _flag(plans["timescale_exception"])
        recorded = {c for c in OPTIONAL_DATE_COLUMNS if not np.isnan(days[c]).all()}
        groups = plans[by].astype("string").fillna(NOT_RECORDED) if by else None
        codes = pd.factorize(groups)[0] if separate and groups is not None else None
        recorded_rows = {c: _recorded_rows(~np.isnan(days[c]), codes) for c in OPTIONAL_DATE_COLUMNS}
        recorded |= {c for c, values in flags.items() if values.any()}
        if exception.any():
            recorded.add("timescale_exception")
        return cls(
            days=days,
            active=plans["status"].eq(PlanStatus.active.value).to_numpy(dtype=bool),
            exception=exception,
            groups=groups,
            transfer_to=_text(plans, "phase_transfer_to"),
            recorded=frozenset(recorded),
            flags=flags,
            outcome=_text(plans, "decision_to_assess_outcome"),
            recorded_rows=recorded_rows,
        )

    @cached_property
    def start(self) -> np.ndarray:
        """When each assessment's clock started: the request, or the day the area started it itself (no request)."""
        request = self.days["request_date"]
        return np.where(np.isnan(request), self.days["area_started_date"], request)


def _recorded_rows(has: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """Per row: does its register (the whole frame, or its group when groups are separate registers) have any?"""
    if codes is None:
        return np.full(has.shape, bool(has.any()))
    return (np.bincount(codes, weights=has, minlength=codes.max(initial=-1) + 1) > 0)[codes]


def _text(plans: pd.DataFrame, column: str) -> np.ndarray:
    """A coded text column, stripped and lower case ("" when not recorded or absent); each distinct value once."""
    if column not in plans.columns:
        return np.full(len(plans), "", dtype=object)
    codes, distinct = pd.factorize(plans[column].to_numpy(dtype=object), use_na_sentinel=True)
    cleaned = np.array([str(v).strip().lower() for v in distinct] + [""], dtype=object)
    return cleaned[codes]  # code -1 (missing) takes the last slot: ""


def _flag(values: pd.Series) -> np.ndarray:
    """A yes/no column as booleans: True/False from the store, "yes"/"no" from a register file; blank is no."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool, na_value=False)
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values):
        # A store read without its column types (SQLite keeps 0/1); as text only 1 and 1.0 read as yes.
        return values.eq(1).to_numpy(dtype=bool, na_value=False)
    yes = _each_distinct(values.astype("string"), lambda text: text.str.strip().str.lower().isin(_YES))
    return yes.astype(bool)


_YES = ["true", "yes", "y", "1", "1.0"]


def _each_distinct(text: pd.Series, clean: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """`clean` applied to each distinct value of a text column once, then spread back over its rows.

    pandas' string methods loop in Python per row; a register repeats a handful of values over every plan,
    so a national register (640,000 rows) is cleaned in milliseconds instead of a second.
    """
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    return pd.Series(clean(pd.Series(distinct, dtype=text.dtype))).to_numpy(dtype=object)[codes]


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as float, NaN for a missing date, so comparisons with it are False."""
    # Integer arithmetic on the raw ticks: numpy's own datetime64 unit casts are ten times slower.
    values = dates.to_numpy()
    unit, _ = np.datetime_data(values.dtype)
    ticks = values.view(np.int64)
    numbers = (ticks // _TICKS_PER_DAY[unit]).astype(np.float64)
    numbers[ticks == np.iinfo(np.int64).min] = np.nan  # NaT
    return numbers


_TICKS_PER_DAY = {
    "D": 1, "h": 24, "m": 1440, "s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000,
}


def day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
