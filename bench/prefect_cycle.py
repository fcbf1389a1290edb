"""Benchmark 3: an audit cycle through Prefect in local mode: 200 plans sampled from a 10,000-plan register.

Measured: `flows.cycle.audit_cycle` with simulated auditors (open, sample, assign, simulated submissions,
second marking and its submissions, moderation, scoring, actions, board summary), each run on a fresh copy of
the same store. Reference: the same domain calls in the same order without Prefect (`plain_cycle`), which gives
the orchestration overhead ratio. Prefect's temporary server starts on the first flow run in a process; that
start-up is measured once in a fresh process and reported on its own: the end-to-end figure counts it, the
ratio (warm runs, one process) does not, since a worker or the web app pays it once, not per cycle.

    .venv/bin/python -m bench.prefect_cycle [--plans 10000] [--sample 200] [--repeat 5] [--cold 1]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, timedelta
from pathlib import Path

from bench.harness import ROOT, Figure, Stopwatch, command_line, once, parser, record, timed

AS_OF = date(2026, 11, 1)
TARGET_SECONDS = 30.0
TARGET_RATIO = 1.5
SEED = 7


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=10_000, sample=200, cold=1, child="").parse_args(argv)
    _prefect_environment(args.tmp)
    if args.child:
        return _child(args.child, args.tmp)
    base = prepare(args.tmp, args.plans, args.sample)
    work = args.tmp / "prefect-cycle" / "run.db"

    def fresh() -> None:
        from audit.store.db import forget_engine

        forget_engine(f"sqlite:///{work}")  # the last run's pooled connections must not outlive its file
        for suffix in ("-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base["db"], work)

    cold = _cold_run(args.tmp, base, work, fresh) if args.cold else None
    from flows.cycle import audit_cycle

    url = f"sqlite:///{work}"
    data_dir = str(args.tmp / "prefect-cycle" / "data")
    fresh()
    audit_cycle(base["cycle_id"], as_of=AS_OF, simulate_auditors=True, finalise=True, database_url=url,
                data_dir=data_dir)  # starts the temporary server once; later runs are warm
    flow_runs = timed(lambda: _check(audit_cycle(base["cycle_id"], as_of=AS_OF, simulate_auditors=True,
                                                 finalise=True, database_url=url, data_dir=data_dir)),
                      args.repeat, setup=fresh)
    laps = Stopwatch()
    plain_runs = timed(lambda: plain_cycle(url, data_dir, base["cycle_id"], laps), args.repeat, setup=fresh)
    figures = []
    if cold is not None:
        figures.append(Figure("end to end in a fresh process (incl. Prefect server start-up)", once(cold["total"]),
                              target_seconds=TARGET_SECONDS, note=f"server start-up and first flow call "
                              f"{cold['startup']:.1f} s of it; Python imports not counted"))
    figures.append(Figure("flow run, warm (server already up)", flow_runs, plain_runs, "same calls without Prefect",
                          target_seconds=TARGET_SECONDS, target_ratio=TARGET_RATIO))
    steps = {k: v / args.repeat for k, v in laps.laps.items()}
    record("prefect_cycle", command_line("bench.prefect_cycle", argv), figures, args.out,
           details={"store": f"{args.plans:,}-plan register, {args.sample} plans sampled, default second marking",
                    "plain run by step (mean s)": steps})
    return 0


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
    """The flow's domain calls, in the flow's order, with no Prefect (the reference)."""
    from audit.cycle.lifecycle import cycle_progress, get_cycle, open_cycle
    from audit.improvement.actions import raise_actions
    from audit.moderation.marking import ModerationRules, double_marked, moderation_queue, select_second_marking
    from audit.results.analysis import load_cycle_results
    from audit.results.cycle_scores import score_cycle
    from audit.settings import Settings
    from audit.store.db import engine_from_settings, transaction
    from audit.synthetic.submissions import submit_simulated
    from audit.vocabulary import CycleStatus
    from reports.render import render, write_summary
    from reports.summary import build_summary

    settings = Settings(database_url=url, data_dir=Path(data_dir))

    def step(name, work):
        def unit():
            with transaction(engine_from_settings(settings)) as session:
                return work(session, get_cycle(session, cycle_id))
        return laps.lap(name, unit)

    step("open-sample-assign", lambda s, c: open_cycle(s, c))
    step("simulate-auditors", lambda s, c: submit_simulated(s, c, SEED))
    progress = step("collect", lambda s, c: cycle_progress(s, c, today=AS_OF))
    chosen = step("second-marking", lambda s, c: select_second_marking(s, c, ModerationRules.from_settings(settings),
                                                                       today=AS_OF))
    if chosen.created:
        step("simulate-auditors", lambda s, c: submit_simulated(s, c, SEED))
        progress = step("collect", lambda s, c: cycle_progress(s, c, today=AS_OF))
    step("moderation", lambda s, c: (len(double_marked(s, c)), len(moderation_queue(s, c))))

    def score(session, cycle):
        summary = score_cycle(session, cycle)
        if progress.complete and cycle.status == CycleStatus.open.value:
            cycle.status = CycleStatus.scored.value
        return summary

    step("score", score)
    step("raise-actions", lambda s, c: raise_actions(s, load_cycle_results(s, c), settings, AS_OF))

    def report(session, cycle):
        summary = build_summary(session, load_cycle_results(session, cycle), AS_OF, settings.small_number_threshold)
        write_summary(summary, Path(settings.resolved_reports_dir))
        return render(summary, "md")

    step("board-summary", report)
    return {"state": "reported"}


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


def _cold_run(tmp: Path, base: dict, work: Path, fresh) -> dict:
    fresh()
    result = tmp / "prefect-cycle" / "cold.json"
    result.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "bench.prefect_cycle", "--tmp", str(tmp), "--child",
                    json.dumps({"cycle_id": base["cycle_id"], "db": str(work), "out": str(result)})],
                   check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(result.read_text())


def _child(spec_text: str, tmp: Path) -> int:
    """One flow run in this fresh process; writes {total, startup} (after imports) to the given file."""
    spec = json.loads(spec_text)
    from prefect import flow

    from flows.cycle import audit_cycle

    @flow(name="bench-noop")
    def noop() -> None:
        return None

    start = time.perf_counter()
    noop()  # the temporary server starts here
    startup = time.perf_counter() - start
    _check(audit_cycle(spec["cycle_id"], as_of=AS_OF, simulate_auditors=True, finalise=True,
                       database_url=f"sqlite:///{spec['db']}", data_dir=str(Path(tmp) / "prefect-cycle" / "data")))
    Path(spec["out"]).write_text(json.dumps({"total": time.perf_counter() - start, "startup": startup}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
