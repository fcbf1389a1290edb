"""The flow commands reuse a Prefect server instead of starting one each time (issue 16): the one configured in
PREFECT_API_URL, else the one `ehcp-audit prefect server start` keeps running for the data folder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from datetime import timedelta

import pytest

from audit.settings import Settings
from flows import local_server, runtime
from tests.factories import ROOT


@pytest.fixture
def prefect_env(tmp_path, monkeypatch):
    """A data folder of its own and no Prefect server configured."""
    for name in ("PREFECT_API_URL", "PREFECT_HOME"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    yield settings, (tmp_path / "data" / "prefect").resolve()
    os.environ.pop("PREFECT_API_URL", None)  # configure_local_prefect may have set it for this process


@pytest.fixture
def listener():
    """Something listening on a loopback port, standing in for a running server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def write_record(home, pid: int, port: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / local_server.RECORD).write_text(json.dumps({
        "pid": pid, "port": port, "url": f"http://127.0.0.1:{port}/api", "home": str(home), "started_at": "x"}))


def test_without_a_server_flows_use_prefects_temporary_one(prefect_env):
    settings, _ = prefect_env
    assert runtime.configure_local_prefect(settings) is None and "PREFECT_API_URL" not in os.environ


def test_a_running_local_server_is_used_by_later_commands(prefect_env, listener):
    settings, home = prefect_env
    write_record(home, os.getpid(), listener)
    url = f"http://127.0.0.1:{listener}/api"
    assert runtime.configure_local_prefect(settings) == url and os.environ["PREFECT_API_URL"] == url
    with runtime.shared_prefect_server(settings) as started:
        assert started is None, "`serve` uses it too, rather than starting a server of its own"


def test_a_record_left_by_a_server_that_stopped_is_ignored(prefect_env, listener):
    settings, home = prefect_env
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        free = closed.getsockname()[1]
    write_record(home, os.getpid(), free)  # alive process, nothing listening
    assert runtime.configure_local_prefect(settings) is None
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    write_record(home, int(dead.stdout), listener)  # listening port, but the recorded process has gone
    assert runtime.configure_local_prefect(settings) is None
    assert local_server.stop(home) is None and not (home / local_server.RECORD).exists()


def test_a_configured_server_wins(prefect_env, listener, monkeypatch):
    settings, home = prefect_env
    write_record(home, os.getpid(), listener)
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.internal:4200/api")
    assert runtime.configure_local_prefect(settings) == "http://prefect.internal:4200/api"


def test_quick_flow_runs_turn_heartbeats_off_unless_the_user_set_them(monkeypatch):
    from prefect.settings import get_current_settings

    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", raising=False)
    with runtime.quick_flow_runs():
        assert get_current_settings().flows.heartbeat_frequency is None
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
    with runtime.quick_flow_runs():
        assert get_current_settings().flows.heartbeat_frequency is not None  # left as the user set it


FLOW_IN_A_NEW_PROCESS = """
import json, os, sys
from audit.settings import Settings
from flows.runtime import configure_local_prefect, quick_flow_runs
api = configure_local_prefect(Settings(data_dir=sys.argv[1]))
from prefect import flow

@flow(name="reuse-check")
def hello() -> str:
    return "hello"

with quick_flow_runs():
    print(json.dumps({"api": api, "result": hello()}))
"""

CYCLE_RUN = """
import json, sys
from ehcp_audit_cli.main import app
try:
    app(["cycle", "run", sys.argv[1], "--simulate-auditors", "--finalise"], prog_name="ehcp-audit")
except SystemExit as end:
    assert not end.code, end.code
print(json.dumps({"imported_prefect": "prefect" in sys.modules}))
"""


def cycle_run(env: dict, cycle_id: int) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", CYCLE_RUN, str(cycle_id)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout


def flow_runs(url: str) -> int:
    request = urllib.request.Request(f"{url}/flow_runs/filter", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return len(json.loads(response.read()))


@pytest.mark.slow
def test_the_cli_starts_one_background_server_that_later_commands_run_their_flows_on(tmp_path):
    from audit import clock
    from tests.factories import synthetic_cycle

    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'store.db'}"
    cycle_id = synthetic_cycle(Settings(data_dir=data, database_url=url, rubrics_dir=ROOT / "rubrics"), tmp_path,
                               n_plans=60, sample_size=4, due=clock.today() + timedelta(days=14), today=clock.today())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(ROOT), EHCP_AUDIT_DATA_DIR=str(data), EHCP_AUDIT_DATABASE_URL=url,
               EHCP_AUDIT_RUBRICS_DIR=str(ROOT / "rubrics"), PREFECT_LOGGING_LEVEL="WARNING")
    cli = [sys.executable, "-c", "from ehcp_audit_cli.main import app; app()", "prefect", "server"]
    home = (data / "prefect").resolve()
    try:
        started = subprocess.run([*cli, "start"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert started.returncode == 0 and "Started Prefect's server" in started.stdout, started.stdout + started.stderr
        again = subprocess.run([*cli, "start"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert "Already running" in again.stdout, "one server per data folder"
        server = local_server.running_server(home)
        assert server is not None and server.url.startswith("http://127.0.0.1:") and server.runner_pid

        done = subprocess.run([sys.executable, "-c", FLOW_IN_A_NEW_PROCESS, str(data)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.strip().splitlines()[-1]) == {"api": server.url, "result": "hello"}
        assert flow_runs(server.url) == 1, "the run was recorded by that server"

        # `cycle run` hands its flow to the warm runner: the command itself never imports Prefect.
        outcome, shown = cycle_run(env, cycle_id)
        assert outcome == {"imported_prefect": False} and f"Cycle {cycle_id} is" in shown and "plans graded" in shown
        assert flow_runs(server.url) == 2

        # Code changed since the runner started: the command runs the flow itself, and says why.
        ready = home / "warm-runner.json"
        ready.write_text(json.dumps({**json.loads(ready.read_text()), "fingerprint": "older code"}))
        outcome, shown = cycle_run(env, cycle_id)
        assert outcome == {"imported_prefect": True} and "started before the code changed" in shown
        assert flow_runs(server.url) == 3, "on the same server"

        status = subprocess.run([*cli, "status"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert status.returncode == 0 and server.url in status.stdout and "warm flow runner" in status.stdout
    finally:
        stopped = subprocess.run([*cli, "stop"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "Stopped Prefect's server" in stopped.stdout, stopped.stdout + stopped.stderr
    assert local_server.running_server(home) is None and not (home / "warm-runner.sock").exists()
    status = subprocess.run([*cli, "status"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert status.returncode == 3 and "No local Prefect server" in status.stdout
