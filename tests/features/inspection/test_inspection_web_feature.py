"""Steps for inspection_web.feature: the inspection pages on the web tests' store (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re

import pytest
from pytest_bdd import given, parsers, then, when
from pytest_bdd import scenarios as bdd_scenarios
from sqlmodel import select

from audit import clock
from audit.store.db import transaction
from audit.store.models import Cycle, Plan, SelfEvaluationVersion, TrailEntry
from reports.inspection import build_inspection
from tests.web.conftest import (  # noqa: F401  (fixtures)
    app,
    client,
    csrf_of,
    engine_of,
    scored,
    settings,
    sign_in,
    template_db,
    triggered,
)

bdd_scenarios("inspection/inspection_web.feature")
HEADINGS = {"Children, young people and families take part in decisions": "taking_part",
            "Needs are identified and assessed in a timely way": "identified_assessed"}
WHO = {"SEND strategic lead": "demo-send-strategic-lead", "QA lead": "demo-qa-lead", "board member": "demo-board-member"}


@pytest.fixture
def ctx():
    return {}


@given(parsers.parse("a scored cycle and the {who} signed in"))
def signed_in(ctx, client, scored, who):
    ctx |= {"client": client, "user": WHO[who], "token": sign_in(client, WHO[who]), "cycle": 1}


@given("the QA lead signed in before any cycle is scored")
def unscored(ctx, app):
    from fastapi.testclient import TestClient

    other = TestClient(app, follow_redirects=False)
    ctx |= {"client": other, "user": "demo-qa-lead", "token": sign_in(other, "demo-qa-lead")}


def _textarea(page: str) -> str:
    return html.unescape(re.search(r'<textarea[^>]*name="paragraph"[^>]*>\s*(.*?)</textarea>', page, re.S).group(1))


@when(parsers.parse('they open the self-evaluation of "{title}"'))
def open_heading(ctx, title):
    ctx["heading"] = HEADINGS[title]
    ctx["page"] = ctx["client"].get(f"/inspection/1/self-evaluation/{ctx['heading']}")
    assert ctx["page"].status_code == 200, ctx["page"].text[:2000]


@then("the paragraph generated from the data is shown with each figure's token, sheet and cell")
def generated_shown(ctx):
    page = ctx["page"].text
    template = _textarea(page)
    tokens = re.findall(r"\{[a-z_.0-9]+\}", template)
    assert tokens and "{overall.plans}" in tokens
    for token in tokens:
        assert f"<code>{token}</code>" in page
    assert "Overall, cell B3" in page or re.search(r"Overall[^<]*, cell B3", page), page[:200]
    assert "Generated from the data; not edited yet" in page
    ctx["template"] = template


@when("they save the paragraph reworded, keeping its figures' tokens")
def save_reworded(ctx):
    ctx["edited"] = "In our own words: " + ctx["template"].replace("Of ", "Out of ", 1)
    r = ctx["client"].post(f"/inspection/1/self-evaluation/{ctx['heading']}",
                           data={"csrf_token": ctx["token"], "paragraph": ctx["edited"]})
    assert r.status_code == 303, r.text[:3000]
    ctx["page"] = ctx["client"].get(r.headers["location"])


@then("version 2 is saved by them and version 1 is the paragraph generated from the data")
def versions_kept(ctx, app):
    page = ctx["page"].text
    assert "Saved as version 2" in page and f"saved by {ctx['user']}" in page
    with transaction(engine_of(app)) as session:
        kept = session.exec(select(SelfEvaluationVersion).where(SelfEvaluationVersion.heading_key == ctx["heading"])
                            .order_by(SelfEvaluationVersion.number)).all()
        assert [(v.number, v.made_by) for v in kept] == [(1, "generated from the data"), (2, ctx["user"])]
        assert kept[0].text == ctx["template"] and kept[1].text == ctx["edited"]


@then("the inspection pack's paragraph for the heading is the reworded one, its figures read from the data")
def pack_uses_latest(ctx, app):
    with transaction(engine_of(app)) as session:
        cycle = session.get(Cycle, 1)
        pack = build_inspection(session, cycle, clock.today(), 5)
        generated = build_inspection(session, cycle, clock.today(), 5, edited=False)
    heading = next(h for h in pack["headings"] if h["key"] == ctx["heading"])
    before = next(h for h in generated["headings"] if h["key"] == ctx["heading"])
    assert heading["paragraph"].startswith("In our own words: ") and "Out of " in heading["paragraph"]
    assert heading["version"]["number"] == 2 and heading["version"]["by"] == ctx["user"]
    assert [f["text"] for f in heading["figures"]] == [f["text"] for f in before["figures"]]
    for figure in heading["figures"]:
        assert figure["text"] in heading["paragraph"] and figure["sheet"]


@then("version 1 can still be read")
def version_one(ctx):
    page = ctx["client"].get(f"/inspection/1/self-evaluation/{ctx['heading']}/versions/1")
    assert page.status_code == 200 and "Generated from the data" in page.text
    assert "A later version (version 2) is the one the pack uses" in page.text
    assert ctx["client"].get(f"/inspection/1/self-evaluation/{ctx['heading']}/versions/9").status_code == 404


@when(parsers.parse('they save the heading "{title}" with "{typed}" typed in place of a token'))
def save_typed(ctx, title, typed):
    ctx["heading"] = HEADINGS[title]
    template = _textarea(ctx["client"].get(f"/inspection/1/self-evaluation/{ctx['heading']}").text)
    first = re.search(r"\{[a-z_.0-9]+\}", template).group(0)
    ctx["answer"] = ctx["client"].post(f"/inspection/1/self-evaluation/{ctx['heading']}", data={
        "csrf_token": ctx["token"], "paragraph": template.replace(first, typed, 1)})


@when(parsers.parse('they save the heading "{title}" with the token "{token}"'))
def save_unknown(ctx, title, token):
    ctx["heading"] = HEADINGS[title]
    ctx["answer"] = ctx["client"].post(f"/inspection/1/self-evaluation/{ctx['heading']}", data={
        "csrf_token": ctx["token"], "paragraph": f"Our words and {token}."})


@then("the save is refused with an error summary saying figures come from the data")
def refused_typed(ctx):
    r = ctx["answer"]
    assert r.status_code == 400 and "govuk-error-summary" in r.text
    assert "Figures come from the data, so they cannot be typed" in html.unescape(r.text)


@then(parsers.parse('the save is refused with an error summary saying "{token}" is not a figure in the evidence'))
def refused_unknown(ctx, token):
    r = ctx["answer"]
    assert r.status_code == 400 and "govuk-error-summary" in r.text
    assert f"{token} is not a figure in this pack's evidence" in html.unescape(r.text)


@then("no version of the heading is saved")
def nothing_saved(ctx, app):
    with transaction(engine_of(app)) as session:
        assert not session.exec(select(SelfEvaluationVersion)).all()


# --- the person-level export -------------------------------------------------------------------------------


def _export(ctx, **form):
    ctx["answer"] = ctx["client"].post("/inspection/1/person-level", data={"csrf_token": ctx["token"], **form})


def _refs(app) -> list[str]:
    with transaction(engine_of(app)) as session:
        return list(session.exec(select(Plan.plan_ref)).all())


def _identified_views(app) -> list[TrailEntry]:
    with transaction(engine_of(app)) as session:
        return [v for v in session.exec(select(TrailEntry).where(TrailEntry.action == "view")).all()
                if "identified" in str(v.after)]


@when("they ask for the person-level export")
def export_plain(ctx):
    _export(ctx)


@when("they ask for the identified person-level export without a reason")
def export_without(ctx):
    _export(ctx, identified="yes", reason="  ")


@when(parsers.parse('they ask for the identified person-level export with the reason "{reason}"'))
def export_with(ctx, reason):
    ctx["reason"] = reason
    _export(ctx, identified="yes", reason=reason)


@then("they get a CSV with pseudonymised references")
def pseudonymised(ctx, app):
    r = ctx["answer"]
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "pseudonymised" in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("C-") and not any(ref in text for ref in _refs(app))


@then("it is refused on the page, asking why the identified export is needed")
def refused_reason(ctx):
    r = ctx["answer"]
    assert r.status_code == 400 and "govuk-error-summary" in r.text
    assert "Enter why you need the children&#39;s own references" in r.text or \
        "Enter why you need the children's own references" in html.unescape(r.text)


@then("nothing is added to the audit trail about an identified export")
def not_trailed(app):
    assert _identified_views(app) == []


@then("they get a CSV with the register's references")
def identified(ctx, app):
    r = ctx["answer"]
    assert r.status_code == 200 and "identified" in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")
    assert all(ref in text for ref in _refs(app))


@then("the trail records the export with its reason, by them")
def trailed(ctx, app):
    views = _identified_views(app)
    assert len(views) == 1
    assert views[0].after["reason"] == ctx["reason"] and ctx["user"] in views[0].actor


# --- who and when ------------------------------------------------------------------------------------------


@then("the inspection pages and the export are refused to them for their role")
def refused_role(ctx):
    c = ctx["client"]
    for url in ("/inspection", "/inspection/1", "/inspection/1/self-evaluation/taking_part",
                "/inspection/1/download/pdf"):
        r = c.get(url)
        assert r.status_code == 403 and "does not give access" in r.text, url
    r = c.post("/inspection/1/person-level", data={"csrf_token": ctx["token"]})
    assert r.status_code == 403 and "does not give access" in r.text
    r = c.post("/inspection/1/self-evaluation/taking_part", data={"csrf_token": ctx["token"], "paragraph": "x"})
    assert r.status_code == 403 and "does not give access" in r.text


@then("the inspection pack of the cycle is not found, saying it has no results yet")
def no_results(ctx):
    for url in ("/inspection/1", "/inspection/1/self-evaluation/taking_part", "/inspection/1/download/zip"):
        r = ctx["client"].get(url)
        assert r.status_code == 404 and "has no results yet" in r.text, url
    r = ctx["client"].post("/inspection/1/person-level", data={"csrf_token": ctx["token"]})
    assert r.status_code == 404


@then("the list of cycles says no cycle has results yet")
def empty_list(ctx):
    page = ctx["client"].get("/inspection")
    assert page.status_code == 200 and "No cycle has results yet" in page.text
    ctx["client"].close()
