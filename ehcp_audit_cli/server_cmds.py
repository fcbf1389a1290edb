"""`ehcp-audit prefect server start|stop|status`: one local Prefect server kept running for the flow commands.

Every command that runs a flow (`cycle run`, `cycle close`, `board-pack --send`, `chase run`, `regional`,
`demo`) and `serve` use it while it runs (flows.local_server); without it each starts a temporary server.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from audit.errors import AuditError
from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, friendly, needs, settings

server_app = typer.Typer(help="Keep one local Prefect server running in the background for the flow commands.",
                         no_args_is_help=True)


def _home() -> Path:
    """Prefect's home as the flow commands use it: PREFECT_HOME, or <data_dir>/prefect."""
    return Path(os.environ.get("PREFECT_HOME") or Path(settings().data_dir).resolve() / "prefect").expanduser()


def _configured() -> str | None:
    return os.environ.get("PREFECT_API_URL") or None


@server_app.command("start")
@friendly
@needs(Permission.operate_service)
def server_start(
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (default: a free one)."),
    timeout: float = typer.Option(120, "--timeout", help="Seconds to wait for it to answer."),
) -> None:
    """Start Prefect's server in the background (loopback only; its database and log in Prefect's home)."""
    from flows.local_server import start

    if _configured():
        raise AuditError(f"PREFECT_API_URL is set ({_configured()}): the flow commands use that server, not a local "
                         "one. Unset it to run flows on a local server.")
    with console.status("Starting Prefect's server (10-20 s the first time)..."):
        server, started = start(_home(), port=port, timeout=timeout)
    verb = "Started" if started else "Already running:"
    console.print(f"{verb} Prefect's server at {server.url} (process {server.pid}, home {server.home}). Flow commands "
                  "use it until 'ehcp-audit prefect server stop'.", highlight=False)


@server_app.command("stop")
@friendly
@needs(Permission.operate_service)
def server_stop() -> None:
    """Stop the background server started by 'prefect server start'."""
    from flows.local_server import stop

    server = stop(_home())
    if server is None:
        console.print(f"No local Prefect server was running for {_home()}.", highlight=False)
        return
    console.print(f"Stopped Prefect's server at {server.url} (process {server.pid}).", highlight=False)


@server_app.command("status")
@friendly
@needs(Permission.operate_service)
def server_status() -> None:
    """Which Prefect server the flow commands use: the configured one, the local one, or none (temporary)."""
    from flows.local_server import running_server

    if _configured():
        console.print(f"PREFECT_API_URL is set: flow commands use {_configured()}.", highlight=False)
        return
    server = running_server(_home())
    if server is None:
        console.print(f"No local Prefect server is running for {_home()}: each flow command starts a temporary "
                      "one (10-20 s). Start one: ehcp-audit prefect server start", highlight=False)
        raise typer.Exit(3)
    runner = f", its warm flow runner process {server.runner_pid}" if server.runner_pid else ""
    console.print(f"Prefect's server runs at {server.url} (process {server.pid}{runner}, since {server.started_at}, "
                  f"home {server.home}); flow commands use it.", highlight=False)
