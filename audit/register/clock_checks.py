"""The register's optional clock columns (issue 22) and the checks across a row's dates that they bring.

Every column here is optional, so a register written before them still imports. The checks refuse only what
cannot be true of one plan (a plan with no start at all, a notice sent before the request, a "first" issue date
after the plan's own review), each at its row and column with the fix. docs/formats.md lists the columns and
docs/timeliness.md the clocks that read them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from audit.errors import Problem
from audit.vocabulary import AdviceType

# decision_to_assess_outcome: the decision whether to assess (reg 5); "not_assess" closes the request.
OUTCOMES = ["assess", "not_assess"]

CLOCK_DATE_COLUMNS = [
    "area_started_date", "decision_not_to_issue_date", "amendment_notice_date", "amendment_issued_date",
    "transfer_in_move_date", "transfer_in_family_told_date", "transfer_in_previous_review_date",
    "transfer_in_review_date", "transfer_out_notified_date", "transfer_out_move_date", "transfer_out_sent_date",
]
CLOCK_FLAG_COLUMNS = ["decision_to_assess_exception", *(f"{t}_advice_exception" for t in AdviceType.values()),
                      "post_16_move"]
# In the order docs/formats.md lists them (and a written register has them).
CLOCK_COLUMNS = [
    "area_started_date", "decision_to_assess_outcome", "decision_to_assess_exception",
    *(f"{t}_advice_exception" for t in AdviceType.values()),
    "decision_not_to_issue_date", "amendment_notice_date", "amendment_issued_date", "post_16_move",
    "transfer_in_move_date", "transfer_in_family_told_date", "transfer_in_previous_review_date",
    "transfer_in_review_date", "transfer_out_notified_date", "transfer_out_move_date", "transfer_out_sent_date",
]

# (earlier, later, what the later date is, what the earlier one is): the later date cannot come first.
ORDERED = [
    ("amendment_notice_date", "amendment_issued_date", "the amended plan", "the amendment notice"),
    ("transfer_out_notified_date", "transfer_out_sent_date", "the plan was sent to the new area",
     "this area became aware of the move"),
    ("transfer_in_received_date", "transfer_in_family_told_date", "the family was told",
     "the plan was received"),
    ("transfer_in_received_date", "transfer_in_review_date", "this area's first review", "the plan was received"),
]
# A first issue date after one of these is a re-issue: the 20 weeks would be timed from the wrong date.
AFTER_ISSUE = [("last_review_meeting_date", "its review meeting"),
               ("amendment_notice_date", "its amendment notice"),
               ("phase_transfer_amended_date", "its phase transfer amendment")]
REISSUE_FIX = ("give the date the plan was first issued; an amended plan's date goes in amendment_issued_date "
               "(docs/formats.md)")


def clock_problems(values: dict[str, list[Any]], failed: dict[str, set[int]], numbers: list[int], name: str,
                   display: dict[str, str], present: list[str]) -> list[tuple[tuple, Problem]]:
    """(order, Problem) for every row whose clock dates cannot all be true; order sorts them into reading order.

    `present` is the register columns the file has: a missing request_date column is reported once, as a column.
    """
    n = len(numbers)
    days = {c: _days(values[c]) for c in _DATES_READ}
    unreadable = {c: _rows(failed.get(c, ()), n) for c in _DATES_READ}
    problems: list[tuple[tuple, Problem]] = []

    def add(i: int, k: int, message: str, column: str, fix: str) -> None:
        problems.append(((int(i), 1, 10 + k), Problem(message, name, numbers[i], display.get(column, column), fix)))

    request, started = days["request_date"], days["area_started_date"]
    no_start = (np.isnan(request) & np.isnan(started) & ~unreadable["request_date"] & ~unreadable["area_started_date"]
                & ("request_date" in present))
    for i in np.flatnonzero(no_start):
        add(i, 0, "is empty; every plan needs a request_date, or an area_started_date if the area started the "
                  "assessment itself", "request_date",
            "fill in the date of the request for assessment, or the date the area started it in area_started_date")
    start = np.where(np.isnan(request), started, request)
    early_final = np.isnan(request) & (days["final_issued_date"] < started)
    for i in np.flatnonzero(early_final):
        add(i, 1, f"the final plan ({_shown(values['final_issued_date'][i])}) is dated before the area started the "
                  f"assessment ({_shown(values['area_started_date'][i])})", "final_issued_date", "check both dates")
    for i in np.flatnonzero(days["decision_not_to_issue_date"] < start):
        add(i, 2, f"the notice not to issue a plan ({_shown(values['decision_not_to_issue_date'][i])}) is dated "
                  "before the assessment started", "decision_not_to_issue_date", "check both dates")
    for k, (column, what) in enumerate(AFTER_ISSUE):
        for i in np.flatnonzero(days["final_issued_date"] > days[column]):
            add(i, 3 + k, f"the final plan ({_shown(values['final_issued_date'][i])}) is dated after {what} "
                          f"({_shown(values[column][i])}): final_issued_date is the date the plan was first "
                          "issued, never a re-issue", "final_issued_date", REISSUE_FIX)
    for k, (earlier, later, later_what, earlier_what) in enumerate(ORDERED):
        for i in np.flatnonzero(days[later] < days[earlier]):
            add(i, 6 + k, f"{later_what} ({_shown(values[later][i])}) is dated before {earlier_what} "
                          f"({_shown(values[earlier][i])})", later, "check both dates")
    return problems


_DATES_READ = sorted({"request_date", "area_started_date", "final_issued_date", "decision_not_to_issue_date",
                      "last_review_meeting_date", "phase_transfer_amended_date", "transfer_in_received_date",
                      *(c for pair in ORDERED for c in pair[:2]), *(c for c, _ in AFTER_ISSUE)})


def _rows(indices: Any, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[list(indices)] = True
    return mask


def _days(dates: list[date | None]) -> np.ndarray:
    """Dates as day numbers (NaN when missing), each distinct date converted once."""
    ordinal = {d: (np.nan if d is None else d.toordinal()) for d in dict.fromkeys(dates)}
    return np.array([ordinal[d] for d in dates], dtype=float)


def _shown(day: date) -> str:
    return f"{day:%d/%m/%Y}"
