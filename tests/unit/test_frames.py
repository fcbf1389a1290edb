"""The register frame: one row per plan of the area, Plan field names, dates as datetime64[ns]."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlmodel import select

from audit.register.frames import PLAN_DATE_COLUMNS, plans_frame
from audit.store.models import LocalArea, Plan
from audit.timeliness.measures import compute_timeliness


def make_plan(area_id: int, ref: str, **fields) -> Plan:
    base = dict(
        team="North", phase="primary", year_group="3", primary_need="ASD",
        setting_type="mainstream", status="active", case_officer="CO1",
    )
    return Plan(area_id=area_id, plan_ref=ref, **(base | fields))


def test_plan_date_columns_are_the_plan_date_fields():
    date_fields = [name for name, f in Plan.model_fields.items() if f.annotation in (date, date | None)]
    assert sorted(PLAN_DATE_COLUMNS) == sorted(date_fields)


def test_plans_frame_round_trips_the_register(session, area):
    other = LocalArea(code="OTHER", name="Another area")
    session.add(other)
    session.commit()
    session.add_all(
        [
            make_plan(area.id, "P1", request_date=date(2024, 1, 1), final_issued_date=date(2024, 5, 20),
                      timescale_exception=True, health_advice_requested=date(2024, 2, 29)),
            make_plan(area.id, "P2", team="South"),
            make_plan(other.id, "X1", request_date=date(2024, 1, 1)),
        ]
    )
    session.commit()

    frame = plans_frame(session, area.id)

    expected_columns = ["plan_id" if name == "id" else name for name in Plan.model_fields]
    assert sorted(frame.columns) == sorted(expected_columns)
    assert list(frame["plan_ref"]) == ["P1", "P2"]
    assert all(frame[c].dtype == "datetime64[ns]" for c in PLAN_DATE_COLUMNS)
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["request_date"] == pd.Timestamp("2024-01-01")
    assert first["health_advice_requested"] == pd.Timestamp("2024-02-29")
    assert bool(first["timescale_exception"]) is True and bool(second["timescale_exception"]) is False
    assert pd.isna(second["final_issued_date"])
    ids = {p.plan_ref: p.id for p in session.exec(select(Plan)).all()}
    assert list(frame["plan_id"]) == [ids["P1"], ids["P2"]]


def test_an_area_with_no_plans_gives_an_empty_frame_of_the_same_shape(session, area):
    frame = plans_frame(session, area.id)
    assert frame.empty and "plan_id" in frame.columns
    assert all(frame[c].dtype == "datetime64[ns]" for c in PLAN_DATE_COLUMNS)
    assert all(m.total == 0 for m in compute_timeliness(frame, date(2024, 12, 31), by="team").measures)


def test_the_frame_feeds_the_timeliness_measures(session, area):
    session.add_all(
        [
            make_plan(area.id, "P1", request_date=date(2024, 1, 1), final_issued_date=date(2024, 5, 20)),
            make_plan(area.id, "P2", request_date=date(2024, 1, 1), final_issued_date=date(2024, 5, 21)),
        ]
    )
    session.commit()
    report = compute_timeliness(plans_frame(session, area.id), date(2024, 12, 31))
    measure = report.get("final_plan_20_weeks_including_exceptions")
    assert (measure.met, measure.total) == (1, 2)


def test_the_example_in_docs_timeliness_runs(session, area):
    from pathlib import Path

    session.add(make_plan(area.id, "P1", team="South"))
    session.commit()
    text = (Path(__file__).parents[2] / "docs" / "timeliness.md").read_text()
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(example, "docs/timeliness.md", "exec"), {"session": session, "area": area})
