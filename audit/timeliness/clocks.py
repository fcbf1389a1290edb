"""The statutory clocks: for each measure, which plans are in its population and which of them met it.

Every rule is vectorised over the register's day numbers (audit.timeliness.days); docs/timeliness.md
gives each definition and where it departs from a literal reading of the regulations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from audit.timeliness.days import (
    RegisterDays,
    Window,
    day_number,
    day_text,
)
from audit.timeliness.workdays import working_day_deadlines
from audit.vocabulary import AdviceType, Phase

TWENTY_WEEKS_DAYS = 140
SIX_WEEKS_DAYS = 42
FOUR_WEEKS_DAYS = 28
REVIEW_MONTHS = 12
TRANSFER_WORKING_DAYS = 15
# reg 18(1): by 31 March for secondary school to a post-16 institution, by 15 February otherwise.
PHASE_TRANSFER_DEADLINES = {Phase.post_16.value: (3, 31)}
PHASE_TRANSFER_DEFAULT_DEADLINE = (2, 15)

_ADVICE_LABELS = {
    AdviceType.education: "Education",
    AdviceType.health: "Health",
    AdviceType.social_care: "Social care",
    AdviceType.educational_psychology: "Educational psychology",
}


@dataclass(frozen=True)
class ClockSpec:
    key: str
    label: str
    definition: str
    target_days: int | None


Flags = tuple[ClockSpec, np.ndarray, np.ndarray]  # spec, in population, in population and met


def all_flags(register: RegisterDays, window: Window) -> Iterator[Flags]:
    yield from _final_plan_flags(register, window)
    for advice in AdviceType:
        yield _advice_flags(register, window, advice)
    yield _annual_review_flags(register, window)
    yield _review_decision_flags(register, window)
    yield _decision_to_assess_flags(register, window)
    yield _phase_transfer_flags(register, window)
    yield _transfer_in_flags(register, window)


def _final_plan_flags(register: RegisterDays, window: Window) -> Iterator[Flags]:
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
        ClockSpec(
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
        ClockSpec(
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
        ClockSpec(
            "final_plan_20_weeks_exception_cases",
            "Exception cases issued (of which within 20 weeks)",
            f"Plans with a recorded timescale exception whose final plan was issued {period}, counted "
            "here rather than dropped; met counts those still issued within 140 days of the request.",
            TWENTY_WEEKS_DAYS,
        ),
        issued & exception,
        issued & exception & met,
    )


def _advice_flags(register: RegisterDays, window: Window, advice: AdviceType) -> Flags:
    requested = register.days[f"{advice.value}_advice_requested"]
    received = register.days[f"{advice.value}_advice_received"]
    population, met = _stopped_or_overdue(requested, received, window, SIX_WEEKS_DAYS)
    label = _ADVICE_LABELS[advice]
    spec = ClockSpec(
        f"advice_6_weeks_{advice.value}",
        f"{label} advice received within 6 weeks",
        f"{label} advice requests received {window.text()}, plus requests not received by "
        f"{day_text(window.end)} that became overdue (day 43) in that period. Met when the advice was "
        "received 0 to 42 days (6 weeks) after the request.",
        SIX_WEEKS_DAYS,
    )
    return spec, population, met


def _annual_review_flags(register: RegisterDays, window: Window) -> Flags:
    as_of = window.last
    # x + 12 months < as_of exactly when x < year_start, so two scalar comparisons do the calendar work.
    year_start = day_number(year_before(window.end))
    population = register.active & (register.days["final_issued_date"] < year_start)
    review = register.days["last_review_meeting_date"]
    # A meeting dated after as_of had not happened on that day, so it cannot make the review in date.
    in_date = (review >= year_start) & (review <= as_of)
    spec = ClockSpec(
        "annual_review_12_months",
        "Annual review held within the last 12 months",
        f"Active plans on {day_text(window.end)} whose final plan was issued more than 12 calendar months "
        f"earlier (so the first review was already due). Met when the last review meeting was held on "
        f"or before {day_text(window.end)} and at most 12 calendar months before it, i.e. the review is in date.",
        None,
    )
    return spec, population, population & in_date


def year_before(as_of: date) -> date:
    """The earliest day whose 12-month anniversary (29 Feb + 12 months = 28 Feb) is on or after as_of."""
    year = relativedelta(months=REVIEW_MONTHS)
    day = as_of - year
    # Only as_of = 29 Feb misses: 28 Feb a year earlier comes back as 28 Feb, so start a day later.
    return day if day + year >= as_of else day + timedelta(days=1)


def _review_decision_flags(register: RegisterDays, window: Window) -> Flags:
    meeting = register.days["last_review_meeting_date"]
    decision = register.days["review_decision_date"]
    population, met = _stopped_or_overdue(meeting, decision, window, FOUR_WEEKS_DAYS)
    spec = ClockSpec(
        "review_decision_4_weeks",
        "Review decision made within 4 weeks of the meeting",
        f"Annual review decisions made {window.text()}, plus review meetings with no decision by "
        f"{day_text(window.end)} that became overdue (day 29) in that period. Met when the decision was made "
        "0 to 28 days (4 weeks) after the meeting.",
        FOUR_WEEKS_DAYS,
    )
    return spec, population, met


def _decision_to_assess_flags(register: RegisterDays, window: Window) -> Flags:
    request = register.days["request_date"]
    decision = register.days["decision_to_assess_date"]
    population, met = _stopped_or_overdue(request, decision, window, SIX_WEEKS_DAYS)
    spec = ClockSpec(
        "decision_to_assess_6_weeks",
        "Decision whether to assess within 6 weeks of the request",
        f"Decisions whether to assess made {window.text()}, plus requests with no decision by "
        f"{day_text(window.end)} that became overdue (day 43) in that period. Met when the decision was made "
        "0 to 42 days (6 weeks) after the request."
        + _unrecorded(register, "decision_to_assess_date"),
        SIX_WEEKS_DAYS,
    )
    return spec, *_only_if_recorded(register, population, met, "decision_to_assess_date")


def _phase_transfer_flags(register: RegisterDays, window: Window) -> Flags:
    transfer = register.days["phase_transfer_date"]
    amended = register.days["phase_transfer_amended_date"]
    deadline = _phase_transfer_deadlines(transfer, register.transfer_to)
    population = window.contains(deadline)
    # An amendment dated after as_of had not happened; the deadline is on or before as_of, so <= covers it.
    met = population & (amended <= deadline)
    spec = ClockSpec(
        "phase_transfer_amended_by_deadline",
        "Phase transfer: plan amended by 15 February (31 March into post-16)",
        f"Plans moving phase whose amendment deadline fell {window.text()}: 15 February of the calendar "
        "year of the transfer, or 31 March for a move into post-16. Met when "
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


def _transfer_in_flags(register: RegisterDays, window: Window) -> Flags:
    notified = register.days["transfer_in_notified_date"]
    received = register.days["transfer_in_received_date"]
    deadline = working_day_deadlines(notified, TRANSFER_WORKING_DAYS)
    stopped_in_window = window.contains(received)
    running = ~(received <= window.last)
    population = stopped_in_window | (running & window.contains(deadline + 1))
    met = stopped_in_window & (received >= notified) & (received <= deadline)
    spec = ClockSpec(
        "transfer_in_15_working_days",
        "Plans transferred in from another area within 15 working days",
        f"Plans transferred in whose plan was received {window.text()}, plus transfers not received by "
        f"{day_text(window.end)} whose deadline passed in that period. Met when the plan was received within the "
        "15 working days beginning with the day the old area became aware of the move, the register's transfer notified date; "
        "working days are Monday to Friday except England and Wales bank holidays."
        + _unrecorded(register, "transfer_in_notified_date"),
        None,
    )
    return spec, population, met


def _unrecorded(register: RegisterDays, column: str) -> str:
    if column in register.recorded:
        return ""
    return f" The register records no {column} for any plan, so this measure has no data."


def _only_if_recorded(
    register: RegisterDays, population: np.ndarray, met: np.ndarray, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """An unrecorded column would make every clock look late; report no data instead."""
    if column in register.recorded:
        return population, met
    empty = np.zeros(population.shape, dtype=bool)
    return empty, empty


def _stopped_or_overdue(
    started: np.ndarray, stopped: np.ndarray, window: Window, limit: int
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
