"""Stopping `ehcp-audit serve` stops every process it started (issue 15): its web workers ran the cycle flow
with a temporary Prefect server each (~230 MB), which outlived `serve` after a SIGTERM. Now `serve` starts one
Prefect server for all its processes and stops it on the way out."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from audit import clock
from audit.cycle.lifecycle import get_area, get_cycle, open_cycle
from audit.protection.users import DEMO_PASSWORD, ensure_demo_users
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import PlanResult
from tests.factories import ROOT, synthetic_cycle
from tests.prefect_server import BIN, QUIET
from tests.smtp_server import free_port

pytestmark = pytest.mark.slow
FLOW_SECONDS = 240


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time in clock ticks), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, by pid, with its start time (so a reused pid is not mistaken for it)."""
    table = _process_table()
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent and child not in found:
                found[child] = started
                todo.append(child)
    return found


def still_running(processes: dict[int, str]) -> list[str]:
    table = _process_table()
    alive = []
    for pid, started in processes.items():
        if pid in table and table[pid][1] == started:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:160]
            except OSError:
                continue
            if state != "Z":  # a zombie has ended; only its parent has not read its status yet
                alive.append(f"{pid}: {command}")
    return alive


@pytest.fixture
def store(tmp_path, database_url):
    """A synthetic area with an open cycle and one demo account per role."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=120, sample_size=4, today=clock.today(),
                               due=clock.today() + timedelta(days=21))
    with transaction(engine_from_settings(settings)) as session:
        open_cycle(session, get_cycle(session, cycle_id))
    with transaction(engine_from_settings(settings)) as session:
        ensure_demo_users(session, get_area(session, settings.area_code))
    return settings, cycle_id


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("workers", [2, 1])
def test_sigterm_stops_serve_its_workers_and_the_prefect_server_their_flows_used(store, tmp_path, workers):
    settings, cycle_id = store
    port = free_port()
    env = {**os.environ, **QUIET, "EHCP_AUDIT_DATABASE_URL": settings.resolved_database_url,
           "EHCP_AUDIT_DATA_DIR": str(settings.data_dir), "EHCP_AUDIT_RUBRICS_DIR": str(ROOT / "rubrics"),
           "PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)
    env.pop("EHCP_AUDIT_AS_USER", None)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen([str(BIN / "ehcp-audit"), "serve", "--port", str(port), "--workers", str(workers)],
                                 env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    seen: dict[int, str] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    token = _csrf(client.get("/sign-in").text)
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline and serve.poll() is None, log.read_text()
                    time.sleep(0.3)
            signed_in = client.post("/sign-in", data={"username": "demo-qa-lead", "password": DEMO_PASSWORD,
                                                      "csrf_token": token})
            token = _csrf(client.get(signed_in.headers["location"]).text)
            # Closing the cycle starts the cycle flow in a web process: Prefect is used from there.
            assert client.post(f"/cycles/{cycle_id}/close", data={"csrf_token": token}).status_code == 303
        deadline = time.monotonic() + FLOW_SECONDS
        while True:
            seen.update(descendants(serve.pid))
            with Session(engine_from_settings(settings)) as session:
                if session.exec(select(PlanResult.id).where(PlanResult.cycle_id == cycle_id)).first():
                    break
            assert time.monotonic() < deadline, f"the cycle flow did not finish:\n{log.read_text()[-3000:]}"
            time.sleep(1)
        seen.update(descendants(serve.pid))
        assert any("prefect.server" in line for line in still_running(seen)), "a Prefect server served the flow"
        assert sum("prefect.server" in line for line in still_running(seen)) == 1, "one server for every process"

        serve.send_signal(signal.SIGTERM)
        serve.wait(90)
        deadline = time.monotonic() + 15  # a child may take a moment to end after its parent
        while still_running(seen) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert still_running(seen) == [], log.read_text()[-3000:]
    finally:
        leftovers = list(seen)
        if serve.poll() is None:
            leftovers.append(serve.pid)
        for pid in leftovers:  # only what this test started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if serve.poll() is None:
            serve.wait(10)
