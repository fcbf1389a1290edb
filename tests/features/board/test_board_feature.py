"""Steps for board_pack.feature: the view-model the pack's formats are rendered from."""

from __future__ import annotations

import re

from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import Session, create_engine

from audit.store.models import Cycle
from reports.pack import build_pack

scenarios("board/board_pack.feature")


def tables(pack):
    return {t["key"]: t for s in pack["sections"] for t in s["tables"]}


@given("three routine cycles and one themed cycle scored, the middle routine one on a changed rubric",
       target_fixture="store")
def store(board_store):
    return board_store


def _build(store, service=None):
    engine = create_engine(store["url"])
    with Session(engine) as session:
        pack = build_pack(session, session.get(Cycle, store["cycles"][-1]), store["today"], 5, service=service)
    engine.dispose()
    return pack


@when("the board pack for the latest cycle is built", target_fixture="pack")
def whole_pack(store):
    return _build(store)


@when(parsers.parse("the service pack for {service} is built"), target_fixture="pack")
def service_pack(store, service):
    return _build(store, service)


def overall_trend(pack):
    table = tables(pack)["trend_routine"]
    keys = [c["key"] for c in table["columns"]]
    rows = [dict(zip(keys, (c["text"] for c in r["cells"]))) for r in table["rows"]]
    return [r for r in rows if r["group"] == "All sampled plans"]


@then(parsers.parse("the routine trend lists {n:d} cycles with the rubric change marked on the second and third"))
def breaks(pack, n):
    rows = overall_trend(pack)
    assert [r["cycle"] for r in rows] == ["Cycle May", "Cycle Aug", "Cycle Nov"][:n]
    assert [r["break"] for r in rows] == ["", "rubric changed", "rubric changed"]
    assert "trend_good_or_better" in pack["charts"]


@then("the themed cycle is reported apart from the routine trend")
def themed_apart(pack):
    assert {r["cycle"] for r in overall_trend(pack)} == {"Cycle May", "Cycle Aug", "Cycle Nov"}
    themed = tables(pack)["trend_themed"]
    assert themed["rows"] and all(r["cells"][2]["text"] == "Health advice themed" for r in themed["rows"])


@then("every trend percentage comes with its sample size and a 95% interval")
def intervals(pack):
    for row in overall_trend(pack):
        assert re.fullmatch(r"\d+\.\d%", row["pct"]) and re.fullmatch(r"\d+–\d+%", row["ci"]) and int(row["plans"]) > 0


@then("no table cell shows a count from 1 to 4")
def no_small_counts(pack):
    for table in tables(pack).values():
        for row in table["rows"]:
            for cell, column in zip(row["cells"], table["columns"]):
                if column["kind"] == "count":
                    assert cell["text"] not in {"1", "2", "3", "4"}, (table["key"], column["key"])
                    assert cell["value"] is None or not 0 < cell["value"] < 5


@then("the pack says how small numbers are suppressed")
def says_so(pack):
    assert "fewer than 5 plans" in pack["suppression_note"]


@then("its service table has only the Health row")
def only_health(pack):
    assert [r["cells"][0]["text"] for r in tables(pack)["by_service"]["rows"]] == ["Health"]
    assert pack["service_label"] == "Health"


@then("its timeliness table has only health advice")
def only_health_timeliness(pack):
    assert [r["cells"][0]["text"] for r in tables(pack)["timeliness"]["rows"]] == [
        "Health advice received within 6 weeks (including exception cases)",
        "Health advice received within 6 weeks (excluding exception cases)",
        "Health advice received within 6 weeks: exception cases (of which in time)"]
