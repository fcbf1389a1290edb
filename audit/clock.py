"""The product's one clock: every "today" and "now" in ehcp-audit is read here.

Why one clock: audit cycles have due dates, statutory clocks run in days, sessions expire. A test that
reads the machine's real date passes on the day it was written and fails months later. Tests set this
clock instead, and `make test` runs its SQLite pass with the clock moved years ahead to prove it.

How it is set, in order of precedence:
- in a process, `freeze(moment)` (a context manager; tests use it through the `clock` fixture);
- for every process of a run (CLI subprocesses, web workers, Prefect flow runs), the environment:
  `EHCP_AUDIT_CLOCK_AT=2031-03-14T09:30:00+00:00` stops the clock at that moment (a date alone means
  09:00 UTC that day), `EHCP_AUDIT_CLOCK_SHIFT_DAYS=1826` runs the real clock that many whole days
  ahead (negative goes back). Whole days keep every process of a run on the same date, whenever it
  started, and leave time of day, so session expiry and throttling still see time pass.

The environment is read on every call (it is cheap): a test that sets a variable for a subprocess
sees the same clock in its own process. Settings never cache it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

AT_VARIABLE = "EHCP_AUDIT_CLOCK_AT"
SHIFT_VARIABLE = "EHCP_AUDIT_CLOCK_SHIFT_DAYS"

_frozen: list[datetime] = []


class ClockSettingError(ValueError):
    """The clock's environment variable cannot be read; says which variable and what it takes."""


def _as_utc(moment: datetime | date) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(9, 0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_environment(real: datetime) -> datetime:
    at = os.environ.get(AT_VARIABLE, "").strip()
    if at:
        try:
            return _as_utc(datetime.fromisoformat(at))
        except ValueError:
            raise ClockSettingError(
                f"{AT_VARIABLE}={at!r} is not a date or an ISO date and time; write e.g. 2031-03-14 or "
                f"2031-03-14T09:30:00+00:00, or unset it to use the real clock.") from None
    shift = os.environ.get(SHIFT_VARIABLE, "").strip()
    if shift:
        try:
            return real + timedelta(days=int(shift))
        except ValueError:
            raise ClockSettingError(
                f"{SHIFT_VARIABLE}={shift!r} is not a whole number of days; write e.g. 1826, or unset it.") from None
    return real


def now() -> datetime:
    """The current moment, timezone-aware UTC, as the product sees it."""
    if _frozen:
        return _frozen[-1]
    return _from_environment(datetime.now(UTC))


def today() -> date:
    """Today's date as the product sees it (UTC; UK dates differ from UTC only in the small hours)."""
    return now().date()


def is_set() -> bool:
    """True when a test or the environment has moved the clock off the real time."""
    return bool(_frozen or os.environ.get(AT_VARIABLE, "").strip() or os.environ.get(SHIFT_VARIABLE, "").strip())


@contextmanager
def freeze(moment: datetime | date) -> Iterator[datetime]:
    """Stop the clock at `moment` inside the block (this process only); a date means 09:00 UTC."""
    frozen = _as_utc(moment)
    _frozen.append(frozen)
    try:
        yield frozen
    finally:
        _frozen.pop()


def environment_for(moment: datetime | date) -> dict[str, str]:
    """The variables that stop every child process's clock at `moment` (for subprocesses in tests)."""
    return {AT_VARIABLE: _as_utc(moment).isoformat()}
