"""Prefect's local mode, set up so it never reaches the network and keeps its state in the project's data folder."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audit.settings import Settings

log = logging.getLogger(__name__)


def configure_local_prefect(settings: Settings) -> str | None:
    """Set Prefect's environment before it is imported; values already set by the user win.

    Returns the Prefect API the flows will use: PREFECT_API_URL as the user set it, else the background server
    `ehcp-audit prefect server start` keeps running for this data folder (flows.local_server), now set as
    PREFECT_API_URL; None when there is neither, and Prefect's local mode starts a temporary server per process.
    """
    home = Path(settings.data_dir).resolve() / "prefect"
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # The temporary server takes 17-20 s to start on a fresh database here; Prefect's default is 20 s.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # A PREFECT_HOME set by the user (the Makefile sets one) may not exist yet on a fresh clone; Prefect's
    # temporary server then cannot open its database and start-up times out.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    if not os.environ.get("PREFECT_API_URL"):
        from flows.local_server import running_server

        server = running_server(Path(os.environ["PREFECT_HOME"]).expanduser())
        if server is not None:
            os.environ["PREFECT_API_URL"] = server.url
    return os.environ.get("PREFECT_API_URL") or None


def warm_runner_home(api: str | None) -> Path | None:
    """Prefect's home when the flows go to the local server started by `ehcp-audit prefect server start`
    (whose warm runner can run them: flows.warm_runner), else None."""
    from flows.local_server import running_server

    home = Path(os.environ.get("PREFECT_HOME", "")).expanduser()
    server = running_server(home) if api and home.name else None
    return home if server is not None and server.url == api and server.runner_pid else None


@contextmanager
def quick_flow_runs() -> Iterator[None]:
    """Flow runs started inside the block end as soon as their work does.

    Prefect 3.9 sends a flow run heartbeat from a thread that sleeps in one-second steps, and joins that thread
    when the run ends: every run waited up to a second for nothing (a tenth of a cold `cycle run` on the demo
    area). Heartbeats let an automation mark a run whose process died as crashed; a command run by hand ends
    with its process, so the commands that run a flow in their own process turn them off, unless the user set
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY. Deployments run by workers and `prefect serve` keep Prefect's default.
    """
    if os.environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY"):
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def flow_settings(base: Settings, database_url: str | None, data_dir: str | None) -> Settings:
    """`base` with a flow run's overrides, validated (model_copy(update=...) would leave paths as strings)."""
    overrides = {k: v for k, v in {"database_url": database_url, "data_dir": data_dir}.items() if v}
    return Settings(**{**base.model_dump(), **overrides}) if overrides else base


def store_settings(base: Settings, database_url: str | None, data_dir: str | None) -> Settings:
    """A worker flow's settings, its store checked first: a flow run started without its environment fails,
    saying which setting to set, instead of making an empty SQLite store and ending "Completed" having done
    nothing (audit.store.db.require_store)."""
    from audit.store.db import require_store

    settings = flow_settings(base, database_url, data_dir)
    require_store(settings)
    return settings


def request_deployment_run(name: str, parameters: dict) -> str:
    """Ask the Prefect server to run a deployment ("flow/deployment") and return at once with the run's id."""
    from prefect.deployments import run_deployment

    return str(run_deployment(name, parameters=parameters, timeout=0).id)


@contextmanager
def shared_prefect_server(settings: Settings) -> Iterator[str | None]:
    """One temporary Prefect server for a long-running process and every process it starts, stopped on exit.

    `ehcp-audit serve` runs the cycle flow in its web processes. Left to itself, Prefect's local mode starts a
    temporary server (~230 MB) in each process that runs a flow, and a web worker stopped by SIGTERM dies
    without stopping it, so every worker's server outlived `serve`. Instead the serving process starts one
    here (on a free loopback port, in the background so serving starts at once) and points every process at
    it through PREFECT_API_URL, which the workers inherit; the flows wait for it (`wait_for_prefect_api`). On
    leaving the block the server is stopped, whatever stopped the process.

    Yields the server's API address, or None when there is nothing to start: a Prefect server is configured
    (PREFECT_API_URL) or running in the background (`ehcp-audit prefect server start`), or flows run on Prefect
    workers (EHCP_AUDIT_FLOW_TRIGGER=deployment).
    """
    if settings.flow_trigger == "deployment" or configure_local_prefect(settings):
        yield None  # flows run on workers, or on the configured or background server (flows.local_server)
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_API_URL"] = url  # before Prefect is imported here, and before any worker starts
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer(port=port)

    def start() -> None:
        try:
            server.start()
        except Exception:  # the flows say so when they cannot reach it
            log.exception("Prefect's local server did not start on %s", url)

    starter = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    starter.start()
    try:
        yield url
    finally:
        # Stop it only once it has started (or given up): stopping mid-start could leave the process behind.
        starter.join(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")) + 10)
        server.stop()
        if os.environ.get("PREFECT_API_URL") == url:
            del os.environ["PREFECT_API_URL"]


def wait_for_prefect_api(timeout: float | None = None) -> None:
    """Wait until the Prefect server in PREFECT_API_URL answers (one `shared_prefect_server` may still be
    starting when the first flow is triggered); returns at once when none is configured."""
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return
    import httpx

    limit = timeout if timeout is not None else float(
        os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
    deadline = time.monotonic() + limit
    while True:
        try:
            if httpx.get(f"{url.rstrip('/')}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"The Prefect server at {url} did not answer within {limit:.0f} s")
        time.sleep(0.25)
