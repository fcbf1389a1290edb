"""One transaction per flow step, and the crash points the crash-safety test kills the process at.

Every step of a flow writes through `step_transaction`: all of the step's writes commit together or not at all,
so a process killed anywhere leaves the store as it was after some whole number of steps, and rerunning the
flow (each step adds only what is missing) finishes the work. The crash points are fault injection for
tests/features/production: with EHCP_AUDIT_TEST_CRASH_AT=<step>:<moment>[:<n>] the process SIGKILLs itself the
n-th time (default the first) it reaches that moment of that step. Moments: `before-commit` (every write
flushed, none committed) and `after-commit`. Unset, as in production, they do nothing.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction

CRASH_VAR = "EHCP_AUDIT_TEST_CRASH_AT"
_reached: Counter = Counter()


def crash_point(step: str, moment: str) -> None:
    """Kill this process (SIGKILL: no cleanup, no `finally`) if the crash-safety test asked for this point."""
    wanted = os.environ.get(CRASH_VAR)
    if not wanted:
        return
    _reached[(step, moment)] += 1
    name, when, *nth = wanted.split(":")
    if name == step and when == moment and _reached[(step, moment)] == int(nth[0] if nth else 1):
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def step_transaction(settings: Settings, step: str) -> Iterator[Session]:
    """The step's one transaction, with a crash point just before and just after it commits."""
    with transaction(engine_from_settings(settings)) as session:
        yield session
        session.flush()
        crash_point(step, "before-commit")
    crash_point(step, "after-commit")
