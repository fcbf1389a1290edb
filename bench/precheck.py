"""Benchmark 8: the offline text pre-check over 1,000 plan documents, and a 40-plan ZIP imported into the store.

Writes labelled synthetic plans (DOCX in three template styles, and a share as PDF) into the scratch folder
once (not timed), then measures, alternating in one run so both see the same machine:

- the pre-check: safe intake, reading, splitting into sections A-K and every rule (`check_files`, in
  `--workers` processes);
- its reference, the same files in the same number of processes through safe intake and reading, split
  into words and nothing more (what any tool reading these documents must do).

Then the import of a 40-plan ZIP into a fresh SQLite store each run (matching, sections, originals, flags),
against the same ZIP gathered and parsed without storing anything. Last, how often the pre-check's flags
are right on the labelled plans: per rule, precision and recall (the issue's targets beside them).

Targets (issue 20): 1,000 plans pre-checked in under 60 s on 2 cores; the 40-plan ZIP imported in under 10 s;
precision >= 0.85 and recall >= 0.8 for unquantified provision, outcomes not SMART and blank sections, >= 0.7
for the golden thread.

    .venv/bin/python -m bench.precheck [--plans 1000] [--pdf-share 0.1] [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlmodel import Session, SQLModel, create_engine

from audit.documents.intake import gather
from audit.documents.parsing import parse, read_blocks
from audit.documents.precheck import check_files
from audit.documents.rules import load_rules
from audit.documents.sections import HeadingMap
from audit.documents.storage import import_documents
from audit.store.models import LocalArea, Plan
from audit.synthetic.plan_documents import write_plan
from audit.synthetic.plan_text import labelled_plans
from audit.synthetic.precheck_scores import score
from bench.harness import ROOT, Figure, alternating, command_line, parser, record

STYLES = ("section-colon", "letter-bold", "titles-table")
# The targets per rule: (precision, recall).
TARGETS = {"f-unquantified": 0.85, "e-not-smart": 0.85, "blank-section": 0.85,
           "thread-need-no-provision": 0.7, "thread-provision-no-need": 0.7}
RECALL = {"f-unquantified": 0.8, "e-not-smart": 0.8, "blank-section": 0.8,
          "thread-need-no-provision": 0.7, "thread-provision-no-need": 0.7}


def write_plans(n: int, pdf_share: float, folder: Path) -> tuple[list, list[Path]]:
    """`n` labelled plans written as documents: DOCX in turn through the styles, every k-th one a PDF."""
    every = max(1, round(1 / pdf_share)) if pdf_share > 0 else 0
    plans = labelled_plans(2026, n, styles=STYLES)
    for i, plan in enumerate(plans):
        if every and i % every == 0:
            plan.style = "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    return plans, [write_plan(p, folder) for p in plans]


def _words(path: Path) -> int:
    accepted, _ = gather([path])
    return sum(len(b.text.split()) for incoming in accepted for b in read_blocks(incoming, HeadingMap()))


def reference(paths: list[Path], workers: int) -> int:
    """Intake, reading and tokenising only, in as many processes (and chunks) as the pre-check uses."""
    if workers <= 1:
        return sum(map(_words, paths))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(_words, paths, chunksize=max(1, len(paths) // (workers * 8))))


def _store(folder: Path, plans) -> tuple[object, int]:
    db = folder / "bench-documents.db"
    db.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{db}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        area = LocalArea(code="DEMO", name="Benchmark area")
        session.add(area)
        session.flush()
        for plan in plans:
            session.add(Plan(area_id=area.id, plan_ref=plan.ref, team="North", phase="primary", year_group="4",
                             primary_need="ASD", setting_type="Mainstream", status="active", case_officer="CO-1"))
        session.commit()
        return engine, area.id


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=1000, pdf_share=0.1, workers=2, zip_plans=40,
                  repeat=3).parse_args(argv)
    rules = load_rules(ROOT / "rubrics" / "precheck")
    scratch = args.tmp / "precheck"
    shutil.rmtree(scratch, ignore_errors=True)
    plans, paths = write_plans(args.plans, args.pdf_share, scratch / "plans")
    found: dict = {}

    def precheck() -> None:
        flags, problems = check_files(paths, rules, workers=args.workers)
        assert not problems, problems[:3]
        found["flags"] = flags

    runs = alternating({"precheck": precheck, "reference": lambda: found.update(words=reference(paths, args.workers))},
                       args.repeat)

    zip_plans, archive = plans[:args.zip_plans], scratch / "plans.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in paths[:args.zip_plans]:
            z.write(path, path.name)
    state: dict = {}

    def fresh() -> None:
        state["engine"], state["area_id"] = _store(scratch, zip_plans)

    def import_zip() -> None:
        with Session(state["engine"]) as session:
            area = session.get(LocalArea, state["area_id"])
            report = import_documents(session, area, [archive], rules)
            session.commit()
        assert len(report.documents) == len(zip_plans)

    def read_zip() -> None:
        accepted, problems = gather([archive])
        assert not problems and all(parse(i, HeadingMap())[0] is not None for i in accepted)

    zip_runs = alternating({"import": import_zip, "read": read_zip}, args.repeat, setup=fresh)
    state["engine"].dispose()

    pdfs = sum(p.suffix == ".pdf" for p in paths)
    figures = [
        Figure(f"pre-check of {args.plans:,} plans ({pdfs} PDF) in {args.workers} processes", runs["precheck"],
               runs["reference"], "the same files through intake, reading and splitting into words",
               target_seconds=60 * args.plans / 1000,
               note=f"{len(found['flags']):,} flags; target 60 s per 1,000 plans on 2 cores"),
        Figure(f"import of a {len(zip_plans)}-plan ZIP into SQLite", zip_runs["import"], zip_runs["read"],
               "the same ZIP gathered and parsed, nothing stored", target_seconds=10.0),
    ]
    scores = score(plans, found["flags"])
    for rule_id, s in scores.items():
        if rule_id in TARGETS:
            figures.append(Figure(f"{rule_id}: precision on {args.plans:,} labelled plans", value=round(s.precision, 3),
                                  unit="precision", target_value=TARGETS[rule_id], target_is_max=False,
                                  note=f"{s.true_positives} right, {s.false_positives} wrong"))
            figures.append(Figure(f"{rule_id}: recall on {args.plans:,} labelled plans", value=round(s.recall, 3),
                                  unit="recall", target_value=RECALL[rule_id], target_is_max=False,
                                  note=f"{s.true_positives} found, {s.false_negatives} missed"))
    details = {"plans": f"{args.plans:,} labelled synthetic plans (seed 2026), DOCX in {len(STYLES)} template styles "
                        f"and every {max(1, round(1 / args.pdf_share)) if args.pdf_share else 0}th one as PDF",
               "words read": f"{found['words']:,}",
               "rules without a target": ", ".join(f"{r} precision {s.precision:.2f} recall {s.recall:.2f}"
                                                   for r, s in scores.items() if r not in TARGETS) or "none"}
    record("precheck", command_line("bench.precheck", argv), figures, args.out, details=details)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
