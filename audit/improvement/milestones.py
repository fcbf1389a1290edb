"""Milestones as boards write them: the dates in a target-date cell ("Dec 21", "Sept 2019", "01/12/2026",
"Spring term 2019", "Q3 2018/19", "2018/19"), the kind of milestone ("Ongoing" and "Termly" recur, "Sept 2018 –
Mar 2019" is a range, "TBC" has no date), the due date they give (a period means its last day; of several dates
the last written), and the day-month-year dates no calendar has.

Our reading of periods (docs/improvement.md): terms end with their last month (autumn December, spring March,
summer July); quarters and "2018/19" are financial years (Q1 April to June ... Q4 January to March, the year
ending 31 March), "academic year 2018/19" ends 31 August; a calendar quarter "Q3 2019" ends 30 September.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
MONTH_WORD = r"(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_YMD = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH_WORD}\s+(\d{{4}})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b{MONTH_WORD}\s+(\d{{4}}|\d{{2}})\b", re.I)
_YEAR_PAIR = r"(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})"
_TERM = re.compile(rf"\b(autumn|spring|summer)(?:\s+term)?\s+(?:{_YEAR_PAIR}|(\d{{4}}))", re.I)
_QUARTER = re.compile(rf"\bq([1-4])\s+(?:{_YEAR_PAIR}|(\d{{4}}))", re.I)
_YEARS = re.compile(rf"(?<![\d/])(academic\s+year\s+|financial\s+year\s+|fy\s*)?{_YEAR_PAIR}(?![\d/])", re.I)
_RECURRING = re.compile(r"\b(ongoing|on-going|continuous|continuing|termly|half[- ]termly|monthly|weekly|"
                        r"quarterly|annually|annual|yearly|bi-?monthly|fortnightly|each term|every term|"
                        r"in place|business as usual|rolling)\b", re.I)
_RANGE_DASH = re.compile(r"\s[-–—]\s|\bto\b|\buntil\b|\bthrough\b", re.I)
DATE_FIX = "write a real date (DD/MM/YYYY or YYYY-MM-DD), or a month such as 'Dec 2026'"
KINDS = ("date", "range", "recurring", "none")
_TERM_END = {"autumn": 12, "spring": 3, "summer": 7}


@dataclass(frozen=True)
class Milestone:
    """What a milestone cell says: its kind (date, range, recurring, none) and the due date where one follows."""

    kind: str
    due: date | None


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _second_year(first: str, second: str) -> int:
    return int(second) if len(second) == 4 else int(first[:2] + second)


def _written(text: str) -> list[tuple[int, int, date | None]]:
    """Every date or period written in `text` as (start, end, last day), in the order written."""
    found: list[tuple[int, int, date | None]] = []
    for m in _DMY.finditer(text):
        found.append((m.start(), m.end(), _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    for m in _YMD.finditer(text):
        found.append((m.start(), m.end(), _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    for m in _MONTH_YEAR.finditer(text):
        year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
        found.append((m.start(), m.end(), _end_of_month(year, _month(m.group(1)))))
    for m in _TERM.finditer(text):
        term = m.group(1).lower()
        if m.group(4):
            year = int(m.group(4))
        else:  # "Spring term 2018/19": autumn is in the first year, spring and summer in the second
            year = int(m.group(2)) if term == "autumn" else _second_year(m.group(2), m.group(3))
        found.append((m.start(), m.end(), _end_of_month(year, _TERM_END[term])))
    for m in _QUARTER.finditer(text):
        q = int(m.group(1))
        if m.group(4):  # a calendar quarter
            found.append((m.start(), m.end(), _end_of_month(int(m.group(4)), 3 * q)))
        else:  # a financial year's quarter: Q1 April-June ... Q4 January-March of the second year
            year = int(m.group(2)) if q < 4 else _second_year(m.group(2), m.group(3))
            found.append((m.start(), m.end(), _end_of_month(year, 3 * q + 3 if q < 4 else 3)))
    taken = [(s, e) for s, e, _ in found]
    for m in _YEARS.finditer(text):
        if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            continue
        second = _second_year(m.group(2), m.group(3))
        if second != int(m.group(2)) + 1:
            continue
        academic = bool(m.group(1)) and m.group(1).lower().startswith("academic")
        found.append((m.start(), m.end(), _end_of_month(second, 8 if academic else 3)))
    # A month inside a term or quarter match (none today) or a date inside a longer match is read once.
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[tuple[int, int, date | None]] = []
    for item in found:
        if out and item[0] < out[-1][1]:
            continue
        out.append(item)
    return out


def written_dates(text: str) -> list[date]:
    """The dates in a milestone in the order written (a month, term, quarter or year means its last day)."""
    return [d for _, _, d in _written(text or "") if d is not None]


def milestone_dates(text: str) -> list[date]:
    """Dates in a milestone, earliest first: "Dec 21", "Sept 2019", "2026-12-01", "01/12/2026", "Q3 2018/19".

    An impossible day ("31/02/2027") gives no date here; the import refuses it first (`impossible_dates`)."""
    return sorted(written_dates(text))


def read_milestone(text: str) -> Milestone:
    """The kind of a milestone and its due date: the last date written, unless the work goes on past it."""
    text = text or ""
    spans = [(s, e, d) for s, e, d in _written(text) if d is not None]
    recurring = _RECURRING.search(text)
    if recurring and (not spans or recurring.start() > spans[-1][1]):
        return Milestone("recurring", None)  # "Ongoing", "Termly", "Sept 2018 – ongoing"
    if not spans:
        return Milestone("none", None)  # "TBC", "See above", blank
    if len(spans) > 1 and _RANGE_DASH.search(text[spans[-2][1]:spans[-1][0]]):
        return Milestone("range", spans[-1][2])
    if _is_period(text[spans[-1][0]:spans[-1][1]]):
        return Milestone("range", spans[-1][2])  # a term, quarter or year is a period; due at its end
    return Milestone("date", spans[-1][2])


def _is_period(written: str) -> bool:
    """A term, a quarter or a year pair (not a single day or month)."""
    return bool(_TERM.fullmatch(written) or _QUARTER.fullmatch(written) or _YEARS.fullmatch(written))


def impossible_dates(text: str) -> list[str]:
    """Day-month-year dates written in `text` that no calendar has, as written: "31/02/2027", "2027-13-01"."""
    bad = [m.group(0) for m in _DMY.finditer(text)
           if _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1))) is None]
    bad += [m.group(0) for m in _YMD.finditer(text)
            if _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) is None]
    bad += [m.group(0) for m in _DAY_MONTH.finditer(text)
            if _safe_date(int(m.group(3)), _month(m.group(2)), int(m.group(1))) is None]
    return bad


def _month(word: str) -> int:
    word = word.lower()
    return _MONTHS[word[:4] if word.startswith("sept") else word[:3]]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def last_date(text: str) -> date | None:
    """The due date a milestone gives: the last date written, none when the work goes on ("Sept 2018 – ongoing")."""
    return read_milestone(text).due
