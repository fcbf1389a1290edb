"""Benchmark 5: the SEND board pack for a 200-plan cycle with three earlier cycles, in every format.

Measures the product's own calls: `reports.pack.build_pack` + `write_pack` (what `ehcp-audit board-pack`
runs: HTML, Markdown with chart files, PDF, XLSX, JSON), and the board-pack flow's render step
(`flows.board_pack.render_step.fn`: that pack, one PDF per service and a feedback note per plan) without
Prefect around it. One cold run of the CLI in a fresh process shows what start-up and imports add.

    .venv/bin/python -m bench.board_pack [--plans 4000] [--sample 200] [--cycles 4] [--repeat 5]
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
from bench.harness import ROOT, Figure, command_line, once, parser, record, timed
from bench.stores import area_store

TARGET_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=4000, sample=200, cycles=4, cold=1).parse_args(argv)
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
        figures.append(Figure("cold CLI `ehcp-audit board-pack` (fresh process, imports included)",
                              once(_cold_cli(store, out)), note="one run; start-up and imports included"))
    pages = _pages(out / "pack" / f"board-pack-cycle-{store.latest}.pdf")
    record("board_pack", command_line("bench.board_pack", argv), figures, args.out,
           details={"store": f"{args.plans} plans, {args.cycles} scored cycles of {args.sample} plans",
                    "PDF pages": pages})
    engine.dispose()
    return 0


def _cold_cli(store, out: Path) -> float:
    env = {**os.environ, "EHCP_AUDIT_DATABASE_URL": store.url, "EHCP_AUDIT_AREA_CODE": store.area_code,
           "EHCP_AUDIT_DATA_DIR": str(out / "cli-data")}
    cli = Path(sys.executable).parent / "ehcp-audit"
    start = time.perf_counter()
    subprocess.run([str(cli), "board-pack", "--cycle", str(store.latest), "--as-of", store.as_of.isoformat(),
                    "--out", str(out / "cli")], check=True, env=env, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def _pages(pdf: Path) -> int | None:
    if not shutil.which("pdfinfo") or not pdf.exists():
        return None
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)


if __name__ == "__main__":
    sys.exit(main())
