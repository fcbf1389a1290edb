"""Benchmark 4: 50 auditors at once, saving drafts and submitting scorecards through the web app for a minute.

The benchmark starts the real app (`ehcp-audit serve --workers N`, uvicorn, SQLite by default) on loopback and
signs in 50 synthetic auditors (each with its own cookie session), spread over `--ramp` seconds as a team
arriving at work would. Then, for the measured minute, each works through its assignments as a person would:
list their audits, open the scorecard page, save a draft, submit. Each auditor pauses `--think` seconds (0.5x
to 1.5x, at random) between requests; `--think 0` is a stress test. It reports requests per second, median and
95th percentile latency of the minute's requests, the sign-ins' own 95th percentile (a password hash is slow by
design, so sign-in is measured apart from the work), errors, and compares what the server said it saved with
the database: every submission acknowledged is stored once, none lost, none duplicated. A few auditors in the
pool are never signed in, so the cycle never completes and the cycle flow is not started mid-benchmark.

    .venv/bin/python -m bench.auditors [--auditors 50] [--seconds 60] [--think 1.0] [--ramp 10] [--workers 2]
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

import audit.clock
from bench.harness import ROOT, Figure, command_line, free_port, parser, record

TARGET_P95_MS = 150.0
PASSWORD = "bench-password-2026"
AS_OF = audit.clock.today()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CRITERION = re.compile(r'name="grade-([^"]+)"')
ASSIGNMENT = re.compile(r'href="/my-audits/(\d+)"')


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    drafts: int = 0
    submitted: set[int] = field(default_factory=set)


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], auditors=50, seconds=60.0, think=1.0, ramp=10.0, workers=2, sample=600,
                  spare=4, repeat=1).parse_args(argv)
    store = prepare(args.tmp, args.auditors, args.spare, args.sample)
    port = free_port()
    env = {**os.environ, "EHCP_AUDIT_DATABASE_URL": store["url"], "EHCP_AUDIT_DATA_DIR": str(store["data"]),
           "EHCP_AUDIT_AREA_CODE": "LOAD", "EHCP_AUDIT_SECRET_KEY": "bench-secret-key-not-for-production"}
    cli = Path(sys.executable).parent / "ehcp-audit"
    log = (args.tmp / "auditors" / "server.log").open("wb")
    server = subprocess.Popen([str(cli), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(args.workers)], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, server)
        signing_in, tally, elapsed = asyncio.run(_load(f"http://127.0.0.1:{port}", store["users"], args.seconds,
                                                       args.think, args.ramp))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    stored, duplicated, wrong_grades = _stored(store["url"])
    lost = len(tally.submitted - stored)
    unexpected = len(stored - tally.submitted)
    ms = _milliseconds(tally)
    sign_in_ms = _milliseconds(signing_in)
    figures = [
        Figure("requests per second", value=round(len(ms) / elapsed, 1), unit="req/s"),
        Figure("median latency", value=round(statistics.median(ms), 1) if ms else 0.0, unit="ms"),
        Figure("95th percentile latency", value=_p95(ms), unit="ms", target_value=TARGET_P95_MS,
               note="the minute's requests: list, open, save draft, submit"),
        Figure("sign-in 95th percentile latency (before the minute)", value=_p95(sign_in_ms), unit="ms",
               note=f"{len(store['users'])} sign-ins spread over {args.ramp:g} s; the password hash is slow on purpose"),
        Figure("errors", value=len(tally.errors) + len(signing_in.errors), unit="", target_value=0),
        Figure("submissions lost or duplicated (checked in the database)", value=lost + duplicated + unexpected
               + wrong_grades, unit="", target_value=0,
               note=f"{len(tally.submitted)} acknowledged, {len(stored)} stored, {lost} lost, {duplicated} "
                    f"duplicated, {unexpected} stored but never acknowledged, {wrong_grades} with wrong grade rows"),
    ]
    record("auditors", command_line("bench.auditors", argv), figures, args.out,
           details={"load": f"{len(store['users'])} auditors signed in, {args.seconds:g} s, think time "
                            f"{args.think:g} s (0.5x-1.5x), {len(ms)} requests, {tally.drafts} drafts saved",
                    "server": f"ehcp-audit serve --workers {args.workers} (uvicorn) on loopback, SQLite (WAL)"},
           notes=(signing_in.errors + tally.errors)[:5])
    return 0


def _milliseconds(tally: Tally) -> list[float]:
    return sorted(x * 1000 for x in tally.latencies)


def _p95(ms: list[float]) -> float:
    p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) >= 20 else (ms[-1] if ms else 0.0)
    return round(p95, 1)


def prepare(folder: Path, auditors: int, spare: int, sample: int) -> dict:
    """A fresh store: register, an auditor pool of `auditors + spare`, an opened cycle, one user per auditor."""
    from sqlmodel import Session

    from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
    from audit.protection.users import create_user
    from audit.register.auditors import import_auditors, write_auditors
    from audit.register.plans import import_register, write_register
    from audit.rubrics.loading import find_rubric
    from audit.store.db import init_db, make_engine
    from audit.synthetic.area import generate_auditors, generate_register

    folder = Path(folder) / "auditors"
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "load.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    total = auditors + spare
    per_agency = {"sen_team": total * 3 // 10, "education": total * 3 // 10, "health": total // 5}
    per_agency["social_care"] = total - sum(per_agency.values())
    per_agency = {agency: max(n, 3) for agency, n in per_agency.items()}  # never one auditor who advised
    write_register(generate_register(13, 4000, AS_OF, area_code="LOAD", per_agency=per_agency), folder / "register.csv")
    # The parent carer forum grades its own part of A and E (whole-plan 2026.2); it advises on no plan.
    forum = {"parent_carer_forum": max(total // 10, 3)}
    write_auditors(generate_auditors(13, {**per_agency, **forum}), folder / "auditors.csv")
    users = []
    with Session(engine, expire_on_commit=False) as session:
        area = get_area(session, "LOAD", create=True, name="Load test area (synthetic)")
        import_register(session, area, folder / "register.csv")
        import_auditors(session, area, folder / "auditors.csv")
        cycle = create_cycle(session, area, find_rubric(ROOT / "rubrics", "whole-plan"), name="Load test cycle",
                             sample_size=sample, due_date=AS_OF + timedelta(days=28), strata=["team"], seed=13)
        open_cycle(session, cycle)
        from sqlmodel import select

        from audit.store.models import Auditor

        codes = sorted(session.exec(select(Auditor.code)).all())
        random.Random(13).shuffle(codes)
        for code in codes[:auditors]:
            users.append(create_user(session, code.lower(), PASSWORD, "auditor", code).username)
        session.commit()
    engine.dispose()
    return {"url": f"sqlite:///{db}", "data": folder / "data", "users": users}


async def _load(base: str, users: list[str], seconds: float, think: float, ramp: float) -> tuple[Tally, Tally, float]:
    """Sign everyone in (spread over `ramp` seconds), then the measured minute of work; each auditor its own client."""
    signing_in, working = Tally(), Tally()
    rngs = [random.Random(i) for i in range(len(users))]
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=60)) for _ in users]
        signed = await asyncio.gather(*(_sign_in(client, name, ramp, signing_in, rng)
                                        for client, name, rng in zip(clients, users, rngs)))
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(_work(client, deadline, think, working, rng)
                               for client, ok, rng in zip(clients, signed, rngs) if ok))
        return signing_in, working, time.perf_counter() - start


async def _call(client: httpx.AsyncClient, tally: Tally, method: str, url: str, expect: int,
                **kwargs) -> httpx.Response | None:
    """One timed request; an exception or an unexpected status is an error, with what was asked."""
    began = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        tally.errors.append(f"{method} {url}: {exc.__class__.__name__}")
        return None
    tally.latencies.append(time.perf_counter() - began)
    if response.status_code != expect:
        tally.errors.append(f"{method} {url}: HTTP {response.status_code}")
        return None
    return response


async def _sign_in(client: httpx.AsyncClient, username: str, ramp: float, tally: Tally, rng: random.Random) -> bool:
    """Sign in at a random moment within the ramp, as a team arriving at work would, not all in one instant."""
    await asyncio.sleep(rng.uniform(0, ramp))
    page = await _call(client, tally, "GET", "/sign-in", 200)
    if page is None:
        return False
    form = {"username": username, "password": PASSWORD, "csrf_token": CSRF.search(page.text).group(1), "next": "/"}
    return await _call(client, tally, "POST", "/sign-in", 303, data=form) is not None


async def _work(client: httpx.AsyncClient, deadline: float, think: float, tally: Tally, rng: random.Random) -> None:
    """A signed-in auditor's minute: list their audits, then open, draft and submit one scorecard after another."""
    async def call(method: str, url: str, expect: int, **kwargs) -> httpx.Response | None:
        if think:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        return await _call(client, tally, method, url, expect, **kwargs)

    listing = await call("GET", "/my-audits", 200)
    if listing is None:
        return
    for assignment in dict.fromkeys(int(x) for x in ASSIGNMENT.findall(listing.text)):
        if time.perf_counter() >= deadline:
            return
        form = await call("GET", f"/my-audits/{assignment}", 200)
        if form is None or "Submit scorecard" not in form.text:
            continue
        token, criteria = CSRF.search(form.text).group(1), list(dict.fromkeys(CRITERION.findall(form.text)))
        grades = {f"grade-{c}": str(rng.choice([3, 3, 4])) for c in criteria}
        draft = dict(list(grades.items())[: max(1, len(grades) // 2)])
        if await call("POST", f"/my-audits/{assignment}", 303, data={**draft, "csrf_token": token, "action": "draft"}):
            tally.drafts += 1
        done = await call("POST", f"/my-audits/{assignment}", 303, data={**grades, "csrf_token": token,
                                                                        "action": "submit"})
        if done is not None and done.headers.get("location", "").endswith("/submitted"):
            tally.submitted.add(assignment)


def _stored(url: str) -> tuple[set[int], int, int]:
    """Assignments with a submitted web scorecard; cards beyond one per assignment; cards with missing grades."""
    from sqlalchemy import text

    from audit.store.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        submitted = {r[0] for r in connection.execute(text(
            "SELECT assignment_id FROM scorecard WHERE status = 'submitted' AND source = 'web'"))}
        duplicated = connection.execute(text(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM scorecard GROUP BY assignment_id)")).scalar()
        ungraded = connection.execute(text(
            "SELECT count(*) FROM scorecard s WHERE s.status = 'submitted' AND EXISTS "
            "(SELECT 1 FROM criteriongrade g WHERE g.scorecard_id = s.id AND g.grade IS NULL)")).scalar()
    engine.dispose()
    return submitted, int(duplicated), int(ungraded)


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise RuntimeError("the server stopped; see bench/tmp/auditors/server.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


if __name__ == "__main__":
    sys.exit(main())
