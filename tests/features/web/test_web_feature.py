"""Steps for crawl.feature: every role's pages on a store with a cycle in every state, and the error pages."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when

from tests.web.cli_crawl import crawl_commands
from tests.web.conftest import sign_in
from tests.web.crawl import crawl_as, own_page
from tests.web.crawl_stores import crawl_empty, crawl_lifecycle, role_of  # noqa: F401  (fixtures)
from web.app import create_app

scenarios("web/crawl.feature")
WHO = {"QA lead": "qa_lead", "moderator": "moderator", "board member": "board_member",
       "education auditor": "auditor-education", "parent carer forum auditor": "parent_carer_auditor",
       "admin": "admin", "SEND strategic lead": "send_strategic_lead"}


@pytest.fixture
def ctx():
    context = {}
    yield context
    if "client" in context:  # the signed-in browser of the last scenario
        context["client"].__exit__(None, None, None)
        context["client"].app.state.engine.dispose()


@given("a local area with a scored cycle, a cycle closed early, an open cycle and a calibration exercise")
def lifecycle(ctx, crawl_lifecycle):
    ctx["settings"], ctx["accounts"] = crawl_lifecycle


@given("a new service where only the accounts exist")
def empty(ctx, crawl_empty):
    ctx["settings"], ctx["accounts"] = crawl_empty


@when(parsers.parse("the {role} follows every link, download and API address they can reach"))
def follow_everything(ctx, caplog, role):
    who = WHO[role]
    with caplog.at_level(logging.ERROR):
        ctx["crawl"] = crawl_as(ctx["settings"], ctx["accounts"][who], role_of(who))
    ctx["log"] = caplog.text


@then("nothing they reached failed with a server error")
def no_server_error(ctx):
    crawl = ctx["crawl"]
    assert crawl.statuses()[200] > 5, "the crawl reached the role's pages"
    assert not [a for a in crawl.answers if a.status >= 500], "\n".join(crawl.faults) + ctx["log"][:4000]


@then("every refusal they met was the service's own page or the API's problem")
def own_pages(ctx):
    assert not ctx["crawl"].faults, "\n".join(ctx["crawl"].faults)
    assert any(a.status in (403, 404, 422) for a in ctx["crawl"].answers), "refusals were met and checked"


@then(parsers.parse('they saw "{heading}" with no cycle to open'))
def empty_results(ctx, heading):
    results = [a for a in ctx["crawl"].answers if a.url == "/results"]
    assert results and results[0].status == 200
    assert not any(re.fullmatch(r"/results/\d+", a.url) and a.status == 200 for a in ctx["crawl"].answers)


@given("the board member is signed in")
def board_member(ctx):
    ctx["client"] = TestClient(create_app(ctx["settings"]), follow_redirects=False).__enter__()
    sign_in(ctx["client"], ctx["accounts"]["board_member"])


@when(parsers.parse('they open "{url}"'))
def open_url(ctx, url):
    ctx["response"] = ctx["client"].get(url)


@when("the results page fails while they open it")
def results_fail(ctx, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("web.board.cycles_with_results", broken)
    with caplog.at_level(logging.ERROR):
        ctx["response"] = ctx["client"].get("/results")
    ctx["records"] = list(caplog.records)


@then(parsers.parse("they see the service's \"{heading}\" page"))
@then(parsers.parse("they see the service's \"{heading}\" page with a reference"))
def service_page(ctx, heading):
    r = ctx["response"]
    assert r.status_code in (403, 404, 500) and own_page(r.text), r.text[:500]
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in r.text
    if r.status_code == 500:
        ctx["reference"] = re.search(r"reference <strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", r.text).group(1)
        assert "the database went away" not in r.text


@then("the server log has that reference with the error's traceback")
def logged(ctx):
    (record,) = [r for r in ctx["records"] if ctx["reference"] in r.getMessage()]
    assert record.exc_info and "the database went away" in logging.Formatter().formatException(record.exc_info)


@when("every command is run as the operator and as every role, with and without its arguments")
def run_every_command(ctx, tmp_path, monkeypatch):
    ctx["runs"], ctx["tracebacks"] = crawl_commands(ctx["settings"], ctx["accounts"], tmp_path, monkeypatch)


@then("no command showed a traceback")
def no_traceback_shown(ctx):
    assert ctx["runs"] > 300, "every command was run for every role"
    assert ctx["tracebacks"] == [], "\n".join(ctx["tracebacks"])
