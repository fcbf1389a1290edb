"""Timeliness of the register against the statutory clock, as of a date, each figure with its definition.

Every measure is a count of clocks: a population (which plans or requests are counted) and a rule for
"met". The 20-week measure follows the DfE's published figure; the others are our design choices and
say so in docs/timeliness.md. All rules are vectorised over the register frame (audit.register.frames).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from audit.vocabulary import AdviceType, Phase, PlanStatus
from audit.register.frames import PLAN_DATE_COLUMNS
from audit.timeliness.workdays import working_day_deadlines

TWENTY_WEEKS_DAYS = 140
SIX_WEEKS_DAYS = 42
FOUR_WEEKS_DAYS = 28
REVIEW_MONTHS = 12
TRANSFER_WORKING_DAYS = 15
NOT_RECORDED = "(not recorded)"
# Optional register columns (docs/formats.md): a register without them still imports, and a measure whose
# dates are recorded for no plan at all says "no data" rather than counting every plan as late.
OPTIONAL_DATE_COLUMNS: list[str] = [
    "decision_to_assess_date",
    "phase_transfer_date",
    "phase_transfer_amended_date",
    "transfer_in_notified_date",
    "transfer_in_received_date",
]
# reg 18(1): by 31 March for secondary school to a post-16 institution, by 15 February otherwise.
PHASE_TRANSFER_DEADLINES = {Phase.post_16.value: (3, 31)}
PHASE_TRANSFER_DEFAULT_DEADLINE = (2, 15)
_REQUIRED_DATES = [c for c in PLAN_DATE_COLUMNS if c not in OPTIONAL_DATE_COLUMNS]

_ADVICE_LABELS = {
    AdviceType.education: "Education",
    AdviceType.health: "Health",
    AdviceType.social_care: "Social care",
    AdviceType.educational_psychology: "Educational psychology",
}


@dataclass(frozen=True)
class Measure:
    """One timeliness figure: how many of a stated population met a stated clock."""

    key: str
    label: str
    definition: str
    met: int
    total: int
    target_days: int | None
    group: str | None = None

    @property
    def percent(self) -> float | None:
        """Share met, 0-100; None when nobody is in the population (shown as "no data", never 0%)."""
        return None if self.total == 0 else 100.0 * self.met / self.total

    @property
    def not_met(self) -> int:
        return self.total - self.met

    @property
    def shown(self) -> str:
        """The figure as a report prints it: "46.4%" or "no data"."""
        return "no data" if self.percent is None else f"{self.percent:.1f}%"

    def to_dict(self) -> dict[str, Any]:
        percent = self.percent
        return {
            **asdict(self),
            "not_met": self.not_met,
            "percent": None if percent is None else round(percent, 1),
            "shown": self.shown,
        }


@dataclass(frozen=True)
class TimelinessReport:
    as_of: date
    period_start: date
    period_end: date
    measures: list[Measure]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ISO dates, percent rounded to 1 dp and null when there is no data."""
        return {
            "as_of": self.as_of.isoformat(),
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "measures": [m.to_dict() for m in self.measures],
        }

    def get(self, key: str, group: str | None = None) -> Measure:
        """The measure with this key for this group (None = overall). Raises KeyError."""
        for measure in self.measures:
            if measure.key == key and measure.group == group:
                return measure
        raise KeyError(f"no measure '{key}' for group {group!r}")


@dataclass(frozen=True)
class _Window:
    """The reporting period as day numbers (days since 1970-01-01); the period always ends on as_of."""

    start: date
    end: date

    @property
    def first(self) -> int:
        return _day_number(self.start)

    @property
    def last(self) -> int:
        return _day_number(self.end)

    def contains(self, days: np.ndarray) -> np.ndarray:
        return (days >= self.first) & (days <= self.last)

    def text(self) -> str:
        return f"{_day(self.start)} to {_day(self.end)} inclusive"


def within_20_weeks(request_date: Any, final_issued_date: Any) -> bool | None:
    """True when the final plan was issued 0-140 days after the request; None when not issued."""
    if pd.isna(final_issued_date):
        return None
    if pd.isna(request_date):
        return False  # the clock cannot be shown to have been met
    days = (pd.Timestamp(final_issued_date) - pd.Timestamp(request_date)).days
    return 0 <= days <= TWENTY_WEEKS_DAYS


def default_period_start(as_of: date) -> date:
    """The first day of the 12 months ending on as_of (29 Feb 2024 -> 1 Mar 2023)."""
    return as_of - relativedelta(years=1) + timedelta(days=1)


