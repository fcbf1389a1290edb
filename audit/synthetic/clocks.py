"""The synthetic register's optional clock columns: issue 8's (decision to assess, phase transfers, transfers in)
and issue 22's (area-started assessments, decisions and exceptions, notices not to issue, amendments after a
review, moves between post-16 institutions, transfers both ways). Each set comes from its own random stream, so
adding one never changes the columns drawn before it. Shares are our assumptions (docs/synthetic.md).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from audit.timeliness.rules import add_months
from audit.timeliness.transfers import transfer_deadlines
from audit.vocabulary import AdviceType, Phase, PlanStatus

NAT = np.iinfo(np.int64).min  # the int64 that numpy reads as NaT

AREA_STARTED_SHARE = 0.03
NOT_TO_ASSESS_SHARE = 0.25  # of decided requests that never got a plan
DECISION_EXCEPTION_SHARE = 0.03
ADVICE_EXCEPTION_SHARE = 0.15  # of late advice
NOT_TO_ISSUE_SHARE = 0.30  # of assessed requests past 16 weeks with no plan
AMENDED_SHARE = 0.40  # of review decisions
POST_16_MOVE_SHARE = 0.08  # of young people in years 13 and 14


def dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (NaT sentinel for missing) to datetime.date objects and None."""
    return days.astype(np.int64).view("datetime64[D]").astype(object)


def late(rng: np.random.Generator, n: int, start: int, mean: float, cap: int) -> np.ndarray:
    return np.minimum(start + rng.exponential(mean, n).astype(np.int64), cap)


def _upto(days: np.ndarray, today: np.int64, keep: np.ndarray | None = None) -> np.ndarray:
    """Days after today had not happened yet; `keep` limits which rows have the date at all."""
    ok = (days != NAT) & (days <= today)
    return np.where(ok if keep is None else ok & keep, days, NAT)


def later_clocks(rng: np.random.Generator, request: np.ndarray, final: np.ndarray, year_group: np.ndarray,
                 status: np.ndarray, today: np.int64) -> dict[str, np.ndarray]:
    """The optional clocks of issue 8, as day numbers (NAT when missing) and phase_transfer_to as text."""
    n = len(request)
    decision = request + np.where(rng.random(n) < 0.8, rng.integers(14, 43, n), late(rng, n, 43, 14.0, 120))
    decision = np.where(decision <= today, decision, NAT)
    # Children now in Reception, Year 7 and Year 12 moved phase last September; the amended plan was due by
    # 15 February (31 March into post-16) of that year.
    day = np.datetime64(int(today), "D").astype(object)
    september = date(day.year if day.month >= 9 else day.year - 1, 9, 1)
    moved_to = {"R": Phase.primary.value, "7": Phase.secondary.value, "12": Phase.post_16.value}
    to = np.array([moved_to.get(str(g)) for g in year_group], dtype=object)
    deadline = np.array([np.datetime64(date(september.year, 3, 31) if t == Phase.post_16.value
                                       else date(september.year, 2, 15), "D").astype(np.int64) for t in to])
    # A plan first issued after its phase transfer deadline was made for the new phase: no amendment to time.
    moved = (to != None) & (status == PlanStatus.active.value) & (final != NAT) & (final < deadline - 60)  # noqa: E711
    amended = deadline + np.where(rng.random(n) < 0.7, -rng.integers(0, 60, n), late(rng, n, 1, 30.0, 150))
    amended = np.where(moved & (amended <= today), amended, NAT)
    transfer = np.full(n, np.datetime64(september, "D").astype(np.int64))
    # About 3% of finalised plans came in from another area.
    came_in = (rng.random(n) < 0.03) & (final != NAT)
    notified = np.where(came_in, final + rng.integers(30, 400, n), NAT)
    notified = np.where(notified <= today, notified, NAT)
    received = notified + np.where(rng.random(n) < 0.75, rng.integers(0, 21, n), late(rng, n, 22, 15.0, 90))
    received = np.where((notified != NAT) & (received <= today), received, NAT)
    return {
        "decision_to_assess_date": decision,
        "phase_transfer_date": np.where(moved, transfer, NAT),
        "phase_transfer_to": np.where(moved, to, None),
        "phase_transfer_amended_date": amended,
        "transfer_in_notified_date": notified,
        "transfer_in_received_date": received,
    }


