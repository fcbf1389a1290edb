"""What every command shares: settings, the store, and turning domain errors into sentences."""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from datetime import date, datetime
from typing import Callable, Iterator

import typer
from rich.console import Console
from sqlmodel import Session

from audit.db import engine_from_settings, transaction
from audit.errors import AuditError, InputRejected
from audit.settings import Settings, get_settings
from audit.trail import acting_as, cli_actor

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


@contextmanager
def store() -> Iterator[Session]:
    """One unit of work; the audit trail records its changes as done by the operator (cli:<OS user>)."""
    with acting_as(cli_actor()), transaction(engine_from_settings(settings())) as session:
        yield session


def friendly(fn: Callable) -> Callable:
    """Print a user's error as sentences and exit 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputRejected as exc:
            err_console.print(f"[bold red]Error:[/] {exc.summary()}", highlight=False, soft_wrap=True)
            sys.exit(1)
        except AuditError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(1)

    return wrapper


def parse_date(text: str | None, what: str = "date") -> date | None:
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"'{text}' is not a {what}; use YYYY-MM-DD or DD/MM/YYYY")