def compute_timeliness(
    plans: pd.DataFrame, as_of: date, period_start: date | None = None, by: str | None = None
) -> TimelinessReport:
    """Every timeliness measure over the register as of a date, overall and, with `by`, per group."""
    as_of = _as_date(as_of)
    start = default_period_start(as_of) if period_start is None else _as_date(period_start)
    if start > as_of:
        raise ValueError(f"period_start {start} is after as_of {as_of}; the period must end on as_of")
    register = _Register.from_frame(plans, by)
    window = _Window(start, as_of)
    flags = list(_all_flags(register, window))
    measures = [_measure(spec, int(pop.sum()), int(met.sum())) for spec, pop, met in flags]
    if by is not None:
        measures = _with_groups(measures, flags, register.groups)
    return TimelinessReport(as_of=as_of, period_start=start, period_end=as_of, measures=measures)


# --- the register as day numbers ------------------------------------------------------------------


@dataclass(frozen=True)
class _Register:
    """The columns the measures read, as numpy arrays: dates as day numbers (NaN when missing)."""

    days: dict[str, np.ndarray]
    active: np.ndarray
    exception: np.ndarray
    groups: pd.Series | None
    transfer_to: np.ndarray  # phase_transfer_to as text ("" when not recorded)
    recorded: frozenset[str]  # optional date columns with at least one date on the register

    @classmethod
    def from_frame(cls, plans: pd.DataFrame, by: str | None) -> "_Register":
        needed = _REQUIRED_DATES + ["status", "timescale_exception"] + ([by] if by else [])
        missing = [c for c in needed if c not in plans.columns]
        if missing:
            raise ValueError(
                f"the plans frame has no column(s) {', '.join(missing)}; build it with audit.register.frames.plans_frame"
            )
        days = {c: _day_numbers(pd.to_datetime(plans[c])) for c in _REQUIRED_DATES}
        for column in OPTIONAL_DATE_COLUMNS:
            days[column] = (_day_numbers(pd.to_datetime(plans[column])) if column in plans.columns
                            else np.full(len(plans), np.nan))
        to = plans["phase_transfer_to"] if "phase_transfer_to" in plans.columns else pd.Series([""] * len(plans))
        return cls(
            days=days,
            active=plans["status"].eq(PlanStatus.active.value).to_numpy(dtype=bool),
            exception=_flag(plans["timescale_exception"]),
            groups=plans[by].astype("string").fillna(NOT_RECORDED) if by else None,
            transfer_to=_each_distinct(to.astype("string").fillna(""), lambda text: text.str.strip().str.lower()),
            recorded=frozenset(c for c in OPTIONAL_DATE_COLUMNS if not np.isnan(days[c]).all()),
        )


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


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


# --- measures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    key: str
    label: str
    definition: str
    target_days: int | None


_Flags = tuple[_Spec, np.ndarray, np.ndarray]  # spec, in population, in population and met


def _all_flags(register: _Register, window: _Window) -> Iterator[_Flags]:
    yield from _final_plan_flags(register, window)
    for advice in AdviceType:
        yield _advice_flags(register, window, advice)
    yield _annual_review_flags(register, window)
    yield _review_decision_flags(register, window)
    yield _decision_to_assess_flags(register, window)
    yield _phase_transfer_flags(register, window)
    yield _transfer_in_flags(register, window)


def _final_plan_flags(register: _Register, window: _Window) -> Iterator[_Flags]:
    issued_on = register.days["final_issued_date"]
    issued = window.contains(issued_on)
    met = _within_days(register.days["request_date"], issued_on, TWENTY_WEEKS_DAYS)
    exception = register.exception
    clock = (
        "Met when the final plan was issued 0 to 140 days (20 weeks) after the request for assessment; "
        "a plan with no request date counts as not met."
    )
    period = window.text()
    yield (
        _Spec(
            "final_plan_20_weeks_including_exceptions",
            "Final plan issued within 20 weeks (including exception cases)",
            f"Every plan whose final plan was issued {period}, including exception cases (the DfE headline). "
            + clock,
            TWENTY_WEEKS_DAYS,
        ),
        issued,
        issued & met,
    )
    yield (
        _Spec(
            "final_plan_20_weeks_excluding_exceptions",
            "Final plan issued within 20 weeks (excluding exception cases)",
            f"Plans whose final plan was issued {period}, leaving out plans with a recorded timescale "
            "exception. " + clock,
            TWENTY_WEEKS_DAYS,
        ),
        issued & ~exception,
        issued & ~exception & met,
    )
    yield (
        _Spec(
            "final_plan_20_weeks_exception_cases",
            "Exception cases issued (of which within 20 weeks)",
            f"Plans with a recorded timescale exception whose final plan was issued {period}, counted "
            "here rather than dropped; met counts those still issued within 140 days of the request.",
            TWENTY_WEEKS_DAYS,
        ),
        issued & exception,
        issued & exception & met,
    )


