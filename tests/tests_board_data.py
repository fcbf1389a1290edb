"""Test data for the board pack: a synthetic area with scored cycles (imported by tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from sqlmodel import Session, create_engine

from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.improvement.actions import raise_actions
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric, rubric_from_content
from audit.settings import Settings
from audit.store.db import init_db
from audit.store.models import LocalArea
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.submissions import submit_simulated
from tests.databases import new_store_url

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 1)


def changed_rubric():
    """The whole-plan rubric with one descriptor reworded and a new version label: a new content hash."""
    content = yaml.safe_load((ROOT / "rubrics" / "whole-plan.yaml").read_text(encoding="utf-8"))
    content["version"] = "2026.9"  # a label of its own: the shipped rubric is 2026.2 (issue 21)
    content["sections"][0]["criteria"][0]["text"] += " (reworded)"
    return rubric_from_content(content, "whole-plan 2026.9")


def build_board_store(folder: Path) -> dict:
    url = new_store_url(folder, "board")
    engine = create_engine(url)
    init_db(engine)
    whole = find_rubric(ROOT / "rubrics", "whole-plan")
    themed = find_rubric(ROOT / "rubrics", "themed-health-advice")
    plan = [("Cycle May", whole, 5), ("Cycle Aug", changed_rubric(), 8), ("Health advice themed", themed, 9),
            ("Cycle Nov", whole, 11)]
    ids = []
    with Session(engine, expire_on_commit=False) as session:
        area = LocalArea(code="BOARD", name="Board test area")
        session.add(area)
        session.commit()
        files = write_synthetic_area(folder / "area", seed=21, n_plans=400, as_of=TODAY)
        import_register(session, area, files["register"])
        import_auditors(session, area, files["auditors"])
        for i, (name, rubric, month) in enumerate(plan):
            created = datetime(2026, month - 2, 1, tzinfo=UTC)
            cycle = create_cycle(session, area, rubric, name=name, sample_size=30, due_date=date(2026, month, 1),
                                 seed=i + 3, created_at=created)
            open_cycle(session, cycle)
            submit_simulated(session, cycle, seed=i + 3, now=created)
            score_cycle(session, cycle)
            raise_actions(session, load_cycle_results(session, cycle), Settings(), TODAY)
            cycle.status = "scored"
            session.add(cycle)
            session.commit()
            ids.append(cycle.id)
    engine.dispose()
    return {"url": url, "cycles": ids, "today": TODAY, "folder": folder, "area_code": "BOARD"}


def write_board_pack(store: dict, service: str | None = None, folder=None, draw_charts: bool = True):
    """`draw_charts=False`: the charts drawn beside the PDF's layout, as `ehcp-audit board-pack` does."""
    from audit.store.models import Cycle
    from reports.pack import build_pack
    from reports.pack_files import write_pack

    engine = create_engine(store["url"])
    with Session(engine) as session:
        pack = build_pack(session, session.get(Cycle, store["cycles"][-1]), store["today"], 5, service=service,
                          draw_charts=draw_charts)
    engine.dispose()
    return pack, write_pack(pack, folder or store["folder"] / "reports")
