"""National results in DuckDB give, per area, exactly what each area's own results give."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace

import pytest
from sqlmodel import Session

from audit.cycle.lifecycle import get_area
from audit.national import aggregate as national
from audit.national.regional import latest_cycle
from audit.register.frames import plans_frame
from audit.results import analysis
from audit.store.db import make_engine
from audit.timeliness.measures import compute_timeliness
from audit.vocabulary import REAUDIT_STRATUM, SERVICES

COLUMNS = ["plans", *analysis.GRADE_COLUMNS, "incomplete", "good_or_better_pct"]


@pytest.fixture(scope="module")
def results(regional_store):
    engine = make_engine(regional_store["url"])
    yield engine, national.national_results(engine, regional_store["today"])
    engine.dispose()


def own(engine, code):
    with Session(engine) as session:
        return analysis.load_cycle_results(session, latest_cycle(session, get_area(session, code).id))


def rows(frame, **where):
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return frame


@pytest.mark.parametrize("code", ["NTH", "STH", "WEE"])
def test_each_area_matches_its_own_results(results, code):
    engine, nat = results
    mine = own(engine, code)
    overall = analysis.overall(mine).iloc[0]
    row = rows(nat.by_area, area=code).iloc[0]
    assert [row[c] for c in COLUMNS] == [overall[c] for c in COLUMNS]
    services = analysis.by_service(mine)
    for service in SERVICES:
        expected = services[services["group"] == service.label].iloc[0]
        found = rows(nat.by_area_service, area=code, agency=service.value)
        if expected["plans"] == 0 and expected["incomplete"] == 0:
            assert found.empty
        else:
            assert [found.iloc[0][c] for c in COLUMNS] == [expected[c] for c in COLUMNS], service.value


def test_sections_and_teams_add_up_to_the_areas(results):
    _, nat = results
    by_section = nat.by_area_section.groupby("area")["plans"].sum()
    by_team = nat.by_area_team.groupby("area")["plans"].sum()
    assert (by_team == nat.by_area.set_index("area")["plans"]).all()
    assert (by_section > 0).all() and list(nat.by_section["section"]) == sorted(nat.by_section["section"])


def test_timeliness_is_given_per_area(results, regional_store):
    _, nat = results
    groups = {m.group for m in nat.timeliness.measures}
    assert groups == {None, *regional_store["areas"]}


@pytest.mark.parametrize("code", ["NTH", "STH", "WEE"])
def test_each_area_timeliness_matches_its_own_report(results, regional_store, code):
    engine, nat = results
    with Session(engine) as session:
        own = compute_timeliness(plans_frame(session, get_area(session, code).id), regional_store["today"])
    # Definitions may note what the national register records; the figures are the area's own.
    assert [replace(m, group=None, definition="") for m in nat.timeliness.measures if m.group == code] == [
        replace(m, definition="") for m in own.measures]


def test_a_section_its_rubric_does_not_have_is_refused_with_a_message(regional_store, tmp_path):
    copy = tmp_path / "store.db"
    shutil.copy(regional_store["folder"] / "regional.db", copy)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE sectionresult SET section = 'Z' WHERE id = (SELECT min(id) FROM sectionresult)")
    engine = make_engine(f"sqlite:///{copy}")
    with pytest.raises(ValueError, match="a section its rubric does not have"):
        national.national_results(engine)
    engine.dispose()


def test_re_audited_plans_are_left_out_as_in_each_areas_own_results(regional_store, tmp_path):
    copy = tmp_path / "store.db"
    shutil.copy(regional_store["folder"] / "regional.db", copy)
    engine = make_engine(f"sqlite:///{copy}")
    with Session(engine) as session:
        cycle_id = latest_cycle(session, get_area(session, "NTH").id).id
    with sqlite3.connect(copy) as db:  # five of the cycle's plans become re-audits after an amendment
        db.execute("UPDATE sampledplan SET stratum = ? WHERE id IN (SELECT sampled_plan_id FROM planresult "
                   "WHERE cycle_id = ? ORDER BY sampled_plan_id LIMIT 5)", (REAUDIT_STRATUM, cycle_id))
    nat = national.national_results(engine, regional_store["today"])
    mine = own(engine, "NTH")
    overall = analysis.overall(mine).iloc[0]
    row = rows(nat.by_area, area="NTH").iloc[0]
    assert [row[c] for c in COLUMNS] == [overall[c] for c in COLUMNS]
    assert rows(nat.by_area_section, area="NTH")["plans"].sum() == len(mine.sections.dropna(subset=["grade"]))
    engine.dispose()


def test_without_the_sqlite_scanner_the_store_is_read_through_sqlalchemy(results, regional_store, monkeypatch):
    engine, nat = results
    monkeypatch.setattr(national, "_load_sqlite_scanner", lambda con: False)
    again = national.national_results(engine)
    assert again.by_area.equals(nat.by_area) and again.by_area_service.equals(nat.by_area_service)
    assert again.timeliness is None