def _advice_flags(register: _Register, window: _Window, advice: AdviceType) -> _Flags:
    requested = register.days[f"{advice.value}_advice_requested"]
    received = register.days[f"{advice.value}_advice_received"]
    population, met = _stopped_or_overdue(requested, received, window, SIX_WEEKS_DAYS)
    label = _ADVICE_LABELS[advice]
    spec = _Spec(
        f"advice_6_weeks_{advice.value}",
        f"{label} advice received within 6 weeks",
        f"{label} advice requests received {window.text()}, plus requests not received by "
        f"{_day(window.end)} that became overdue (day 43) in that period. Met when the advice was "
        "received 0 to 42 days (6 weeks) after the request.",
        SIX_WEEKS_DAYS,
    )
    return spec, population, met


def _annual_review_flags(register: _Register, window: _Window) -> _Flags:
    as_of = window.last
    # x + 12 months < as_of exactly when x < year_start, so two scalar comparisons do the calendar work.
    year_start = _day_number(_year_before(window.end))
    population = register.active & (register.days["final_issued_date"] < year_start)
    review = register.days["last_review_meeting_date"]
    # A meeting dated after as_of had not happened on that day, so it cannot make the review in date.
    in_date = (review >= year_start) & (review <= as_of)
    spec = _Spec(
        "annual_review_12_months",
        "Annual review held within the last 12 months",
        f"Active plans on {_day(window.end)} whose final plan was issued more than 12 calendar months "
        f"earlier (so the first review was already due). Met when the last review meeting was held on "
        f"or before {_day(window.end)} and at most 12 calendar months before it, i.e. the review is in date.",
        None,
    )
    return spec, population, population & in_date


def _year_before(as_of: date) -> date:
    """The earliest day whose 12-month anniversary (29 Feb + 12 months = 28 Feb) is on or after as_of."""
    year = relativedelta(months=REVIEW_MONTHS)
    day = as_of - year
    # Only as_of = 29 Feb misses: 28 Feb a year earlier comes back as 28 Feb, so start a day later.
    return day if day + year >= as_of else day + timedelta(days=1)


def _review_decision_flags(register: _Register, window: _Window) -> _Flags:
    meeting = register.days["last_review_meeting_date"]
    decision = register.days["review_decision_date"]
    population, met = _stopped_or_overdue(meeting, decision, window, FOUR_WEEKS_DAYS)
    spec = _Spec(
        "review_decision_4_weeks",
        "Review decision made within 4 weeks of the meeting",
        f"Annual review decisions made {window.text()}, plus review meetings with no decision by "
        f"{_day(window.end)} that became overdue (day 29) in that period. Met when the decision was made "
        "0 to 28 days (4 weeks) after the meeting.",
        FOUR_WEEKS_DAYS,
    )
    return spec, population, met


def _decision_to_assess_flags(register: _Register, window: _Window) -> _Flags:
    request = register.days["request_date"]
    decision = register.days["decision_to_assess_date"]
    population, met = _stopped_or_overdue(request, decision, window, SIX_WEEKS_DAYS)
    spec = _Spec(
        "decision_to_assess_6_weeks",
        "Decision whether to assess within 6 weeks of the request",
        f"Decisions whether to assess made {window.text()}, plus requests with no decision by "
        f"{_day(window.end)} that became overdue (day 43) in that period. Met when the decision was made "
        "0 to 42 days (6 weeks) after the request."
        + _unrecorded(register, "decision_to_assess_date"),
        SIX_WEEKS_DAYS,
    )
    return spec, *_only_if_recorded(register, population, met, "decision_to_assess_date")


def _phase_transfer_flags(register: _Register, window: _Window) -> _Flags:
    transfer = register.days["phase_transfer_date"]
    amended = register.days["phase_transfer_amended_date"]
    deadline = _phase_transfer_deadlines(transfer, register.transfer_to)
    population = window.contains(deadline)
    # An amendment dated after as_of had not happened; the deadline is on or before as_of, so <= covers it.
    met = population & (amended <= deadline)
    spec = _Spec(
        "phase_transfer_amended_by_deadline",
        "Phase transfer: plan amended by 15 February (31 March into post-16)",
        f"Plans moving phase whose amendment deadline fell {window.text()}: 15 February of the calendar "
        "year of the transfer, or 31 March for a move into post-16 (phase_transfer_to = post_16). Met when "
        "the amended plan was issued on or before the deadline; no amendment date counts as not met."
        + _unrecorded(register, "phase_transfer_date"),
        None,
    )
    return spec, population, met


