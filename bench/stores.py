"""Synthetic stores the benchmarks measure against, built through the product's own domain calls.

An area store: a synthetic register and auditor pool imported as a QA lead would, then cycles created,
opened, graded by simulated auditors, scored and actioned. Stores are cached in bench/tmp by their
parameters, so a rerun measures rather than rebuilds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.improvement.actions import raise_actions
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric
from audit.settings import Settings
from audit.store.db import init_db, make_engine
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.submissions import submit_simulated
from bench.harness import ROOT

AS_OF = date(2026, 11, 1)


@dataclass(frozen=True)
class AreaStore:
    url: str
    path: Path
    area_code: str
    cycle_ids: list[int]
    as_of: date = AS_OF

    @property
    def latest(self) -> int:
        return self.cycle_ids[-1]


def area_store(folder: Path, n_plans: int = 4000, sample_size: int = 200, cycles: int = 4, seed: int = 11,
               area_code: str = "BENCH", rebuild: bool = False) -> AreaStore:
    """A SQLite store with `cycles` scored routine cycles of `sample_size` plans, three months apart."""
    folder = Path(folder) / f"area-{area_code}-{n_plans}-{sample_size}-{cycles}-{seed}"
    db = folder / "store.db"
    done = folder / "built"
    if done.exists() and not rebuild:
        ids = [int(x) for x in done.read_text().split()]
        return AreaStore(f"sqlite:///{db}", db, area_code, ids)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    rubric = find_rubric(ROOT / "rubrics", "whole-plan")
    ids = []
    with Session(engine, expire_on_commit=False) as session:
        area = get_area(session, area_code, create=True, name=f"Benchmark area {area_code} (synthetic)")
        session.commit()
        files = write_synthetic_area(folder / "files", seed=seed, n_plans=n_plans, as_of=AS_OF)
        import_register(session, area, files["register"])
        import_auditors(session, area, files["auditors"])
        for i in range(cycles):
            due = AS_OF - timedelta(days=91 * (cycles - 1 - i))
            created = datetime.combine(due - timedelta(days=40), datetime.min.time(), tzinfo=UTC)
            cycle = create_cycle(session, area, rubric, name=f"Cycle {due:%b %Y}", sample_size=sample_size,
                                 due_date=due, strata=["team"], seed=seed + i, created_at=created)
            open_cycle(session, cycle)
            submit_simulated(session, cycle, seed=seed + i, now=created + timedelta(days=10))
            score_cycle(session, cycle)
            raise_actions(session, load_cycle_results(session, cycle), Settings(), due)
            cycle.status = "scored"
            session.add(cycle)
            session.commit()
            ids.append(cycle.id)
    engine.dispose()
    done.write_text(" ".join(map(str, ids)))
    return AreaStore(f"sqlite:///{db}", db, area_code, ids)
