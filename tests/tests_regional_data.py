"""Test data for regional comparisons: a few synthetic areas in one file store, each with a scored, second-marked cycle."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session, create_engine

from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.moderation.marking import ModerationRules, select_second_marking
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric
from audit.store.db import init_db
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.submissions import submit_simulated

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 1)
# Two areas of a useful size and one so small that every group in it is suppressed.
AREAS = {"NTH": ("Northshire (synthetic)", 30), "STH": ("Southshire (synthetic)", 24), "WEE": ("Wee Borough (synthetic)", 3)}


def build_regional_store(folder: Path) -> dict:
    url = f"sqlite:///{folder / 'regional.db'}"
    engine = create_engine(url)
    init_db(engine)
    rubric = find_rubric(ROOT / "rubrics", "whole-plan")
    created = datetime(2026, 9, 1, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as session:
        for i, (code, (name, sample)) in enumerate(AREAS.items()):
            area = get_area(session, code, create=True, name=name)
            files = write_synthetic_area(folder / code, seed=30 + i, n_plans=160, as_of=TODAY)
            import_register(session, area, files["register"])
            import_auditors(session, area, files["auditors"])
            cycle = create_cycle(session, area, rubric, name=f"{code} autumn audit", sample_size=sample,
                                 due_date=date(2026, 10, 15), strata=["team"], seed=30 + i, created_at=created)
            open_cycle(session, cycle)
            submit_simulated(session, cycle, seed=30 + i, now=created)
            select_second_marking(session, cycle, ModerationRules(share=0.5), today=date(2026, 10, 1))
            submit_simulated(session, cycle, seed=30 + i, now=created)
            score_cycle(session, cycle)
            session.commit()
    engine.dispose()
    return {"url": url, "today": TODAY, "folder": folder, "areas": sorted(AREAS)}
