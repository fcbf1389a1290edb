"""Milestones as boards write them: the dates in a target-date cell ("Dec 21", "Sept 2019", "01/12/2026"),
the due date they give (a month means its last day), and the day-month-year dates no calendar has."""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
MONTH_WORD = r"(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
_DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_YMD = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH_WORD}\s+(\d{{4}})\b", re.I)
DATE_FIX = "write a real date (DD/MM/YYYY or YYYY-MM-DD), or a month such as 'Dec 2026'"


def milestone_dates(text: str) -> list[date]:
    """Dates in a milestone as written: "Dec 21", "Sept 2019", "2026-12-01", "01/12/2026" (month = its last day).

    An impossible day ("31/02/2027") gives no date here; the import refuses it first (`impossible_dates`)."""
    found = []
    for day, month, year in _DMY.findall(text):
        found.append(_safe_date(int(year), int(month), int(day)))
    for year, month, day in _YMD.findall(text):
        found.append(_safe_date(int(year), int(month), int(day)))
    for word, year in re.findall(rf"\b{MONTH_WORD}\s+(\d{{4}}|\d{{2}})\b", text, re.I):
        y = int(year) + (2000 if len(year) == 2 else 0)
        m = _MONTHS[word.lower()[:4] if word.lower().startswith("sept") else word.lower()[:3]]
        found.append(date(y, m, calendar.monthrange(y, m)[1]))
    return sorted(d for d in found if d is not None)


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
    dates = milestone_dates(text)
    return dates[-1] if dates else None
