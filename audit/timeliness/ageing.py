"""Open-case ageing: requests with no final plan yet, and advice still awaited, by time since the clock started.

The 20-week measure counts plans once they are issued, so a request open for 30 weeks is invisible there until
its plan is issued, late. This shows the cases still open on a date, in bands of weeks since the request, and
lists every one past its statutory limit (20 weeks for the plan, 6 weeks for advice), oldest first, so the QA
lead can chase them. docs/timeliness.md has the definitions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from audit.timeliness.days import NOT_RECORDED, RegisterDays, as_date, day_number, day_text
from audit.vocabulary import AdviceType

# (first day, last day or None, words): day 140 is still within 20 weeks, day 141 is past it.
REQUEST_BANDS = ((0, 42, "up to 6 weeks"), (43, 112, "over 6, up to 16 weeks"), (113, 140, "over 16, up to 20 weeks"),
                 (141, 182, "over 20, up to 26 weeks"), (183, 364, "over 26, up to 52 weeks"),
                 (365, None, "over 52 weeks"))
ADVICE_BANDS = ((0, 42, "up to 6 weeks"), (43, 84, "over 6, up to 12 weeks"), (85, 140, "over 12, up to 20 weeks"),
                (141, None, "over 20 weeks"))
REQUEST_LIMIT_DAYS = 140
ADVICE_LIMIT_DAYS = 42
_ADVICE_WORDS = {"education": "Education", "health": "Health", "social_care": "Social care",
                 "educational_psychology": "Educational psychology"}


@dataclass(frozen=True)
class OpenCase:
    """One open request or one piece of advice still awaited, past its limit."""

    plan_ref: str
    team: str
    what: str  # "assessment" or the advice type
    started: date
    started_by: str  # "request", "area" (an assessment the area started itself) or "advice request"
    days: int  # days since the clock started, on as_of
    exception: bool  # a timescale exception is recorded for it

    @property
    def weeks(self) -> str:
        weeks, days = divmod(self.days, 7)
        return f"{weeks} week{'s' * (weeks != 1)} {days} day{'s' * (days != 1)}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "started": self.started.isoformat(), "weeks": self.weeks}


@dataclass(frozen=True)
class Ageing:
    """How long the open cases of one kind have been open on as_of, in bands, with those past the limit."""

    key: str
    label: str
    definition: str
    limit_days: int
    bands: tuple[tuple[str, int], ...]  # (words, how many open cases)
    listed: tuple[OpenCase, ...]  # past the limit, oldest first (overall only; empty for a group)
    group: str | None = None

    @property
    def open(self) -> int:
        return sum(n for _, n in self.bands)

    @property
    def past_limit(self) -> int:
        return sum(n for (first, _, _), (_, n) in zip(self._band_days(), self.bands) if first > self.limit_days)

    def _band_days(self) -> tuple:
        return REQUEST_BANDS if self.key == "open_requests" else ADVICE_BANDS

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "definition": self.definition, "group": self.group,
                "limit_days": self.limit_days, "open": self.open, "past_limit": self.past_limit,
                "bands": [{"band": words, "open": n} for words, n in self.bands],
                "listed": [case.to_dict() for case in self.listed]}


def open_case_ageing(plans: pd.DataFrame, as_of: date, by: str | None = None) -> list[Ageing]:
    """Open requests and outstanding advice on as_of: overall (with those past the limit listed), then per group."""
    as_of = as_date(as_of)
    register = RegisterDays.from_frame(plans, by)
    today = day_number(as_of)
    refs = _column(plans, "plan_ref", [f"row {i + 1}" for i in range(len(plans))])
    teams = _column(plans, "team", [NOT_RECORDED] * len(plans))
    start = register.start
    open_case = _open_requests(register, start, today)
    started_by = np.where(np.isnan(register.days["request_date"]), "area", "request")
    kinds = [("open_requests", "assessment", "Requests with no final plan yet", open_case, start, started_by,
              REQUEST_BANDS, REQUEST_LIMIT_DAYS, _request_definition(as_of), register.exception)]
    for advice in AdviceType.values():
        requested = register.days[f"{advice}_advice_requested"]
        received = register.days[f"{advice}_advice_received"]
        waiting = open_case & (requested <= today) & ~(received <= today)
        kinds.append((f"advice_outstanding_{advice}", advice, f"{_ADVICE_WORDS[advice]} advice still awaited",
                      waiting, requested, np.full(len(plans), "advice request"), ADVICE_BANDS, ADVICE_LIMIT_DAYS,
                      _advice_definition(advice, as_of), register.flags[f"{advice}_advice_exception"]))
    overall, grouped = [], []
    for key, what, label, mask, began, by_whom, bands, limit, definition, exception in kinds:
        age = np.where(mask, today - began, np.nan)
        counts = _band_counts(age, bands)
        late = np.flatnonzero(mask & (age > limit))
        listed = sorted((OpenCase(str(refs[i]), str(teams[i]), what, _date(began[i]), str(by_whom[i]), int(age[i]),
                                  bool(exception[i])) for i in late),
                        key=lambda c: (-c.days, c.plan_ref))
        overall.append(Ageing(key, label, definition, limit, counts, tuple(listed)))
        if by is not None:
            codes, names = pd.factorize(register.groups, sort=True)
            for g, name in enumerate(names):
                grouped.append(Ageing(key, label, definition, limit, _band_counts(np.where(codes == g, age, np.nan),
                                                                                  bands), (), str(name)))
    return overall + grouped


def _open_requests(register: RegisterDays, start: np.ndarray, today: int) -> np.ndarray:
    """Active, started on or before today, and not closed by today: no final plan, no notice not to issue, and
    no decision not to assess."""
    days = register.days
    refused = (register.outcome == "not_assess") & (days["decision_to_assess_date"] <= today)
    closed = (days["final_issued_date"] <= today) | (days["decision_not_to_issue_date"] <= today) | refused
    return register.active & (start <= today) & ~closed


def _band_counts(age: np.ndarray, bands: tuple) -> tuple[tuple[str, int], ...]:
    out = []
    for first, last, words in bands:
        inside = (age >= first) & (age <= (np.inf if last is None else last))
        out.append((words, int(inside.sum())))
    return tuple(out)


def _request_definition(as_of: date) -> str:
    return (f"Active requests for assessment on {day_text(as_of)} with no final plan issued, no notice that a plan "
            "will not be issued and no decision not to assess by that day, by days since the request (or, for an "
            "assessment the area started itself, since the area started date); day 140 is still within 20 weeks. "
            "Those past 20 weeks are listed, oldest first, with any recorded timescale exception.")


def _advice_definition(advice: str, as_of: date) -> str:
    return (f"{_ADVICE_WORDS[advice]} advice requested on or before {day_text(as_of)} and not received by then, for "
            "requests still open (as above), by days since the advice was requested; day 42 is still within 6 weeks. "
            "Those past 6 weeks are listed, oldest first, with any recorded exception.")


def _column(plans: pd.DataFrame, name: str, default: list) -> np.ndarray:
    if name not in plans.columns:
        return np.array(default, dtype=object)
    return plans[name].astype("string").fillna(NOT_RECORDED).to_numpy(dtype=object)


def _date(day: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))
