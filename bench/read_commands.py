"""Benchmark 6: the read commands from a fresh process, against a bare Python start measured in the same run.

Measured: `ehcp-audit --help`, `cycle status`, `cycle status N`, `report --cycle N --format md` and `timeliness`,
each a new process (`python -m ehcp_audit_cli.main ...`, start-up, imports and exit included) on a demo-size
store (600 plans, a scored 40-plan cycle), in turn with the reference. Reference: `python -c pass`, the start
and exit of the same interpreter with nothing imported: what any command costs before it does anything. The
target is each command within 0.3 s of it.

Every command is run once, untimed, before the timed runs; the store does not change between runs, so a timed
run prints the output kept for the current data version (ehcp_audit_cli/kept_output.py: the version is read
with the bare driver, the kept text printed) and `report` finds the board summary already worked out
(reports.cache). That is what a person running a command again on unchanged data gets. What the first run
after a change costs is measured beside them, without the target: `cycle status N` and `timeliness` with
their kept output removed before each run (the full work, then kept), and `report` with the whole cache
folder emptied, so the summary is worked out again too (the first view after a change).

    .venv/bin/python -m bench.read_commands [--plans 600] [--sample 40] [--repeat 7]
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import ROOT, Figure, alternating, command_line, parser, record
from bench.stores import AS_OF, area_store

TARGET_EXTRA = 0.3
BARE = "python -c pass"


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=600, sample=40, repeat=7).parse_args(argv)
    store = area_store(args.tmp, n_plans=args.plans, sample_size=args.sample, cycles=1, area_code="DEMO")
    work = Path(args.tmp) / "read-commands"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copyfile(store.path, work / "store.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EHCP_AUDIT_DATABASE_URL": f"sqlite:///{work / 'store.db'}",
           "EHCP_AUDIT_DATA_DIR": str(work / "data"), "EHCP_AUDIT_AREA_CODE": store.area_code, "COLUMNS": "120"}
    cycle, day = str(store.latest), AS_OF.isoformat()
    commands = {
        "--help": ["--help"],
        "cycle status": ["cycle", "status"],
        f"cycle status {cycle}": ["cycle", "status", cycle],
        f"report --cycle {cycle} --format md (summary cached)": ["report", "--cycle", cycle, "--format", "md",
                                                                  "--as-of", day],
        "timeliness": ["timeliness", "--as-of", day],
        f"report --cycle {cycle} --format md (summary worked out: first view after a change)":
            ["report", "--cycle", cycle, "--format", "md", "--as-of", day],
        f"cycle status {cycle} (output worked out: first run after a change)": ["cycle", "status", cycle],
        "timeliness (output worked out: first run after a change)": ["timeliness", "--as-of", day],
    }
    cpu: dict[str, list[float]] = {name: [] for name in [BARE, *commands]}

    cache = work / "data" / "cache"
    kept: dict[tuple[str, ...], set[Path]] = {}  # each command's kept output files, found on its untimed run

    def files() -> dict[Path, int]:
        return {path: path.stat().st_mtime_ns for path in cache.glob("*.json")}

    def run(name: str, argv_: list[str]):
        def go() -> None:
            if "worked out" in name:  # this command's kept output (the other commands' stay kept)
                for path in kept.get(tuple(commands[name]), ()):
                    path.unlink(missing_ok=True)
            if "summary worked out" in name:  # and the board summary, so it is worked out again
                for path in cache.glob("board-summary-*.json"):
                    path.unlink()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(argv_, cwd=ROOT, env=env, capture_output=True, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise RuntimeError(f"{name} failed: {done.stderr[-2000:]}")
            cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return go

    works = {BARE: run(BARE, [sys.executable, "-c", "pass"])}
    works.update({name: run(name, [sys.executable, "-m", "ehcp_audit_cli.main", *a]) for name, a in commands.items()})
    for name, go in works.items():  # once each, untimed: the schema check, the summary and each output kept
        before = files()
        go()
        written = {path for path, stamp in files().items() if before.get(path) != stamp and path.name.startswith("output-")}
        kept.setdefault(tuple(commands.get(name, ())), set()).update(written)
    for name in commands:  # a worked-out figure shares its command line, so its kept output, with one before it
        if "worked out" in name:
            assert kept.get(tuple(commands[name])), name
    for name in cpu:
        cpu[name].clear()
    runs = alternating(works, args.repeat)
    same = "does exactly what every command does before its own work: start the interpreter and exit"
    # The first run after a change does the full work (SQLAlchemy and the models; for `report`, pandas and the
    # cycle's results too; for `timeliness`, the register's clocks): shown beside the figures for data unchanged
    # since the last run, without the target, which is for reading what is there.
    figures = [Figure(f"`ehcp-audit {name}`", runs[name], runs[BARE], BARE,
                      target_extra=None if "worked out" in name else TARGET_EXTRA, note=f"reference {same}")
               for name in commands]
    record("read_commands", command_line("bench.read_commands", argv), figures, args.out,
           details={"store": f"{args.plans} plans, one scored cycle of {args.sample}",
                    "CPU seconds per run (median)": {name: statistics.median(v) for name, v in cpu.items()}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