def statutory_clocks(rng: np.random.Generator, clocks: dict[str, np.ndarray], request: np.ndarray,
                     final: np.ndarray, review_decision: np.ndarray, advice: dict[str, np.ndarray],
                     year_group: np.ndarray, status: np.ndarray, today: np.int64) -> dict[str, np.ndarray]:
    """Issue 22's columns (and the request dates of area-started assessments), as day numbers or flags.

    `clocks` is `later_clocks`' result, updated here for post-16 moves; `advice` maps each advice type to its
    stacked (requested, received) day numbers.
    """
    n = len(request)
    out: dict[str, np.ndarray] = {}
    started = (rng.random(n) < AREA_STARTED_SHARE) & (request <= today)
    out["request_date"] = np.where(started, NAT, request)
    out["area_started_date"] = np.where(started, request, NAT)

    decided = clocks["decision_to_assess_date"] != NAT
    refused = decided & (final == NAT) & (rng.random(n) < NOT_TO_ASSESS_SHARE)
    out["decision_to_assess_outcome"] = np.where(decided, np.where(refused, "not_assess", "assess"), None)
    out["decision_to_assess_exception"] = decided & (rng.random(n) < DECISION_EXCEPTION_SHARE)
    for t in AdviceType.values():
        requested, received = advice[t]
        waited = np.where(received != NAT, received, today) - np.where(requested != NAT, requested, today)
        overdue = (requested != NAT) & (waited > 42)
        out[f"{t}_advice_exception"] = overdue & (rng.random(n) < ADVICE_EXCEPTION_SHARE)

    assessed = decided & ~refused & (final == NAT) & (today - request > 112)
    notice = request + np.where(rng.random(n) < 0.8, rng.integers(70, 113, n), late(rng, n, 113, 30.0, 200))
    out["decision_not_to_issue_date"] = _upto(notice, today, assessed & (rng.random(n) < NOT_TO_ISSUE_SHARE))

    amending = (review_decision != NAT) & (rng.random(n) < AMENDED_SHARE)
    notice = np.where(amending, review_decision, NAT)
    issued = notice + np.where(rng.random(n) < 0.7, rng.integers(21, 57, n), late(rng, n, 57, 25.0, 200))
    out["amendment_notice_date"] = notice
    out["amendment_issued_date"] = _upto(issued, today, notice != NAT)

    out.update(_post_16_moves(rng, clocks, final, year_group, status, today))
    out.update(_transfers(rng, clocks, final, status, today))
    return out


def _post_16_moves(rng: np.random.Generator, clocks: dict[str, np.ndarray], final: np.ndarray,
                   year_group: np.ndarray, status: np.ndarray, today: np.int64) -> dict[str, np.ndarray]:
    """Young people in years 13 and 14 moving college at another time of year: amended 5 months before."""
    n = len(final)
    move = today + rng.integers(-200, 150, n)  # moves up to 5 months ahead already have their deadline
    deadline = add_months(move.astype(float), -5).astype(np.int64)
    moving = (np.isin(year_group.astype(str), ["13", "14"]) & (status == PlanStatus.active.value) & (final != NAT)
              & (final < deadline - 60) & (rng.random(n) < POST_16_MOVE_SHARE))
    amended = deadline + np.where(rng.random(n) < 0.65, -rng.integers(0, 45, n), late(rng, n, 1, 25.0, 120))
    return {
        "post_16_move": moving,
        "phase_transfer_date": np.where(moving, move, clocks["phase_transfer_date"]),
        "phase_transfer_to": np.where(moving, Phase.post_16.value, clocks["phase_transfer_to"]),
        "phase_transfer_amended_date": np.where(moving, _upto(amended, today), clocks["phase_transfer_amended_date"]),
    }


def _transfers(rng: np.random.Generator, clocks: dict[str, np.ndarray], final: np.ndarray, status: np.ndarray,
               today: np.int64) -> dict[str, np.ndarray]:
    """Moves both ways: this area's duties to the family and the review of plans received, and plans it sent."""
    n = len(final)
    notified, received = clocks["transfer_in_notified_date"], clocks["transfer_in_received_date"]
    came_in = received != NAT
    told = received + np.where(rng.random(n) < 0.75, rng.integers(5, 43, n), late(rng, n, 43, 20.0, 150))
    previous = np.where(final + 330 < notified, np.maximum(final + 300, notified - rng.integers(20, 300, n)), NAT)
    review = received + np.where(rng.random(n) < 0.8, rng.integers(30, 88, n), late(rng, n, 120, 60.0, 400))
    moved_in = np.where(notified != NAT, notified + rng.integers(-10, 45, n), NAT)

    left = (status == PlanStatus.transferred.value) & (final != NAT)
    aware = _upto(final + rng.integers(60, 700, n), today, left)
    move = np.where(aware != NAT, aware + rng.integers(-5, 60, n), NAT)
    due = transfer_deadlines(np.where(aware != NAT, aware, np.nan).astype(float),
                             np.where(move != NAT, move, np.nan).astype(float))
    due = np.where(np.isnan(due), 0, due).astype(np.int64)
    sent = np.where(rng.random(n) < 0.75, np.maximum(aware, due - rng.integers(0, 10, n)),
                    due + late(rng, n, 1, 10.0, 90))
    return {
        "transfer_in_move_date": moved_in,
        "transfer_in_family_told_date": _upto(told, today, came_in),
        "transfer_in_previous_review_date": np.where(came_in, previous, NAT),
        "transfer_in_review_date": _upto(review, today, came_in),
        "transfer_out_notified_date": aware,
        "transfer_out_move_date": move,
        "transfer_out_sent_date": _upto(sent, today, aware != NAT),
    }


def as_columns(values: dict[str, np.ndarray]) -> dict[str, object]:
    """Day-number columns as dates, text columns as object Series (None kept), flags as they are."""
    out: dict[str, object] = {}
    for name, column in values.items():
        if column.dtype == bool:
            out[name] = column
        elif column.dtype == object:
            out[name] = pd.Series(column, dtype=object)
        else:
            out[name] = dates(column)
    return out
