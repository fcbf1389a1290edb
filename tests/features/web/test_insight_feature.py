"""Steps for insight.feature: timeliness, trends and programme pause/resume pages."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from dateutil.relativedelta import relativedelta
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
    assert r.status_code == 200 and '<option value="team" selected>' in r.text and '<option value="6" selected>' in r.text
    groups = re.findall(r'</th>\s*<td class="govuk-table__cell">([^<]+)</td>', r.text)
    assert "All" in groups and len(set(groups)) > 2, "each measure overall, then per team"
    period = re.search(r"Statutory clocks, (\d+ \w+ \d{4}) to (\d+ \w+ \d{4})", r.text)
    start, end = (datetime.strptime(d, "%d %B %Y").date() for d in period.groups())
    assert end - relativedelta(months=6) + relativedelta(days=1) == start


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


def _rows(html: str) -> list[tuple[str, str]]:
    """(measure, percent) of each row of the timeliness table."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [(m, p.strip()) for m, p in re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]*)</th>.*?<td class="govuk-table__cell govuk-table__cell--numeric">'
        r'[^<]*</td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">[^<]*</td>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', body, re.S)]


@then("the list shows its first 25 rows and links to the next page")
def first_page(ctx, client):
    page = ctx["response"].text
    assert len(_rows(page)) == 25 and re.search(r"Showing 1 to 25 of (\d+) rows", page)
    nxt = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next">', page)
    assert nxt and "page=2" in nxt.group(1) and "by=team" in nxt.group(1)
    second = client.get(nxt.group(1).replace("&amp;", "&")).text
    assert "Showing 26 to" in second and _rows(second) and _rows(second)[0] != _rows(page)[0]


@when(parsers.parse('they filter it by "{words}"'))
def filter_by(client, ctx, words):
    ctx["response"] = client.get("/timeliness", params={"by": "team", "months": "6", "q": words})


@then("every row shown is about the final plan")
def about_final_plan(ctx):
    rows = _rows(ctx["response"].text)
    assert rows and all("final plan" in m.lower() for m, _ in rows)
    assert 'value="final plan"' in ctx["response"].text


@when("they sort it by percent, highest first")
def sort_by_percent(client, ctx):
    ctx["response"] = client.get("/timeliness", params={"by": "team", "months": "6", "q": "final plan",
                                                         "sort": "percent", "order": "desc"})


@then("the shares shown run from highest to lowest")
def highest_first(ctx):
    shares = [float(p.rstrip("%")) for _, p in _rows(ctx["response"].text) if p.endswith("%")]
    assert shares and shares == sorted(shares, reverse=True)
    assert 'aria-sort="descending"' in ctx["response"].text
