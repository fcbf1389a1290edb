"""What every command shares: settings, the store, the permission check, and domain errors as sentences.

Who a command acts as: the CLI is an operator's tool, run on the server by someone who can read the
database anyway, so by default it acts as the operator and the matrix is not applied. With `--as-user NAME`
(or EHCP_AUDIT_AS_USER) a command takes that account's role and `needs` applies the same permission matrix
as the pages and the API (audit.protection.permissions): a way to run scheduled or delegated jobs with least privilege,
not a way to authenticate (docs/security.md, "The command line").
"""

from __future__ import annotations

import atexit
import functools
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from audit.errors import AuditError, InputRejected
from audit.protection.permissions import Permission, require, results_service
from audit.store.actor import acting_as, cli_actor

if TYPE_CHECKING:
    from sqlmodel import Session

    from audit.settings import Settings

# Only Typer, Rich and the foundation are imported here: `ehcp-audit --help` and every command load the rest
# (the store, pandas, Prefect...) inside the command that uses it (tests/unit/test_cli_imports.py keeps it so).

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    from audit.settings import get_settings

    return get_settings()


@contextmanager
def store() -> Iterator[Session]:
    """One unit of work; the audit trail records its changes as done by the operator (cli:<OS user>)."""
    from audit.store.db import engine_from_settings, require_store, transaction

    s = settings()
    # In production a command never makes a new empty store: it says which setting to set (docs/operations.md).
    engine = require_store(s) if s.production else engine_from_settings(s)
    with acting_as(cli_actor()), transaction(engine) as session:
        yield session


_acting: dict[str, str | None] = {"user": None}  # set by the root command's --as-user


def skip_collection_at_exit() -> None:
    """When the process exits, leave the objects the command made to the operating system (issue 16).

    Python's shutdown collects the whole heap: after a command that loaded a cycle's results, pandas, SQLAlchemy
    and Prefect, that took 0.5-1 s once the work was done and the output written. `gc.freeze` as the last exit
    handler takes them out of the collector's reach. Nothing is lost: output is flushed and transactions are
    committed by then, and other exit handlers (Prefect's logs and events) run before it.
    """
    if not _exit_registered:
        _exit_registered.append(True)
        atexit.register(gc.freeze)  # early: exit handlers registered later (Prefect's flushing) run before it


_exit_registered: list[bool] = []


def act_as(username: str | None) -> None:
    """Record the account later commands act as (None: the operator)."""
    _acting["user"] = username.strip().lower() if username else None


def acting_user() -> str | None:
    return _acting["user"]


def results_scope() -> str | None:
    """The one service whose results the acting account may see; None for the operator and unscoped roles."""
    username = acting_user()
    if username is None:
        return None
    from audit.protection.users import get_user

    with store() as session:
        user = get_user(session, username)
        return results_service(user.role, user.service)


def needs(permission: Permission) -> Callable:
    """Declare the permission a command needs and, when it acts as an account, check it (the one matrix)."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            username = acting_user()
            if username is not None:
                from audit.protection.users import get_user

                with store() as session:
                    user = get_user(session, username)
                    if not user.active:
                        raise AuditError(f"The account '{username}' is switched off.")
                    require(user.role, permission)
            return fn(*args, **kwargs)

        wrapper.permission = permission  # read by the test that walks every command against the matrix
        return wrapper

    return decorate


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


def write_out(text: str, out) -> None:
    """Write a report to the file `out` (its folder made), or to standard output when no file is given."""
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {out}")
    else:
        sys.stdout.write(text)
