"""Family voice in the inspection pack (reports/inspection_family.py): the family voice report's tables,
suppressed by audience, the agree/disagree counts, the heading's sentences and a deep-dive child's view."""

from __future__ import annotations

import pytest

import audit.family.views as views
import reports.inspection_family as family
from audit.family.links import FAMILY, YOUNG_PERSON
from audit.family.views import FamilyView, PlanView
from audit.vocabulary import Grade
from reports.inspection_family import family_page_table, family_pages, family_sentences, family_tables

GOOD, WEAK, WORST, BEST = int(Grade.GOOD), int(Grade.REQUIRES_IMPROVEMENT), int(Grade.INADEQUATE), int(Grade.OUTSTANDING)


@pytest.fixture
def view(monkeypatch):
    plans = ([PlanView(f"P-{i}", GOOD, family=5) for i in range(6)] + [PlanView("P-AH", BEST, family=1, young_person=2)]
             + [PlanView("P-FH", WORST, family=5)] + [PlanView(f"R-{i}", WEAK, family=2) for i in range(4)]
             + [PlanView("P-NONE", GOOD)])
    made = FamilyView(cycle_id=7, cycle_name="Spring", links={FAMILY: 20, YOUNG_PERSON: 10},
                      responses={FAMILY: 12, YOUNG_PERSON: 3}, plans=plans)
    monkeypatch.setattr(views, "family_view", lambda session, cycle_id: made)
    monkeypatch.setattr(family, "family_view", lambda session, cycle_id: made)
    return made


def _quote(figs, figure):
    figs.append(figure)
    return figure["text"]


def _sheets(tables):
    return {k: t | {"sheet": k} for k, t in tables.items()}


def test_published_tables_suppress_small_numbers_and_internal_ones_do_not(view):
    published, internal = _sheets(family_tables(None, 7, 5)), _sheets(family_tables(None, 7, 0))
    assert set(published) == {"response_rates", "family_and_grade", "family_beside_grade"}
    rates = [[c["text"] for c in r["cells"]] for r in published["response_rates"]["rows"]]
    assert rates[0][1:] == ["20", "12", "60.0%"]
    assert rates[1][2] == "<5" and "30" not in rates[1][3]  # three young people: could point to one
    beside = published["family_beside_grade"]["rows"][0]["record"]
    assert beside["plans"] == 12 and beside["well"] == 7 and beside["poorly"] == 5
    assert beside["audit_higher"] == "<5" and beside["family_higher"] == "<5"
    raw = internal["family_beside_grade"]["rows"][0]["record"]
    assert (raw["audit_higher"], raw["family_higher"]) == (1, 1)
    assert internal["family_beside_grade"]["suppressed_cells"] == 0


def test_the_heading_quotes_rates_and_disagreements_as_cells(view):
    for t, disagree in ((5, "<5"), (0, "1")):
        ev, figs = _sheets(family_tables(None, 7, t)), []
        text = " ".join(family_sentences(ev, figs, _quote))
        assert "Of 20 families asked about their plan, 12 answered (response rate 60.0%)" in text
        assert f"disagreed on {disagree} plans the audit graded Good or better" in text
        assert {f["table"] for f in figs} == {"response_rates", "family_beside_grade"}
        assert all(f["text"] in text and f["cell"] for f in figs)


def test_no_links_and_no_answers_say_so(monkeypatch):
    empty = FamilyView(cycle_id=7, cycle_name="Spring")
    monkeypatch.setattr(views, "family_view", lambda session, cycle_id: empty)
    figs = []
    assert family_sentences(_sheets(family_tables(None, 7, 5)), figs, _quote) == [
        "Family voice: no family survey responses recorded this cycle."]


def test_a_deep_dive_child_shows_their_family_view(view):
    pages = family_pages(None, 7)
    table = family_page_table("child1", pages["P-AH"])
    said = [r["record"]["said"] for r in table["rows"]]
    assert said[0] == "Strongly disagree" or "disagree" in said[0].lower()
    assert said[2] == "Audit graded it well; the family rates it poorly"
    none = family_page_table("child2", pages.get("NOT-ASKED"))
    assert "No family survey response recorded" in none["rows"][0]["record"]["said"]
