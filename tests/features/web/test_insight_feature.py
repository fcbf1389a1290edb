"""Steps for insight.feature: timeliness, trends and programme pause/resume pages."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from audit.cycle.lifecycle import get_area
from audit.cycle.programmes import ProgrammeSpec, set_programme
from audit.store.db import transaction
from audit.store.models import AuditProgramme
from tests.factories import whole_plan_rubric
from tests.web.conftest import app, client, engine_of, settings, sign_in, template_db, triggered  # noqa: F401  (fixtures)

scenarios("web/insight.feature")


@pytest.fixture
def ctx():
    return {}


@when("the QA lead opens timeliness broken down by team for the last 6 months")
def timeliness_by_team(client, ctx):
    ctx["token"] = sign_in(client, "demo-qa-lead")
    ctx["response"] = client.get("/timeliness", params={"by": "team", "months": "6"})


@then("they see each measure per team for a six-month period")
def per_team(ctx):
    r = ctx["response"]
    assert r.status_code == 200 and "Final plan" in r.text
    assert '<option value="team" selected>' in r.text and '<option value="6" selected>' in r.text
    assert "North" in r.text or "South" in r.text or "Team" in r.text


@when("they ask for a breakdown that is not offered")
def bad_breakdown(client, ctx):
    ctx["response"] = client.get("/timeliness", params={"by": "case_officer"})


@then(parsers.parse('they see the error summary "{text}"'))
def error_summary(ctx, text):
    r = ctx["response"]
    assert r.status_code == 400 and "There is a problem" in r.text and text in r.text


@given("an audit programme that is active")
def programme(app, ctx):
    with transaction(engine_of(app)) as session:
        area = get_area(session, app.state.settings.area_code)
        made, _ = set_programme(session, area, ProgrammeSpec(name="Termly audit", cadence="termly", cron=None,
                                                             rubric=whole_plan_rubric(), sample_size=5))
        ctx["programme"] = made.id


def _active(app, programme_id):
    with transaction(engine_of(app)) as session:
        return session.get(AuditProgramme, programme_id).active


@when("the QA lead asks to pause it")
def ask_pause(client, ctx):
    ctx["token"] = sign_in(client, "demo-qa-lead")
    listing = client.get("/programmes").text
    assert f'href="/programmes/{ctx["programme"]}/pause"' in listing and "Termly audit" in listing
    ctx["response"] = client.get(f"/programmes/{ctx['programme']}/pause")


@then("they are asked to confirm and nothing has changed yet")
def asked(ctx, app):
    assert "Pause Termly audit?" in ctx["response"].text and "Yes, pause it" in ctx["response"].text
    assert _active(app, ctx["programme"])


@when("they confirm")
def confirm(client, ctx):
    ctx["response"] = client.post(f"/programmes/{ctx['programme']}/pause", data={"csrf_token": ctx["token"]})


@then("the programme is paused")
def paused(ctx, app, client):
    assert ctx["response"].status_code == 303
    assert not _active(app, ctx["programme"])
    page = client.get(ctx["response"].headers["location"]).text
    assert "The programme is paused." in page and f'href="/programmes/{ctx["programme"]}/resume"' in page


@when(parsers.parse('the board member opens "{url}"'))
def board_opens(client, ctx, url):
    if "signed" not in ctx:
        sign_in(client, "demo-board-member")
        ctx["signed"] = True
    ctx["response"] = client.get(url)


@then(parsers.parse('they see "{heading}"'))
def sees(ctx, heading):
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in ctx["response"].text
