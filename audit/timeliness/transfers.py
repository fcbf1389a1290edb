"""Transfers of a plan between areas (SEND Regulations 2014 reg 15), from both sides.

As the old area (the child moved away): send the plan on the day of the move, or, when the area learnt of the
move less than 15 working days before it, within the 15 working days beginning with the day it learnt. As the
new area (the child moved in): the old area's duty, timed on the plans received; telling the family within 6
weeks of the transfer that it has the plan, whether it will reassess and when it will review; and the review
before the later of 12 months from the plan's last review (or its making) and 3 months from the transfer.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from audit.timeliness.days import RegisterDays, Window, day_text
from audit.timeliness.rules import (
    ClockSpec,
    Flags,
    only_if_recorded,
    period_last_day,
    stopped_or_overdue,
    stopped_or_overdue_by,
    unrecorded,
)
from audit.timeliness.workdays import working_day_deadlines

TRANSFER_WORKING_DAYS = 15
FAMILY_TOLD_DAYS = 42
REVIEW_MONTHS_AFTER_REVIEW = 12
REVIEW_MONTHS_AFTER_TRANSFER = 3
WORKING_DAYS = "working days are Monday to Friday except England and Wales bank holidays"


def transfer_flags(register: RegisterDays, window: Window) -> Iterator[Flags]:
    yield _transfer_out_flags(register, window)
    yield _transfer_in_flags(register, window)
    yield _family_told_flags(register, window)
    yield _new_area_review_flags(register, window)


def transfer_deadlines(aware: np.ndarray, move: np.ndarray) -> np.ndarray:
    """The last day to send the plan (reg 15(2)): the move day, or the 15th working day beginning with the day the
    old area became aware when that is later (it learnt less than 15 working days before); NaN if not aware.

    With no move date only the 15 working days can be measured.
    """
    fifteenth = working_day_deadlines(aware, TRANSFER_WORKING_DAYS)
    return np.where(np.isnan(fifteenth), np.nan, np.fmax(move, fifteenth))


def _rule(direction: str) -> str:
    side = direction.replace("_", " ")  # "transfer out", "transfer in": the register's column words
    return (f"Met when the plan was sent no later than the day of the move (the {side} move date), or, when the "
            "old area became aware of the move less than 15 working days before it (or the move date is not "
            "recorded), within the 15 working days beginning with the day it became aware (the register's "
            f"{side} notified date, day 1 when it is a working day); {WORKING_DAYS}.")


def _transfer_out_flags(register: RegisterDays, window: Window) -> Flags:
    aware = register.days["transfer_out_notified_date"]
    sent = register.days["transfer_out_sent_date"]
    deadline = transfer_deadlines(aware, register.days["transfer_out_move_date"])
    population, met = stopped_or_overdue_by(aware, sent, deadline, window)
    spec = ClockSpec(
        "transfer_out_15_working_days",
        "Transfers out: plan sent to the new area in time (this area's duty)",
        f"Children who moved to another area, whose plan this area sent {window.text()}, plus moves with the plan "
        f"not sent by {day_text(window.end)} whose deadline passed in that period. " + _rule("transfer_out")
        + unrecorded(register, "transfer_out_notified_date"),
        None,
    )
    return spec, *only_if_recorded(register, population, met, "transfer_out_notified_date")


def _transfer_in_flags(register: RegisterDays, window: Window) -> Flags:
    aware = register.days["transfer_in_notified_date"]
    received = register.days["transfer_in_received_date"]
    deadline = transfer_deadlines(aware, register.days["transfer_in_move_date"])
    population, met = stopped_or_overdue_by(aware, received, deadline, window)
    spec = ClockSpec(
        "transfer_in_15_working_days",
        "Transfers in: plan received from the old area in time (the old area's duty)",
        f"Plans transferred in whose plan was received {window.text()}, plus transfers not received by "
        f"{day_text(window.end)} whose deadline passed in that period. This times the old area's duty, not this "
        "area's. " + _rule("transfer_in")
        + unrecorded(register, "transfer_in_notified_date"),
        None,
    )
    return spec, population, met


def _family_told_flags(register: RegisterDays, window: Window) -> Flags:
    received = register.days["transfer_in_received_date"]
    told = register.days["transfer_in_family_told_date"]
    population, met = stopped_or_overdue(received, told, window, FAMILY_TOLD_DAYS)
    spec = ClockSpec(
        "transfer_in_family_told_6_weeks",
        "Transfers in: family told within 6 weeks (this area's duty)",
        f"Plans transferred in whose family was told {window.text()} that the plan had been transferred, whether "
        "this area would reassess and when it would review, plus transfers with the family not told by "
        f"{day_text(window.end)} that became overdue (day 43) in that period. Met when "
        "the family was told 0 to 42 days (6 weeks) after the transfer (the date the plan was received)."
        + unrecorded(register, "transfer_in_family_told_date"),
        FAMILY_TOLD_DAYS,
    )
    return spec, *only_if_recorded(register, population, met, "transfer_in_family_told_date")


def new_area_review_deadlines(received: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """reg 15(5): the later of the last days of 12 months beginning with the plan's last review (or its making)
    and of 3 months beginning with the transfer. Without a previous date, only the 3 months can be shown."""
    after_transfer = period_last_day(received, REVIEW_MONTHS_AFTER_TRANSFER)
    return np.fmax(after_transfer, np.where(np.isnan(received), np.nan,
                                            period_last_day(previous, REVIEW_MONTHS_AFTER_REVIEW)))


def _new_area_review_flags(register: RegisterDays, window: Window) -> Flags:
    received = register.days["transfer_in_received_date"]
    previous = register.days["transfer_in_previous_review_date"]
    previous = np.where(np.isnan(previous), register.days["final_issued_date"], previous)
    previous = np.where(np.isnan(received), np.nan, previous)  # only transfers in need it (calendar work is slow)
    deadline = new_area_review_deadlines(received, previous)
    review = register.days["transfer_in_review_date"]
    population, met = stopped_or_overdue_by(received, review, deadline, window)
    spec = ClockSpec(
        "transfer_in_reviewed_by_deadline",
        "Transfers in: plan reviewed in time (this area's duty)",
        f"Plans transferred in whose first review here was held {window.text()}, plus "
        f"transfers not reviewed by {day_text(window.end)} whose deadline passed in that period. The deadline is "
        "the later of the last day of the 12 months beginning with the plan's last review before the transfer "
        "(the previous area's last review, or the date the plan was made when never reviewed) and the last day "
        "of the 3 months beginning with the transfer (the date the plan was received); 10 March + 12 months ends on "
        "9 March. Met when the review was on or after the transfer and on or before the deadline."
        + unrecorded(register, "transfer_in_review_date"),
        None,
    )
    return spec, *only_if_recorded(register, population, met, "transfer_in_review_date")