def _phase_transfer_deadlines(transfer: np.ndarray, to: np.ndarray) -> np.ndarray:
    """15 February (31 March into post-16) of each transfer's calendar year, as day numbers (NaN if none)."""
    result = np.full(transfer.shape, np.nan)
    known = ~np.isnan(transfer)
    if known.any():
        years = transfer[known].astype(np.int64).astype("datetime64[D]").astype("datetime64[Y]")
        months_days = [PHASE_TRANSFER_DEADLINES.get(t, PHASE_TRANSFER_DEFAULT_DEADLINE) for t in to[known]]
        offsets = np.array([_DAYS_BEFORE_MONTH[m] + d - 1 for m, d in months_days], dtype=np.int64)
        # 15 Feb and 31 Mar: 31 March is day 89 of a common year, day 90 of a leap year.
        leap = _is_leap(years.astype(np.int64) + 1970) & np.array([m > 2 for m, _ in months_days])
        result[known] = years.astype("datetime64[D]").astype(np.int64) + offsets + leap
    return result


_DAYS_BEFORE_MONTH = {1: 0, 2: 31, 3: 59}


def _is_leap(years: np.ndarray) -> np.ndarray:
    return (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))


def _transfer_in_flags(register: _Register, window: _Window) -> _Flags:
    notified = register.days["transfer_in_notified_date"]
    received = register.days["transfer_in_received_date"]
    deadline = working_day_deadlines(notified, TRANSFER_WORKING_DAYS)
    stopped_in_window = window.contains(received)
    running = ~(received <= window.last)
    population = stopped_in_window | (running & window.contains(deadline + 1))
    met = stopped_in_window & (received >= notified) & (received <= deadline)
    spec = _Spec(
        "transfer_in_15_working_days",
        "Plans transferred in from another area within 15 working days",
        f"Plans transferred in whose plan was received {window.text()}, plus transfers not received by "
        f"{_day(window.end)} whose deadline passed in that period. Met when the plan was received within the "
        "15 working days beginning with the day the old area became aware of the move (transfer_in_notified_date); "
        "working days are Monday to Friday except England and Wales bank holidays."
        + _unrecorded(register, "transfer_in_notified_date"),
        None,
    )
    return spec, population, met


def _unrecorded(register: _Register, column: str) -> str:
    if column in register.recorded:
        return ""
    return f" The register records no {column} for any plan, so this measure has no data."


def _only_if_recorded(
    register: _Register, population: np.ndarray, met: np.ndarray, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """An unrecorded column would make every clock look late; report no data instead."""
    if column in register.recorded:
        return population, met
    empty = np.zeros(population.shape, dtype=bool)
    return empty, empty


def _stopped_or_overdue(
    started: np.ndarray, stopped: np.ndarray, window: _Window, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """Clocks that stopped in the window, plus clocks still running at as_of that ran out in it (not met).

    A stop dated after as_of had not happened on that day, so that clock is still running. A running
    clock is counted on the day it first became late (day limit + 1), not on its deadline, so nothing
    is counted late while it can still be met and no clock slips between two consecutive periods.
    """
    stopped_in_window = window.contains(stopped)
    running = ~(stopped <= window.last)  # NaN (never stopped) compares False, so it is running
    overdue_in_window = running & window.contains(started + (limit + 1))
    population = stopped_in_window | overdue_in_window
    return population, stopped_in_window & _within_days(started, stopped, limit)


def _within_days(start: np.ndarray, stop: np.ndarray, limit: int) -> np.ndarray:
    """Both dates recorded and stop 0..limit days after start; a clock that runs backwards is not met."""
    days = stop - start
    return (days >= 0) & (days <= limit)


# --- assembling ----------------------------------------------------------------------------------


def _measure(spec: _Spec, total: int, met: int, group: str | None = None) -> Measure:
    return Measure(spec.key, spec.label, spec.definition, met, total, spec.target_days, group)


def _with_groups(overall: list[Measure], flags: list[_Flags], groups: pd.Series) -> list[Measure]:
    """Each overall measure followed by one per group (sorted), every group present even with no data."""
    codes, names = pd.factorize(groups, sort=True)
    measures: list[Measure] = []
    for (spec, population, met), measure in zip(flags, overall):
        # Counting the flagged rows' groups is several times quicker than weighting every row by its flag.
        totals = np.bincount(codes[population], minlength=len(names))
        mets = np.bincount(codes[met], minlength=len(names))
        measures.append(measure)
        measures.extend(_measure(spec, int(t), int(m), str(g)) for g, t, m in zip(names, totals, mets))
    return measures


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
