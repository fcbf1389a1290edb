"""Benchmark 3: an audit cycle through Prefect: 200 plans sampled from a 10,000-plan register, and a cold
`ehcp-audit cycle run` on a demo-size area.

Measured: `flows.cycle.audit_cycle` with simulated auditors (open, sample, assign, simulated submissions,
second marking and its submissions, moderation, scoring, actions, status proposals, board summary), each run on
a fresh copy of the same store. Reference, in turn with it in the same process: the flow's own code with Prefect
taken out (`plain_cycle`: its tasks, logger and artifact replaced by plain calls), exactly the same domain
work without the orchestration.

Cold: `ehcp-audit cycle run N --simulate-auditors --finalise` in a new process on a demo-size area (600 plans,
40 sampled), with the local Prefect server `ehcp-audit prefect server start` keeps running, in turn with its
reference: the flow's own code in a new process with Prefect's decorators replaced by plain calls, the same
imports otherwise and the same exit. Once more, with no server running, for what a temporary server costs.

    .venv/bin/python -m bench.prefect_cycle [--plans 10000] [--sample 200] [--repeat 5] [--cold 5]
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, timedelta
from pathlib import Path

from bench.harness import ROOT, Figure, Stopwatch, alternating, command_line, once, parser, record

AS_OF = date(2026, 11, 1)
TARGET_SECONDS = 30.0
TARGET_RATIO = 1.5
TARGET_COLD_RATIO = 1.2
SEED = 7
SAME_WORK = "does exactly the work the product does: the flow's own code and domain calls, without Prefect"


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=10_000, sample=200, cold=5, cold_plans=600, cold_sample=40,
                  plain_child="").parse_args(argv)
    _prefect_environment(args.tmp)
    if args.plain_child:
        return _plain_child(args.plain_child)
    base = prepare(args.tmp, args.plans, args.sample)
    work = args.tmp / "prefect-cycle" / "run.db"
    url = f"sqlite:///{work}"
    data_dir = str(args.tmp / "prefect-cycle" / "data")

    def fresh() -> None:
        _fresh_copy(base["db"], work)

    figures = _cold_figures(args) if args.cold else []
    from flows.cycle import audit_cycle
    from flows.runtime import quick_flow_runs

    def flow_run() -> None:
        with quick_flow_runs():  # as the CLI runs it
            _check(audit_cycle(base["cycle_id"], as_of=AS_OF, simulate_auditors=True, finalise=True, database_url=url,
                               data_dir=data_dir))

    fresh()
    flow_run()  # starts Prefect's temporary server once (none is configured here); later runs are warm
    laps = Stopwatch()
    runs = alternating({"flow": flow_run, "plain": lambda: _check(plain_cycle(url, data_dir, base["cycle_id"], laps))},
                       args.repeat, setup=fresh)
    figures.append(Figure("flow run, warm (server already up)", runs["flow"], runs["plain"],
                          "same calls without Prefect", target_seconds=TARGET_SECONDS, target_ratio=TARGET_RATIO,
                          note=f"reference {SAME_WORK}"))
    record("prefect_cycle", command_line("bench.prefect_cycle", argv), figures, args.out,
           details={"store": f"{args.plans:,}-plan register, {args.sample} plans sampled, default second marking; "
                             f"cold runs: {args.cold_plans}-plan register, {args.cold_sample} sampled"})
    return 0


def _fresh_copy(base: str, work: Path) -> None:
    from audit.store.db import forget_engine

    forget_engine(f"sqlite:///{work}")  # the last run's pooled connections must not outlive its file
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, work)


def _cold_figures(args) -> list[Figure]:
    """`ehcp-audit cycle run` in new processes, with the local server running, in turn with the reference."""
    from flows import local_server

    base = prepare(args.tmp, args.cold_plans, args.cold_sample)
    folder = Path(args.tmp) / "prefect-cycle" / "cold"
    work, data = folder / "run.db", folder / "data"
    home = (data / "prefect").resolve()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update({"PYTHONPATH": str(ROOT), "EHCP_AUDIT_DATABASE_URL": f"sqlite:///{work}", "EHCP_AUDIT_DATA_DIR": str(data),
                "PREFECT_HOME": str(home)})
    cycle = str(base["cycle_id"])
    cli = [sys.executable, "-m", "ehcp_audit_cli.main", "cycle", "run", cycle, "--simulate-auditors", "--finalise",
           "--as-of", AS_OF.isoformat()]
    plain = [sys.executable, "-m", "bench.prefect_cycle", "--tmp", str(args.tmp), "--plain-child", cycle]

    def fresh() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        _fresh_copy(base["db"], work)
        shutil.rmtree(data / "cache", ignore_errors=True)

    def run(command: list[str]):
        return lambda: subprocess.run(command, check=True, env=env, cwd=ROOT, capture_output=True)

    local_server.stop(home)  # one left by an interrupted run of this benchmark would be used
    fresh()
    no_server = once(_timed(run(cli)))  # Prefect's temporary server, started and stopped by the command
    local_server.start(home)
    try:
        fresh()
        run(cli)()  # once untimed, as after any upgrade: the server's database learns the flow
        runs = alternating({"cli": run(cli), "plain": run(plain)}, args.cold, setup=fresh)
    finally:
        local_server.stop(home)
    return [
        Figure("cold `ehcp-audit cycle run` on a demo-size area (new process, local Prefect server running)",
               runs["cli"], runs["plain"], "the flow's code without Prefect, new process", target_ratio=TARGET_COLD_RATIO,
               note=f"reference {SAME_WORK}; both start a new interpreter and exit the same way"),
        Figure("cold `ehcp-audit cycle run`, no server running (a temporary one started for it)", no_server,
               note="one run; what every flow command cost before `ehcp-audit prefect server start`"),
    ]


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def prepare(folder: Path, n_plans: int, sample: int) -> dict:
    """A store with the area, register, auditors and a created (not yet opened) cycle; built once."""
    from sqlmodel import Session

    from audit.cycle.lifecycle import create_cycle, get_area
    from audit.register.auditors import import_auditors
    from audit.register.plans import import_register
    from audit.rubrics.loading import find_rubric
    from audit.store.db import init_db, make_engine
    from audit.synthetic.area import write_synthetic_area

    folder = Path(folder) / "prefect-cycle"
    db, done = folder / f"base-{n_plans}-{sample}.db", folder / f"base-{n_plans}-{sample}.json"
    if done.exists():
        return json.loads(done.read_text()) | {"db": str(db)}
    folder.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    files = write_synthetic_area(folder / "area", seed=SEED, n_plans=n_plans, as_of=AS_OF)
    with Session(engine, expire_on_commit=False) as session:
        area = get_area(session, "LOCAL", create=True, name="Benchmark area (synthetic)")
        import_register(session, area, files["register"])
        import_auditors(session, area, files["auditors"])
        cycle = create_cycle(session, area, find_rubric(ROOT / "rubrics", "whole-plan"), name="Benchmark cycle",
                             sample_size=sample, due_date=AS_OF + timedelta(days=28), strata=["team", "plan_stage"],
                             seed=SEED, created_at=_created())
        session.commit()
        cycle_id = cycle.id
    engine.dispose()
    # A clean file to copy: fold the write-ahead log in.
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    done.write_text(json.dumps({"cycle_id": cycle_id}))
    return {"cycle_id": cycle_id, "db": str(db)}


def _created():
    from datetime import datetime

    return datetime(2026, 10, 1, tzinfo=UTC)


def plain_cycle(url: str, data_dir: str, cycle_id: int, laps: Stopwatch) -> dict:
    """The reference: the flow's own body and steps with Prefect taken out (each task run as its function,
    Prefect's logger and artifact calls as plain ones), so the domain work is exactly the flow's."""
    import flows.cycle as cycle_flow

    steps = ["open_step", "simulate_step", "collect_step", "second_marking_step", "moderation_step", "score_step",
             "actions_step", "proposals_step", "report_step"]
    saved = {name: getattr(cycle_flow, name) for name in [*steps, "get_run_logger", "create_markdown_artifact"]}

    def timed_step(name, fn):
        return lambda *a, **k: laps.lap(name, lambda: fn(*a, **k))

    try:
        for name in steps:
            setattr(cycle_flow, name, timed_step(name, saved[name].fn))
        cycle_flow.get_run_logger = lambda: logging.getLogger("flows.cycle")
        cycle_flow.create_markdown_artifact = lambda **kwargs: None  # its markdown is still rendered, as an argument
        with contextlib.redirect_stdout(io.StringIO()):  # the flow prints its outcome; Prefect would log it
            return cycle_flow.audit_cycle.fn(cycle_id, as_of=AS_OF, simulate_auditors=True, finalise=True,
                                             database_url=url, data_dir=data_dir)
    finally:
        for name, value in saved.items():
            setattr(cycle_flow, name, value)


def _plain_child(cycle_id: str) -> int:
    """The cold reference: a new process running the flow's own code with Prefect's decorators as plain calls.

    Stand-ins for `prefect`, `prefect.artifacts` and `prefect.cache_policies` are put in place before the flow's
    module is imported, so nothing of Prefect is loaded; the store and data folder come from the environment as
    the CLI's do, the garbage collector is set as the CLI's entry sets it (reports.heap.collect_less_often), and
    the process exits as the CLI does (ehcp_audit_cli.common.skip_collection_at_exit)."""
    import atexit
    import gc
    import types

    from reports.heap import collect_less_often

    collect_less_often()
    atexit.register(gc.freeze)

    def decorator(*args, **kwargs):
        return args[0] if args and callable(args[0]) and not kwargs else (lambda fn: fn)

    stub = types.ModuleType("prefect")
    stub.flow, stub.task, stub.get_run_logger = decorator, decorator, lambda: logging.getLogger("flows.cycle")
    artifacts = types.ModuleType("prefect.artifacts")
    artifacts.create_markdown_artifact = lambda **kwargs: None
    policies = types.ModuleType("prefect.cache_policies")
    policies.NO_CACHE = None
    sys.modules.update({"prefect": stub, "prefect.artifacts": artifacts, "prefect.cache_policies": policies})
    from flows.cycle import audit_cycle

    _check(audit_cycle(int(cycle_id), as_of=AS_OF, simulate_auditors=True, finalise=True))
    return 0


def _check(outcome: dict) -> None:
    if outcome.get("state") != "reported":
        raise AssertionError(f"the flow did not report: {outcome.get('state')}")


def _prefect_environment(tmp: Path) -> None:
    """Prefect's local mode with its home in bench/tmp (kept between runs, as a worker's would be)."""
    os.environ.setdefault("PREFECT_HOME", str(Path(tmp) / "prefect-home"))
    # `make bench` sets PREFECT_HOME to data/prefect, which a fresh clone does not have yet: Prefect's temporary
    # server then cannot open its database and start-up times out.
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


if __name__ == "__main__":
    sys.exit(main())
