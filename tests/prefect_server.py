"""A real Prefect server for the tests that run flows in other processes (crash safety, schedules).

`prefect server start` on a free loopback port, its own PREFECT_HOME, and on the PostgreSQL pass its own
database on the test cluster (postgresql+asyncpg). Started once per xdist worker that needs it, stopped at
the end. `flow_env` is the environment a subprocess needs to run flows against it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.databases import _new_name, _run_admin, database_url, on_postgresql
from tests.smtp_server import free_port

BIN = Path(sys.executable).parent
QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING",
         "PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false"}


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"prefect server did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """The API URL of a Prefect server started for this worker (PostgreSQL-backed on the PostgreSQL pass)."""
    home = tmp_path_factory.mktemp("prefect-server")
    # The scheduler looks for deployments to schedule every 2 s instead of 60 s (the schedule test waits on it).
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home), "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
    env.pop("PREFECT_API_URL", None)
    if on_postgresql():
        name = _new_name("prefect")
        _run_admin(f'CREATE DATABASE "{name}"')
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = make_url(database_url(name)).set(
            drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    port = free_port()
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
                                    "--no-ui"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen, seconds: float = 30) -> None:
    """Stop a process we started, and its children (it leads its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def flow_env(api_url: str, settings, **extra: str) -> dict[str, str]:
    """The environment for a subprocess that runs flows against `api_url` on `settings`' store."""
    env = {**os.environ, **QUIET, "PREFECT_API_URL": api_url, "EHCP_AUDIT_DATABASE_URL": settings.resolved_database_url,
           "EHCP_AUDIT_DATA_DIR": str(settings.data_dir), "EHCP_AUDIT_RUBRICS_DIR": str(settings.rubrics_dir),
           "EHCP_AUDIT_AREA_CODE": settings.area_code, "PREFECT_HOME": str(Path(settings.data_dir) / "prefect-client")}
    env.pop("EHCP_AUDIT_TEST_CRASH_AT", None)
    env.update(extra)
    return env
