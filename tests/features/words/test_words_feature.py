"""Steps for words.feature: strata in words on the cycle page, the trail as who did what to what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.store.db import transaction
from audit.store.models import Plan, SampledPlan
from tests.factories import whole_plan_rubric
from tests.web.conftest import AREA, app, engine_of, settings, sign_in, template_db, triggered  # noqa: F401  (fixtures)
from tests.words import raw_codes, visible_text

scenarios("words/words.feature")


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


@given("a cycle stratified by team and by new plan or annual review has started", target_fixture="cycle")
def stratified_cycle(app):
    with transaction(engine_of(app)) as session:
        cycle = create_cycle(session, get_area(session, AREA), whole_plan_rubric(), name="Stratified cycle",
                             sample_size=6, strata=["team", "plan_stage"],
                             due_date=audit.clock.today() + timedelta(days=28), seed=5)
        open_cycle(session, cycle)
        refs = list(session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                                 .where(SampledPlan.cycle_id == cycle.id).order_by(Plan.plan_ref)).all())
        return {"id": cycle.id, "refs": refs}


@when("the QA lead opens the cycle's page", target_fixture="page")
def open_cycle_page(client, cycle):
    sign_in(client, "demo-qa-lead")
    return visible_text(client.get(f"/cycles/{cycle['id']}").text)


@then(parsers.parse('the page says the cycle is stratified by "{words}"'))
def stratified_by(page, words):
    assert f"Stratified by {words}" in page


@then(parsers.parse('every sampled plan\'s stratum is named in words, like "{example}"'))
def strata_in_words(page, cycle):
    table = page[page.index("Sampled plans and their state"):]  # the plan table, after the group filter's options
    found = re.findall(r"Team [\w-]+, (?:annual review|new plan)", table)
    assert len(found) == len(cycle["refs"]), page


@then("the page shows no raw code, stratum key or machine time")
def no_raw_code(page):
    assert raw_codes(page) == []


@when(parsers.parse('the QA lead withdraws one of its plans because it "{reason}"'))
def withdraw(client, cycle, reason):
    token = sign_in(client, "demo-qa-lead")
    answer = client.post(f"/cycles/{cycle['id']}/withdraw",
                         data={"csrf_token": token, "plan_ref": cycle["refs"][0], "reason": reason, "replace": "yes"})
    assert answer.status_code == 303


@when("the QA lead looks up that plan in the audit trail", target_fixture="trail")
def look_up(client, cycle):
    return visible_text(client.get("/trail", params={"plan": cycle["refs"][0]}).text)


@then(parsers.parse('the trail says "{who_did}" that plan "{to_what}"'))
def trail_says(trail, cycle, who_did, to_what):
    assert f"{who_did} {cycle['refs'][0]} {to_what}" in trail
    assert raw_codes(trail) == []


@then("looking for another person's changes to that plan finds none")
def another_person(client, cycle):
    page = client.get("/trail", params={"plan": cycle["refs"][0], "actor": "demo-admin"}).text
    assert "0 matching entries" in page


@then("looking for that plan's changes before the cycle began finds none")
def before(client, cycle):
    until = (audit.clock.today() - timedelta(days=2)).strftime("%-d/%-m/%Y")
    assert "0 matching entries" in client.get("/trail", params={"plan": cycle["refs"][0], "until": until}).text
