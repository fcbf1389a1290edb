"""Benchmark 7: the board's results page, `/results/{id}`, on the demo-size store, through the real server.

The benchmark starts `ehcp-audit serve --workers 2` on loopback over a copy of a demo-size store (600 plans, a
scored 40-plan cycle, the demo accounts), signs in as the board member and asks for the cycle's results page
one request at a time, as a reader clicks. Measured: the latency of each view while the data is unchanged, when
the board summary is the one worked out for the current data (reports.cache), in either server process.
Reference, in the same run and in turn with them: after each round of views the cycle is renamed through the
store (a real change to a table the summary reads, recorded in the audit trail), and the next view is timed:
the summary is worked out again for it, which is exactly the work every view did before the cache. The page
shows the new name each time (checked), so no view is served from data older than the store's.

    .venv/bin/python -m bench.results_page [--rounds 20] [--views 10] [--workers 2]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.harness import ROOT, Figure, command_line, free_port, parser, record
from bench.stores import area_store

TARGET_P95_MS = 30.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=600, sample=40, rounds=20, views=10, workers=2,
                  repeat=1).parse_args(argv)
    store = area_store(args.tmp, n_plans=args.plans, sample_size=args.sample, cycles=1, area_code="DEMO")
    work = Path(args.tmp) / "results-page"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(store.path, work / "store.db")
    url = f"sqlite:///{work / 'store.db'}"
    password = _demo_accounts(url, store.area_code)
    port = free_port()
    env = {**os.environ, "EHCP_AUDIT_DATABASE_URL": url, "EHCP_AUDIT_DATA_DIR": str(work / "data"),
           "EHCP_AUDIT_AREA_CODE": store.area_code, "EHCP_AUDIT_SECRET_KEY": "bench-secret-key-not-for-production",
           "EHCP_AUDIT_FLOW_TRIGGER": "deployment"}  # no flow runs here: serve starts no Prefect server
    log = (work / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "ehcp_audit_cli.main", "serve", "--host", "127.0.0.1", "--port",
                               str(port), "--workers", str(args.workers)], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server, work / "server.log")
        cached, changed = _views(f"http://127.0.0.1:{port}", store.latest, url, password, args.rounds, args.views)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    figures = [
        Figure(f"/results/{{id}} 95th percentile, data unchanged ({len(cached)} views)", value=_p95(cached), unit="ms",
               target_value=TARGET_P95_MS, note="the summary worked out for the current data, in either process"),
        Figure("/results/{id} median, data unchanged", value=round(statistics.median(cached), 1), unit="ms"),
        Figure(f"reference: first view after a change, median ({len(changed)} views)",
               value=round(statistics.median(changed), 1), unit="ms",
               note="the summary worked out for the view: exactly the work every view did before the cache"),
        Figure("reference: first view after a change, 95th percentile", value=_p95(changed), unit="ms"),
    ]
    record("results_page", command_line("bench.results_page", argv), figures, args.out,
           details={"store": f"{args.plans} plans, one scored cycle of {args.sample}, the demo accounts",
                    "server": f"ehcp-audit serve --workers {args.workers} (uvicorn) on loopback, SQLite (WAL)",
                    "views": f"{args.rounds} rounds of {args.views} views and a change, one request at a time"})
    return 0


def _demo_accounts(url: str, area_code: str) -> str:
    from audit.cycle.lifecycle import get_area
    from audit.protection.users import DEMO_PASSWORD, ensure_demo_users
    from audit.settings import Settings
    from audit.store.db import engine_from_settings, forget_engine, transaction

    settings = Settings(database_url=url, area_code=area_code)
    with transaction(engine_from_settings(settings)) as session:
        ensure_demo_users(session, get_area(session, area_code))
    forget_engine(url)
    return DEMO_PASSWORD


def _rename(url: str, cycle_id: int, name: str) -> None:
    """A change to the store as any user's would be: through a session, recorded in the audit trail."""
    from audit.settings import Settings
    from audit.store.db import engine_from_settings, transaction
    from audit.store.models import Cycle

    with transaction(engine_from_settings(Settings(database_url=url))) as session:
        session.get(Cycle, cycle_id).name = name


def _views(base: str, cycle_id: int, url: str, password: str, rounds: int, views: int) -> tuple[list[float], list[float]]:
    cached, changed = [], []
    with httpx.Client(base_url=base, timeout=60) as client:
        token = CSRF.search(client.get("/sign-in").text).group(1)
        signed = client.post("/sign-in", data={"username": "demo-board-member", "password": password,
                                               "csrf_token": token})
        if signed.status_code != 303:
            raise RuntimeError(f"sign-in failed: {signed.status_code}")
        for _ in range(4):  # each process works out the summary once, as the first reader after start-up would
            _get(client, cycle_id)
        for round_ in range(rounds):
            for _ in range(views):
                cached.append(_get(client, cycle_id)[0])
            name = f"Benchmark cycle, renamed {round_ + 1}"
            _rename(url, cycle_id, name)
            elapsed, page = _get(client, cycle_id)
            if name not in page:
                raise AssertionError("the page did not show the change made just before it")
            changed.append(elapsed)
    return sorted(cached), sorted(changed)


def _get(client: httpx.Client, cycle_id: int) -> tuple[float, str]:
    start = time.perf_counter()
    response = client.get(f"/results/{cycle_id}")
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"/results/{cycle_id} answered {response.status_code}")
    return elapsed, response.text


def _p95(ms: list[float]) -> float:
    return round(statistics.quantiles(ms, n=20)[-1] if len(ms) >= 20 else max(ms), 1)


def _wait_for(port: int, server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    import socket

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


if __name__ == "__main__":
    sys.exit(main())
