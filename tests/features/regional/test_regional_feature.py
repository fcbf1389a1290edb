"""Steps for tests/features/regional/regional.feature: the comparison a regional lead reads."""

from __future__ import annotations

import json

from pytest_bdd import given, scenarios, then, when
from sqlmodel import Session

from audit.cycle.lifecycle import get_area
from audit.national.regional import area_figures, latest_cycle
from audit.results import analysis
from audit.store.db import make_engine
from reports.regional import regional_view, render

scenarios("regional/regional.feature")
SMALL = "WEE"


@given("a region of three areas, each with a scored and second-marked audit cycle", target_fixture="store")
def store(regional_store):
    return regional_store


@when("the regional lead compares the areas", target_fixture="view")
def compare(store):
    figures = [area_figures(store["url"], code, store["today"]) for code in store["areas"]]
    return regional_view(figures, "Test region", store["today"], threshold=5)


def table(view, key):
    return next(t for t in view["tables"] if t["key"] == key)


def row_for(t, area):
    return next(r for r in t["rows"] if r["cells"][0]["text"].startswith(area))


@then("every area is listed with its latest cycle")
def listed(view, store):
    assert [a["code"] for a in view["areas"]] == store["areas"]
    assert all(a["cycle"] for a in view["areas"])


@then("each area's plan grades match what that area's own results say")
def grades_match(view, store):
    engine = make_engine(store["url"])
    with Session(engine) as session:
        for code in ("NTH", "STH"):
            own = analysis.overall(analysis.load_cycle_results(session, latest_cycle(session, get_area(session, code).id)))
            row = row_for(table(view, "plans_by_area"), code)
            assert row["cells"][1]["value"] == int(own.iloc[0]["plans"])
            assert row["cells"][7]["value"] == own.iloc[0]["good_or_better_pct"]
    engine.dispose()


@then("each timeliness measure has a row per area with its definition given once")
def timeliness_rows(view, store):
    measures = [t for t in view["tables"] if t["key"].startswith("timeliness_")]
    assert len(measures) >= 8
    for t in measures:
        assert [r["cells"][1]["text"] for r in t["rows"]] == store["areas"]
    assert len(view["definitions"]) == len(measures)


@then('the small area\'s plan grades show "<5" and no percentage')
def small_suppressed(view):
    row = row_for(table(view, "plans_by_area"), SMALL)
    assert row["cells"][1]["text"] == "<5"
    assert row["cells"][7]["text"] == "suppressed" and row["cells"][7]["value"] is None


@then("no table in any format shows the small area's hidden counts")
def hidden_everywhere(view):
    hidden = [c for t in view["tables"] for r in t["rows"] if r["cells"][0]["text"].startswith(SMALL)
              and t["key"] in ("plans_by_area", "services_by_area") for c in r["cells"][1:]]
    assert hidden and all(c["suppressed"] and c["value"] is None for c in hidden)
    data = json.loads(render(view, "json"))
    assert data == json.loads(json.dumps(view))
    for fmt in ("html", "md"):
        text = render(view, fmt)
        assert "Wee Borough" in text and "<5" in text.replace("&lt;", "<")


@then("each area with double-marked plans shows its exact agreement and Gwet's AC1")
def agreement(view):
    t = table(view, "agreement_by_area")
    for code in ("NTH", "STH"):
        cells = row_for(t, code)["cells"]
        assert cells[3]["value"] is not None and cells[3]["text"].endswith("%")
        assert cells[6]["text"] not in ("", "not defined")
