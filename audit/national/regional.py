"""One area's figures for a regional comparison: plan and service grades, timeliness and marker agreement.

`area_figures` is the unit of work a regional comparison fans out, one call per area (flows/regional.py runs
them side by side in worker processes). It opens the store from a URL and returns plain data, so it can run
in any process. The area's latest cycle with results is the one compared.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from audit.cycle.lifecycle import get_area
from audit.moderation.agreement import summarise
from audit.moderation.views import agreement_units
from audit.register.frames import plans_frame
from audit.results import analysis
from audit.store.db import make_engine
from audit.store.models import Cycle, LocalArea, PlanResult
from audit.timeliness.measures import compute_timeliness


@dataclass(frozen=True)
class AreaFigures:
    """Everything the comparison shows for one area; counts are unsuppressed (the report suppresses)."""

    area: str
    name: str
    cycle: str | None
    cycle_due: str | None
    overall: dict[str, Any]  # analysis.distribution's row for all graded plans
    services: list[dict[str, Any]] = field(default_factory=list)  # one distribution row per service
    timeliness: list[dict[str, Any]] = field(default_factory=list)  # Measure.to_dict() for each measure
    agreement: dict[str, Any] = field(default_factory=dict)  # agreement.Agreement.to_dict()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def areas_with_results(session: Session) -> list[str]:
    """Codes of the areas that have at least one cycle with results, in code order."""
    with_results = select(PlanResult.cycle_id).distinct()
    rows = session.exec(select(LocalArea.code).join(Cycle, Cycle.area_id == LocalArea.id)
                        .where(Cycle.id.in_(with_results)).distinct()).all()
    return sorted(rows)


def latest_cycle(session: Session, area_id: int) -> Cycle | None:
    """The area's cycle with results that is due last (ties: the later one)."""
    with_results = select(PlanResult.cycle_id).distinct()
    return session.exec(select(Cycle).where(Cycle.area_id == area_id, Cycle.id.in_(with_results))
                        .order_by(Cycle.due_date.desc(), Cycle.id.desc())).first()


def area_figures(database_url: str, area_code: str, as_of: date) -> AreaFigures:
    """Read one area's latest results, timeliness as of a date and agreement from the store at `database_url`."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            area = get_area(session, area_code)
            cycle = latest_cycle(session, area.id)
            timeliness = [m.to_dict() for m in compute_timeliness(plans_frame(session, area.id), as_of).measures]
            if cycle is None:
                empty = analysis.distribution(pd.DataFrame({"all": [], "grade": [], "status": []}), "all",
                                              ["All sampled plans"])
                return AreaFigures(area.code, area.name, None, None, _records(empty)[0], [], timeliness, {})
            results = analysis.load_cycle_results(session, cycle)
            units = agreement_units(session, cycle)
            agreement = summarise(_grades(units["first_grade"]), _grades(units["second_grade"]),
                                  list(units["sampled_plan_id"])).to_dict()
            return AreaFigures(area.code, area.name, cycle.name, cycle.due_date.isoformat(),
                               _records(analysis.overall(results))[0], _records(analysis.by_service(results)),
                               timeliness, agreement)
    finally:
        engine.dispose()


def _records(frame) -> list[dict[str, Any]]:
    """Rows as plain Python values (NaN and NA as None), safe to send between processes and to compare."""
    return json.loads(frame.to_json(orient="records"))


def _grades(series) -> list[float | None]:
    return [None if v is None or v != v else float(v) for v in series.tolist()]
