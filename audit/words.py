"""Dates and times as a person in England reads them: "4 December 2026", "4 December 2026, 6:27pm".

The store keeps moments in UTC (audit/clock.py); people read them in Europe/London, summer time included,
and are never shown an ISO timestamp or "UTC". Machine outputs (JSON, CSV exports, the trail's hashes) keep
ISO text; everything a person reads goes through here. The words for codes are in audit/vocabulary.py;
`FILTERS` gives both to Jinja2 (reports/ and web/ register them; audit/ never imports Jinja2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from audit.vocabulary import label, stratum_label

LONDON = ZoneInfo("Europe/London")


def local(moment: datetime) -> datetime:
    """A stored moment in Europe/London (a naive one is UTC: SQLite hands them back without their zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return local(value).date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return local(datetime.fromisoformat(text)).date() if "T" in text else date.fromisoformat(text[:10])
    except ValueError:
        return None


def day(value: object) -> str:
    """'4 December 2026' for a date, a datetime (its London date) or ISO text; '' for nothing; other text as is."""
    d = _as_date(value)
    if d is None:
        return "" if value is None else str(value)
    return f"{d.day} {d:%B %Y}"


def short_day(value: object) -> str:
    """'4 Dec 2026', for narrow table columns."""
    d = _as_date(value)
    return "" if d is None else f"{d.day} {d:%b %Y}"


def month(value: object) -> str:
    """'December 2026'."""
    d = _as_date(value)
    return "" if d is None else f"{d:%B %Y}"


def clock_time(moment: datetime) -> str:
    """'6:27pm', 'midday' or 'midnight' (GOV.UK style), in Europe/London."""
    at = local(moment)
    if at.minute == 0 and at.hour in (0, 12):
        return "midnight" if at.hour == 0 else "midday"
    return f"{at.hour % 12 or 12}:{at.minute:02d}{'am' if at.hour < 12 else 'pm'}"


def _as_moment(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def moment(value: object) -> str:
    """'4 December 2026, 6:27pm' in Europe/London, for a datetime or ISO text; a date alone gives its day."""
    at = _as_moment(value)
    if at is None:
        return day(value)
    return f"{day(local(at))}, {clock_time(at)}"


def short_moment(value: object) -> str:
    """'4 Dec 2026, 6:27pm', for narrow table columns."""
    at = _as_moment(value)
    if at is None:
        return short_day(value)
    return f"{short_day(local(at))}, {clock_time(at)}"


def period(start: object, end: object) -> str:
    """'1 April 2026 to 31 March 2027'."""
    return f"{day(start)} to {day(end)}"


def parse_day(text: str) -> date:
    """A day as a person types it: '4/12/2026', '4 December 2026', '4 Dec 2026' or '2026-12-04'. ValueError if not."""
    text = " ".join(text.strip().split())
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date")


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 plan', '3 plans'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# The Jinja2 filters every environment registers (reports/templating.py, web/deps.py):
# {{ cycle.due_date | day }}, {{ entry.at | moment }}, {{ plan.phase | label("phase") }}, {{ sp.stratum | stratum }}.
FILTERS = {"day": day, "short_day": short_day, "month": month, "moment": moment, "short_moment": short_moment,
           "label": label, "stratum": stratum_label}
