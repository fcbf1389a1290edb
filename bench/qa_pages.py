"""Benchmark 8: the QA lead's main pages on an area of 5,000 plans with a cycle of 200 sampled plans, served.

The benchmark builds a synthetic store (bench.stores.area_store: 5,000 plans, two scored routine cycles of 200
sampled plans, the demo accounts), starts `ehcp-audit serve --workers 2` on loopback over a copy of it, signs in
as the QA lead and asks for each page one request at a time, in turn, round after round, as a person clicks:
the home page, the cycles list, the latest cycle's page (its 200 plans, filtered and paged in SQL), a plan
look-up (which records a "view" in the audit trail), the results list and the latest cycle's results.
Reference, in the same rounds: the sign-in page, which reads nothing from the store; what a page costs over it
is the page's own work. Target: every page's median under 0.5 s.

    .venv/bin/python -m bench.qa_pages [--plans 5000] [--sample 200] [--rounds 20] [--workers 2]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.harness import ROOT, Figure, Runs, command_line, free_port, parser, record
from bench.results_page import CSRF, _demo_accounts, _wait_for
from bench.stores import area_store

TARGET_SECONDS = 0.5
REFERENCE = "GET /sign-in (reads nothing from the store)"


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=5000, sample=200, cycles=2, rounds=20, workers=2,
                  repeat=1).parse_args(argv)
    store = area_store(args.tmp, n_plans=args.plans, sample_size=args.sample, cycles=args.cycles, area_code="DEMO")
    work = Path(args.tmp) / "qa-pages"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(store.path, work / "store.db")
    url = f"sqlite:///{work / 'store.db'}"
    password = _demo_accounts(url, store.area_code)
    pages = _pages(url, store.latest)
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
        times = _rounds(f"http://127.0.0.1:{port}", pages, password, args.rounds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    load = os.getloadavg()
    reference = Runs(times.pop("/sign-in"), load)
    figures = [Figure(f"{label} median", runs=Runs(seconds, load), reference=reference, reference_label=REFERENCE,
                      target_seconds=TARGET_SECONDS, note=f"95th percentile {_p95_ms(seconds)} ms")
               for label, seconds in times.items()]
    figures.append(Figure("reference: GET /sign-in median", value=round(reference.median * 1000, 1), unit="ms",
                          note=f"95th percentile {_p95_ms(reference.seconds)} ms"))
    record("qa_pages", command_line("bench.qa_pages", argv), figures, args.out,
           details={"store": f"{args.plans} plans, {args.cycles} scored routine cycles of {args.sample} sampled plans, "
                             "the demo accounts (synthetic)",
                    "server": f"ehcp-audit serve --workers {args.workers} (uvicorn) on loopback, SQLite (WAL)",
                    "views": f"{args.rounds} rounds; each round asks for every page once, in turn, signed in as "
                             "the QA lead (the sign-in page without signing in)",
                    "pages": ", ".join(pages.values())})
    return 0


def _pages(url: str, cycle_id: int) -> dict[str, str]:
    """Label -> address of each page timed; the plan looked up is one of the latest cycle's sample."""
    from sqlmodel import select

    from audit.settings import Settings
    from audit.store.db import engine_from_settings, forget_engine, transaction
    from audit.store.models import Plan, SampledPlan

    with transaction(engine_from_settings(Settings(database_url=url))) as session:
        ref = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                           .where(SampledPlan.cycle_id == cycle_id).order_by(Plan.plan_ref)).first()
    forget_engine(url)
    return {"home page /": "/", "cycles list /cycles": "/cycles", "cycle page /cycles/{id}": f"/cycles/{cycle_id}",
            "cycle page, second page of plans": f"/cycles/{cycle_id}?page=2",
            "plan look-up /plans/{ref}": f"/plans/{ref}", "results list /results": "/results",
            "cycle results /results/{id}": f"/results/{cycle_id}", "/sign-in": "/sign-in"}


def _rounds(base: str, pages: dict[str, str], password: str, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in pages}
    with httpx.Client(base_url=base, timeout=120) as client, httpx.Client(base_url=base, timeout=60) as stranger:
        token = CSRF.search(client.get("/sign-in").text).group(1)
        signed = client.post("/sign-in", data={"username": "demo-qa-lead", "password": password, "csrf_token": token})
        if signed.status_code != 303:
            raise RuntimeError(f"sign-in failed: {signed.status_code}")
        for _ in range(2):  # each server process opens its store and templates once, as after start-up
            for label, address in pages.items():
                _get(stranger if label == "/sign-in" else client, address)
        labels = list(pages)
        for round_ in range(rounds):  # in turn, the starting page rotating, so load that comes and goes hits all
            for label in labels[round_ % len(labels):] + labels[:round_ % len(labels)]:
                times[label].append(_get(stranger if label == "/sign-in" else client, pages[label]))
    return times


def _get(client: httpx.Client, address: str) -> float:
    start = time.perf_counter()
    response = client.get(address)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{address} answered {response.status_code}")
    return elapsed


def _p95_ms(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return round((statistics.quantiles(ordered, n=20)[-1] if len(ordered) >= 20 else ordered[-1]) * 1000, 1)


if __name__ == "__main__":
    sys.exit(main())
