"""Trends across cycles: Wilson intervals against known values, rubric breaks, themed cycles kept apart."""

from __future__ import annotations

import pytest
from sqlmodel import Session, create_engine

from audit.store.models import Cycle
from reports.trends import cycle_trends, wilson_interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),  # the textbook example
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (1, 40, 0.0044, 0.1289),
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_interval_matches_published_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-4) and hi == pytest.approx(high, abs=5e-4)


def test_wilson_interval_is_none_without_a_sample():
    assert wilson_interval(0, 0) is None


@pytest.fixture(scope="module")
def trends(board_store):
    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        yield cycle_trends(session, session.get(Cycle, board_store["cycles"][0]).area_id), board_store
    engine.dispose()


def test_three_routine_cycles_with_a_rubric_change_in_the_middle_show_the_breaks(trends):
    t, _store = trends
    overall = t.series("Overall", "All sampled plans")
    assert overall["cycle"].tolist() == ["Cycle May", "Cycle Aug", "Cycle Nov"]
    # Aug is the first cycle on the reworded 2026.9; Nov goes back to the shipped 2026.2: both are breaks, May is not.
    assert overall["rubric_break"].tolist() == [False, True, True]
    assert overall["rubric_version"].tolist() == ["2026.2", "2026.9", "2026.2"]
    for service in ("SEN team", "Education", "Health"):
        assert t.series("Service", service)["rubric_break"].tolist() == [False, True, True]


def test_themed_cycles_are_reported_apart_and_never_in_the_routine_trend(trends):
    t, _ = trends
    assert "Health advice themed" not in set(t.routine["cycle"])
    assert set(t.themed["cycle"]) == {"Health advice themed"}
    assert set(t.themed["theme"]) == {"health"} or t.themed["theme"].notna().all()


def test_every_point_has_its_sample_size_and_interval(trends):
    t, _ = trends
    points = t.routine[t.routine["plans"] > 0]
    assert (points["ci_low"] <= points["pct"]).all() and (points["pct"] <= points["ci_high"]).all()
    row = points.iloc[0]
    low, high = wilson_interval(int(row["good_or_better"]), int(row["plans"]))
    assert row["ci_low"] == pytest.approx(100 * low) and row["ci_high"] == pytest.approx(100 * high)
