"""Who is acting: the name every audit-trail entry records (web:USER, api:USER, cli:OS-USER, flow:NAME or system),
held in a context variable so each request, command and flow run carries its own."""

from __future__ import annotations

import functools
import getpass
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

ACTOR: ContextVar[str] = ContextVar("ehcp_audit_actor", default="system")


def current_actor() -> str:
    """The actor recorded on entries written now: web:USER, api:USER, cli:OS-USER, flow:NAME or system."""
    return ACTOR.get()


def set_actor(actor: str) -> Token:
    """Set the actor for the rest of this context (a request); returns the token to reset it."""
    return ACTOR.set(actor)


@contextmanager
def acting_as(actor: str) -> Iterator[str]:
    """Record everything written inside the block as done by `actor`."""
    token = ACTOR.set(actor)
    try:
        yield actor
    finally:
        ACTOR.reset(token)


def as_actor(actor: str) -> Callable:
    """Decorator form of `acting_as`, for flows: `@as_actor("flow:audit-cycle")` under `@flow`."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with acting_as(actor):
                return fn(*args, **kwargs)

        # Prefect reads the parameters' types from the signature and resolves string annotations (from
        # `from __future__ import annotations`) in the *wrapper's* module, which does not import the flow's
        # types (`date`): give the wrapper the flow's signature with its annotations already resolved.
        run.__signature__ = inspect.signature(fn, eval_str=True)
        return run

    return wrap


def cli_actor() -> str:
    """The operator running the CLI, by their operating-system account."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in a bare container
        name = "unknown"
    return f"cli:{name}"
