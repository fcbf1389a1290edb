"""A national-scale synthetic store: about 150 areas, 640,000 plans, every plan audited and scored.

Plans come from the product's synthetic register (audit.synthetic.area), one register per area. Section grades are
drawn with numpy using the same tendencies as the simulated auditors (audit.synthetic.grading: a plan's latent
quality, section offsets, noise); plan grades are the rubric's own roll-up (`audit.rubrics.scoring.plan_grade`) per
distinct pattern. Rows go in through `audit.store.bulk.insert_columns`. Built once and kept in bench/tmp.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlmodel import Session

from audit.rubrics.loading import find_rubric, store_rubric
from audit.rubrics.scoring import plan_grade
from audit.store.bulk import insert_columns
from audit.store.db import init_db, make_engine
from audit.store.models import Cycle, LocalArea, Plan, PlanResult, SampledPlan, SectionResult
from audit.synthetic.area import generate_register
from audit.synthetic.grading import CRITERION_SD, PLAN_MEAN, PLAN_SD, SECTION_OFFSETS
from audit.vocabulary import Grade
from bench.harness import ROOT

AS_OF = date(2026, 11, 1)
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
INCOMPLETE_SHARE = 0.01  # plans with one section not yet graded


def schema_fingerprint() -> str:
    """A short hash of every table's columns and types in the models."""
    from sqlmodel import SQLModel

    import audit.store.models  # noqa: F401  # registers the tables

    shape = sorted(f"{t.name}.{c.name}:{c.type}" for t in SQLModel.metadata.tables.values() for c in t.columns)
    return hashlib.sha256("\n".join(shape).encode()).hexdigest()[:16]


def national_store(folder: Path, n_plans: int = 640_000, n_areas: int = 150, seed: int = 3,
                   rebuild: bool = False) -> str:
    """The store's SQLAlchemy URL, building it first if needed."""
    folder = Path(folder) / f"national-{n_plans}-{n_areas}-{seed}"
    db, done = folder / "store.db", folder / "built"
    if done.exists() and done.read_text() == schema_fingerprint() and not rebuild:
        return f"sqlite:///{db}"  # built by this schema: a store from an older one is rebuilt, not misread
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    rng = np.random.default_rng(seed)
    sizes = _area_sizes(rng, n_plans, n_areas)
    rubric = find_rubric(ROOT / "rubrics", "whole-plan")
    with Session(engine) as session:
        version = store_rubric(session, rubric)
        for i, size in enumerate(sizes):
            _area(session, rubric, version.id, f"A{i + 1:03d}", int(size), seed * 1000 + i, rng)
            session.commit()
    engine.dispose()
    done.write_text(schema_fingerprint())
    return f"sqlite:///{db}"


def _area_sizes(rng: np.random.Generator, n_plans: int, n_areas: int) -> np.ndarray:
    """Area register sizes: skewed like England's (a few large counties, many small boroughs), summing to n."""
    weights = rng.lognormal(0.0, 0.6, n_areas)
    sizes = np.maximum(np.floor(weights / weights.sum() * n_plans).astype(int), 1)
    sizes[np.argmax(sizes)] += n_plans - sizes.sum()
    return sizes


def _area(session: Session, rubric, version_id: int, code: str, size: int, seed: int, rng) -> None:
    area = LocalArea(code=code, name=f"Synthetic area {code}")
    session.add(area)
    session.flush()
    register = generate_register(seed, size, AS_OF, area_code=code)
    register["timescale_exception"] = register["timescale_exception"].eq("yes")
    columns = {c: register[c].tolist() for c in register.columns}
    insert_columns(session, Plan.__table__, columns, {"area_id": area.id, "imported_at": STAMP})
    plan_ids = [r[0] for r in session.execute(Plan.__table__.select().with_only_columns(Plan.__table__.c.id)
                                              .where(Plan.__table__.c.area_id == area.id).order_by("id"))]
    cycle = Cycle(area_id=area.id, name=f"National audit {AS_OF:%B %Y}", rubric_version_id=version_id,
                  sample_size=size, strata=[], exclusions={}, seed=seed, due_date=AS_OF, status="scored")
    session.add(cycle)
    session.flush()
    insert_columns(session, SampledPlan.__table__, {"plan_id": plan_ids},
                   {"cycle_id": cycle.id, "stratum": "all", "status": "sampled"})
    sampled = [r[0] for r in session.execute(SampledPlan.__table__.select().with_only_columns(SampledPlan.__table__.c.id)
                                             .where(SampledPlan.__table__.c.cycle_id == cycle.id).order_by("id"))]
    sections, plans = _grades(rubric, register, np.array(sampled), rng)
    constants = {"cycle_id": cycle.id, "rubric_version_id": version_id}
    insert_columns(session, SectionResult.__table__, sections, constants)
    insert_columns(session, PlanResult.__table__, plans, constants | {"computed_at": STAMP})


def _grades(rubric, register: pd.DataFrame, sampled: np.ndarray, rng) -> tuple[dict, dict]:
    """Section results (one row per plan x section) and plan results for every sampled plan."""
    n = len(sampled)
    quality = PLAN_MEAN + PLAN_SD * rng.standard_normal(n)
    has = {"health": register["health_advice_requested"].notna().to_numpy(),
           "social_care": register["social_care_advice_requested"].notna().to_numpy()}
    missing = np.where(rng.random(n) < INCOMPLETE_SHARE, rng.integers(0, len(rubric.sections), n), -1)
    rows = {"sampled_plan_id": [], "section": [], "agency": [], "grade": [], "status": []}
    by_section = []
    for k, section in enumerate(rubric.sections):
        applies = has.get(section.applies_if_advice, np.ones(n, dtype=bool)) if section.applies_if_advice else np.ones(n, bool)
        score = quality + SECTION_OFFSETS.get(section.code, 0.0) + CRITERION_SD * rng.standard_normal(n)
        grade = np.clip(np.floor(score + 0.5), 1, 4).astype(int)
        status = np.where(~applies, "not_applicable", np.where(missing == k, "incomplete", "complete"))
        graded = status == "complete"
        rows["sampled_plan_id"] += sampled.tolist()
        rows["section"] += [section.code] * n
        rows["agency"] += [section.agency] * n
        rows["grade"] += [int(g) if ok else None for g, ok in zip(grade, graded)]
        rows["status"] += status.tolist()
        by_section.append(np.where(graded, grade, 0) + np.where(status == "incomplete", -1, 0))
    matrix = np.stack(by_section, axis=1)  # grade 1-4, 0 not applicable, -1 incomplete
    codes = [s.code for s in rubric.sections]
    patterns, inverse = np.unique(matrix, axis=0, return_inverse=True)
    pattern_grades = []
    for pattern in patterns:
        if (pattern < 0).any():
            pattern_grades.append(None)
        else:
            pattern_grades.append(int(plan_grade(rubric, {c: Grade(int(g)) for c, g in zip(codes, pattern) if g > 0})))
    plan_grades = [pattern_grades[i] for i in inverse.ravel()]
    plans = {
        "sampled_plan_id": sampled.tolist(),
        "grade": plan_grades,
        "status": ["complete" if g is not None else "incomplete" for g in plan_grades],
        "missing_sections": [[codes[k] for k in np.flatnonzero(row < 0)] for row in matrix],
    }
    return rows, plans
