"""Benchmark: the offline text pre-check over 1,000 plan documents, and a 40-plan ZIP imported into the store.

Writes labelled synthetic plans (DOCX in three template styles, and a share as PDF) into a temporary folder,
then times, in this one process:

- the reference: the same files checked for safe intake, read and split into words, nothing more;
- the pre-check: intake, reading, splitting into sections A-K and every rule (`check_files`, in `--workers`
  processes);
- the import of a 40-plan ZIP into a fresh SQLite store (matching, sections, originals, flags).

Targets (issue 20): 1,000 plans pre-checked in under 60 s on 2 cores; the 40-plan ZIP imported in under 10 s.

    .venv/bin/python -m bench.precheck [--plans 1000] [--pdf-share 0.1] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path

from sqlmodel import Session, SQLModel, create_engine

from audit.documents.intake import gather
from audit.documents.parsing import read_blocks
from audit.documents.precheck import check_files
from audit.documents.rules import load_rules
from audit.documents.sections import HeadingMap
from audit.documents.storage import import_documents
from audit.store.models import LocalArea, Plan
from audit.synthetic.plan_documents import write_plan
from audit.synthetic.plan_text import labelled_plans
from audit.synthetic.precheck_scores import score

ROOT = Path(__file__).resolve().parents[1]


def _write(n: int, pdf_share: float, folder: Path) -> tuple[list, list[Path]]:
    every = max(1, round(1 / pdf_share)) if pdf_share > 0 else 0
    styles = ["section-colon", "letter-bold", "titles-table"]
    plans = labelled_plans(2026, n, styles=tuple(styles))
    for i, plan in enumerate(plans):
        if every and i % every == 0:
            plan.style = "pdf"
    return plans, [write_plan(p, folder) for p in plans]


def _reference(paths: list[Path]) -> int:
    accepted, _ = gather(paths)
    return sum(len(b.text.split()) for incoming in accepted for b in read_blocks(incoming, HeadingMap()))


def _import_zip(plans, paths: list[Path], folder: Path) -> float:
    archive = folder / "plans.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in paths:
            z.write(path, path.name)
    engine = create_engine(f"sqlite:///{folder / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        area = LocalArea(code="DEMO", name="Benchmark area")
        session.add(area)
        session.flush()
        for plan in plans:
            session.add(Plan(area_id=area.id, plan_ref=plan.ref, team="North", phase="primary", year_group="4",
                             primary_need="ASD", setting_type="Mainstream", status="active", case_officer="CO-1"))
        session.commit()
        started = time.perf_counter()
        import_documents(session, area, [archive], load_rules(ROOT / "rubrics" / "precheck"))
        session.commit()
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--pdf-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2, help="processes for the pre-check (2 cores: 2)")
    args = parser.parse_args(argv)
    rules = load_rules(ROOT / "rubrics" / "precheck")
    with tempfile.TemporaryDirectory(prefix="ehcp-precheck-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        plans, paths = _write(args.plans, args.pdf_share, folder / "plans")
        print(f"wrote {len(paths)} plans ({sum(p.suffix == '.pdf' for p in paths)} PDF) in "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        words = _reference(paths)
        reference = time.perf_counter() - started
        started = time.perf_counter()
        flags, problems = check_files(paths, rules, workers=args.workers)
        precheck = time.perf_counter() - started
        assert not problems, problems[:3]
        print(f"reference (intake, read, tokenise; {words:,} words): {reference:.1f} s")
        print(f"pre-check ({len(flags):,} flags): {precheck:.1f} s ({precheck / max(reference, 1e-9):.2f}x the "
              f"reference; target under 60 s for 1,000 plans)")
        for rule_id, s in score(plans, flags).items():
            print(f"  {rule_id:26} precision {s.precision:.2f} recall {s.recall:.2f}")
        seconds = _import_zip(plans[:40], paths[:40], folder)
        print(f"import of a {min(40, len(plans))}-plan ZIP into SQLite: {seconds:.1f} s (target under 10 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
