"""Benchmark 5: the SEND board pack for a 200-plan cycle with three earlier cycles, in every format.

Measures the product's own calls: `reports.pack.build_pack` + `write_pack` (what `ehcp-audit board-pack`
runs: HTML, Markdown with chart files, PDF, XLSX, JSON), and the board-pack flow's render step
(`flows.board_pack.render_step.fn`: that pack, one PDF per service and a feedback note per plan) without
Prefect around it. Cold: `ehcp-audit board-pack` on a demo-size area (600 plans, a scored cycle of 40) in a
new process, several times, in turn with its reference:
the same pack calls in this process, already started (imports done, workers up), which is exactly the pack's
own work without the command's start-up. Its memory, from as many runs again (not timed: sampling slows what
it samples), is the peak of all its processes together (the command and its worker processes), sampled from
/proc every 50 ms: RSS summed, and PSS summed (pages the processes share counted once).

    .venv/bin/python -m bench.board_pack [--plans 4000] [--sample 200] [--cycles 4] [--repeat 5] [--cold 5]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session

from audit.settings import Settings
from audit.store.db import make_engine
from audit.store.models import Cycle
from bench.harness import ROOT, Figure, alternating, command_line, parser, record, timed
from bench.stores import area_store
from reports.heap import collect_less_often

TARGET_SECONDS = 5.0
TARGET_COLD_SECONDS = 3.0
TARGET_MIB = 400.0


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=4000, sample=200, cycles=4, cold=5, cold_plans=600,
                  cold_sample=40).parse_args(argv)
    collect_less_often()  # this process runs the pack as `ehcp-audit` runs it (its workers are forked from it)
    store = area_store(args.tmp, n_plans=args.plans, sample_size=args.sample, cycles=args.cycles)
    out = args.tmp / "board-pack"
    engine = make_engine(store.url)

    from flows.board_pack import render_step
    from reports.pack import build_pack
    from reports.pack_files import write_pack

    def pack_all_formats() -> None:
        with Session(engine) as session:
            pack = build_pack(session, session.get(Cycle, store.latest), store.as_of, 5)
        write_pack(pack, out / "pack")

    settings = Settings(database_url=store.url, data_dir=args.tmp / "data", reports_dir=out / "flow",
                        area_code=store.area_code)

    def flow_render() -> None:
        render_step.fn(settings, store.latest, store.as_of)

    pack_all_formats()  # warm: imports (WeasyPrint loads pango), font discovery, SQLite page cache
    figures = [
        Figure("pack in every format (HTML, Markdown, PDF, XLSX, JSON)", timed(pack_all_formats, args.repeat),
               target_seconds=TARGET_SECONDS),
        Figure("flow render step: pack + 4 service PDFs + feedback notes", timed(flow_render, args.repeat),
               target_seconds=TARGET_SECONDS),
    ]
    if args.cold:
        demo = area_store(args.tmp, n_plans=args.cold_plans, sample_size=args.cold_sample, cycles=1, area_code="DEMO")
        figures += _cold_figures(demo, out / "demo", args.cold)
    pages = _pages(out / "pack" / f"board-pack-cycle-{store.latest}.pdf")
    record("board_pack", command_line("bench.board_pack", argv), figures, args.out,
           details={"store": f"{args.plans} plans, {args.cycles} scored cycles of {args.sample} plans",
                    "PDF pages": pages})
    engine.dispose()
    return 0


def _cold_figures(store, out: Path, repeat: int) -> list[Figure]:
    """`ehcp-audit board-pack` in new processes on a demo-size area, in turn with the same calls in this one."""
    from reports.pack import build_pack
    from reports.pack_files import write_pack

    engine = make_engine(store.url)

    def pack_all_formats() -> None:
        with Session(engine) as session:
            # As the command builds it: the charts drawn beside the PDF's layout (reports.pack_charts).
            pack = build_pack(session, session.get(Cycle, store.latest), store.as_of, 5, draw_charts=False)
        write_pack(pack, out / "warm")

    env = {**os.environ, "PYTHONPATH": str(ROOT), "EHCP_AUDIT_DATABASE_URL": store.url,
           "EHCP_AUDIT_AREA_CODE": store.area_code, "EHCP_AUDIT_DATA_DIR": str(out / "cli-data")}
    command = [sys.executable, "-m", "ehcp_audit_cli.main", "board-pack", "--cycle", str(store.latest), "--as-of",
               store.as_of.isoformat(), "--out", str(out / "cli")]

    def cold() -> None:
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise RuntimeError(f"board-pack failed: {done.stderr.decode()[-2000:]}")

    pack_all_formats()  # this process's imports and workers, once
    runs = alternating({"cold": cold, "warm": pack_all_formats}, repeat)
    engine.dispose()
    # Memory from runs of their own: reading every process's smaps_rollup each 50 ms takes the kernel's lock on
    # its memory map and a share of the two cores, so sampled runs are not timed.
    memory = [run_sampled(command, env) for _ in range(repeat)]
    rss, pss = max(m[0] for m in memory), max(m[1] for m in memory)
    return [
        Figure("cold `ehcp-audit board-pack` on a demo-size area (new process, every format)", runs["cold"], runs["warm"],
               "the same pack calls, already started", target_seconds=TARGET_COLD_SECONDS,
               note="reference does exactly the pack's own work (build_pack with the charts drawn beside the "
                    "layout, write_pack), without the command's start-up"),
        Figure("cold board-pack: peak memory of its processes together, RSS summed", value=round(rss), unit="MiB",
               target_value=TARGET_MIB, note=f"highest of {len(memory)} runs; each {_runs_mib(memory, 0)}"),
        Figure("cold board-pack: peak memory of its processes together, PSS summed (shared pages once)",
               value=round(pss), unit="MiB", note=f"each {_runs_mib(memory, 1)}"),
    ]


def _runs_mib(memory: list[tuple[float, float]], index: int) -> str:
    return ", ".join(f"{m[index]:.0f}" for m in memory) + " MiB"


def run_sampled(command: list[str], env: dict, interval: float = 0.05) -> tuple[float, float]:
    """Run `command` to the end; the peak RSS and PSS (MiB) of it and every process under it, summed."""
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_rss = peak_pss = 0.0
    while process.poll() is None:
        rss = pss = 0.0
        for pid in _tree(process.pid):
            r, p = _memory(pid)
            rss, pss = rss + r, pss + p
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(interval)
    if process.returncode != 0:
        raise RuntimeError(f"board-pack failed: {process.stderr.read().decode()[-2000:]}")
    return peak_rss, peak_pss


def _tree(root: int) -> list[int]:
    """The process and its descendants, from each thread's list of children (no scan of all of /proc, so the
    sampling takes little of the cores it measures)."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                stack.extend(int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except (OSError, ValueError):  # the process ended while being read
            continue
    return found


def _memory(pid: int) -> tuple[float, float]:
    rss = pss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except (OSError, ValueError):  # ended, or not ours to read
        pass
    return rss, pss


def _pages(pdf: Path) -> int | None:
    if not shutil.which("pdfinfo") or not pdf.exists():
        return None
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)


if __name__ == "__main__":
    sys.exit(main())
