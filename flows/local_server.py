"""One local Prefect server kept running in the background, used by every later flow command (issue 16).

Without a configured server (PREFECT_API_URL), Prefect's local mode starts a temporary server inside each
process that runs a flow, and stops it at exit: 6-20 s before every `ehcp-audit cycle run`. Instead,
`ehcp-audit prefect server start` starts `prefect server start` once, detached from the terminal, on loopback
with its home (database, log) in Prefect's home under the data folder, and records where it listens in
`<PREFECT_HOME>/local-server.json`. `flows.runtime.configure_local_prefect` reads that record: while the server
is up, every flow command (and `ehcp-audit serve`) points PREFECT_API_URL at it. Beside it runs the warm flow
runner (flows.warm_runner), which runs `cycle run`'s flow without the command importing Prefect. `stop` ends
both; `status` says whether they run. A PREFECT_API_URL set by the user always wins: nothing here reads or starts
anything then.

Only the standard library (and the product's clock) is imported here, so reading the record costs a command
nothing.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from audit import clock

RECORD = "local-server.json"
LOG = "local-server.log"
RUNNER_SOCKET = "warm-runner.sock"  # where the warm flow runner (flows.warm_runner) listens
RUNNER_READY = "warm-runner.json"  # written by the runner once it listens: its pid and code fingerprint
HOST = "127.0.0.1"  # loopback only: the server has no authentication


@dataclass(frozen=True)
class LocalServer:
    pid: int
    port: int
    url: str  # the API address, http://127.0.0.1:PORT/api
    home: str
    started_at: str
    runner_pid: int | None = None  # the warm flow runner beside it (flows.warm_runner), when it started


def record_path(home: Path) -> Path:
    return Path(home) / RECORD


def running_server(home: Path) -> LocalServer | None:
    """The server recorded in `home` if its process is alive and its port accepts connections, else None.

    Cheap (no HTTP client): a signal-0 check and one loopback connect."""
    try:
        server = LocalServer(**json.loads(record_path(home).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if not _alive(server.pid) or not _listening(server.port):
        return None
    return server


def start(home: Path, port: int = 0, timeout: float = 120.0, python: str = sys.executable) -> tuple[LocalServer, bool]:
    """Start the background server for `home` unless one runs; returns it and whether it was started now."""
    home = Path(home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    existing = running_server(home)
    if existing is not None:
        return existing, False
    port = port or _free_port()
    env = {"PREFECT_LOGGING_LEVEL": "WARNING", **os.environ, "PREFECT_HOME": str(home),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_SERVER_API_HOST": HOST,
           "PREFECT_SERVER_API_PORT": str(port)}
    env.pop("PREFECT_API_URL", None)  # the server is the API; it does not talk to another one
    with open(home / LOG, "ab") as log:
        # A session of its own: the terminal's Ctrl+C and the command's exit leave it running; `stop` ends the group.
        process = subprocess.Popen(
            [python, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port), "--no-ui"],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd=home)
    server = LocalServer(process.pid, port, f"http://{HOST}:{port}/api", str(home),
                         clock.now().isoformat(timespec="seconds"))
    deadline = time.monotonic() + timeout
    while not _healthy(port):
        if process.poll() is not None or time.monotonic() > deadline:
            _end(process.pid)
            raise RuntimeError(f"Prefect's server did not start within {timeout:.0f} s; see {home / LOG}:\n"
                               + _tail(home / LOG))
        time.sleep(0.25)
    server = LocalServer(**{**asdict(server), "runner_pid": _start_runner(home, server, env, python, deadline)})
    tmp = record_path(home).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(server), indent=2) + "\n", encoding="utf-8")
    tmp.replace(record_path(home))
    return server, True


def _start_runner(home: Path, server: LocalServer, env: dict, python: str, deadline: float) -> int | None:
    """Start the warm flow runner (flows.warm_runner) against the server; its pid once it is ready, or None
    (the flow commands then import Prefect themselves, as without it)."""
    (home / RUNNER_READY).unlink(missing_ok=True)
    with open(home / LOG, "ab") as log:
        process = subprocess.Popen([python, "-m", "flows.warm_runner", str(home)],
                                   env={**env, "PREFECT_API_URL": server.url}, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, start_new_session=True)
    while not (home / RUNNER_READY).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            _end(process.pid)
            return None
        time.sleep(0.1)
    return process.pid


def stop(home: Path, timeout: float = 20.0) -> LocalServer | None:
    """Stop the recorded server (its whole process group) and remove the record; returns what was stopped."""
    path = record_path(home)
    try:
        server = LocalServer(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if server.runner_pid and _alive(server.runner_pid):
        _end(server.runner_pid, timeout)
    stopped = server if _alive(server.pid) else None
    if stopped is not None:
        _end(server.pid, timeout)
    for name in (RUNNER_READY, RUNNER_SOCKET):
        (Path(home) / name).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    return stopped


def _end(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM to the server's process group (it started it), then SIGKILL if it has not gone in `timeout`."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # our own child (tests, `start` then `stop` in one process)
        if finished:
            return False
    except ChildProcessError:  # not our child (started by another process): ask the kernel below instead
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
