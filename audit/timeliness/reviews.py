"""The clocks after a plan is made: the annual review (s.44), the decision after it (reg 20), the amended plan
after an amendment notice (reg 22), phase transfers (reg 18) and moves between post-16 institutions (reg 18)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from audit.timeliness.days import RegisterDays, Window, day_number, day_text
from audit.timeliness.rules import (
    ClockSpec,
    Flags,
    add_months,
    only_if_recorded,
    stopped_or_overdue,
    unrecorded,
)
from audit.vocabulary import Phase

FOUR_WEEKS_DAYS = 28
EIGHT_WEEKS_DAYS = 56
REVIEW_MONTHS = 12
POST_16_MOVE_MONTHS = 5
# reg 18(1): by 31 March for secondary school to a post-16 institution, by 15 February otherwise.
PHASE_TRANSFER_DEADLINES = {Phase.post_16.value: (3, 31)}
PHASE_TRANSFER_DEFAULT_DEADLINE = (2, 15)


def review_flags(register: RegisterDays, window: Window) -> Iterator[Flags]:
    yield _annual_review_flags(register, window)
    yield _review_decision_flags(register, window)
    yield _amended_plan_flags(register, window)
    yield _phase_transfer_flags(register, window)
    yield _post_16_move_flags(register, window)


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
    population, met = stopped_or_overdue(meeting, decision, window, FOUR_WEEKS_DAYS)
    spec = ClockSpec(
        "review_decision_4_weeks",
        "Review decision made within 4 weeks of the meeting",
        f"Annual review decisions made {window.text()}, plus review meetings with no decision by "
        f"{day_text(window.end)} that became overdue (day 29) in that period. Met when the decision was made "
        "0 to 28 days (4 weeks) after the meeting.",
        FOUR_WEEKS_DAYS,
    )
    return spec, population, met


def _amended_plan_flags(register: RegisterDays, window: Window) -> Flags:
    notice = register.days["amendment_notice_date"]
    issued = register.days["amendment_issued_date"]
    population, met = stopped_or_overdue(notice, issued, window, EIGHT_WEEKS_DAYS)
    spec = ClockSpec(
        "amended_plan_8_weeks",
        "Amended plan issued within 8 weeks of the amendment notice",
        f"Amended plans issued after a review {window.text()} (or the family told the plan would not be amended "
        f"after all), plus amendment notices with neither by {day_text(window.end)} that became overdue (day 57) "
        "in that period. Met when the amended plan (or the notice not to amend) is issued 0 to 56 days (8 weeks) "
        "after the amendment notice (the proposed amendments sent to the family)."
        + unrecorded(register, "amendment_notice_date"),
        EIGHT_WEEKS_DAYS,
    )
    return spec, *only_if_recorded(register, population, met, "amendment_notice_date")


def _phase_transfer_flags(register: RegisterDays, window: Window) -> Flags:
    # A move between post-16 institutions has its own clock (5 months before the move), below.
    transfer = np.where(register.flags["post_16_move"], np.nan, register.days["phase_transfer_date"])
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
        "the amended plan was issued on or before the deadline; no amendment date counts as not met. Moves "
        "between post-16 institutions (the register's post-16 move flag) are measured on their own."
        + unrecorded(register, "phase_transfer_date"),
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


def _post_16_move_flags(register: RegisterDays, window: Window) -> Flags:
    move = np.where(register.flags["post_16_move"], register.days["phase_transfer_date"], np.nan)
    amended = register.days["phase_transfer_amended_date"]
    deadline = add_months(move, -POST_16_MOVE_MONTHS)
    population = window.contains(deadline)
    met = population & (amended <= deadline)
    spec = ClockSpec(
        "post_16_move_5_months",
        "Move between post-16 institutions: plan amended at least 5 months before",
        f"Young people moving from one post-16 institution to another at any time of year (post-16 move: yes) "
        f"whose deadline fell {window.text()}: the day 5 calendar months before the move (the phase transfer date; "
        "a move on 31 July has 28 February, or 29 February in a leap year). Met when the plan was reviewed and "
        "amended (the phase transfer amended date) on or before the deadline; no date counts as not met."
        + ("" if "post_16_move" in register.recorded else
           " The register records no post-16 move for any plan, so this measure has no data."),
        None,
    )
    return spec, population, met
