"""Steps for documents/upload.feature and precheck_rules.feature: the QA lead uploads plan documents in the
browser, and switches pre-check rules on and off for the area."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import Plan, PlanDocument, PrecheckFlag, TrailEntry
from audit.synthetic.plan_documents import docx_bytes
from audit.synthetic.plan_text import labelled_plans
from tests.documents_data import bad_file, zip_of
from tests.web.conftest import csrf_of, settings, sign_in, template_db  # noqa: F401  (settings, template_db: fixtures)
from web.app import create_app

scenarios("documents/upload.feature")
scenarios("documents/precheck_rules.feature")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def ctx(settings, tmp_path):
    app = create_app(settings)
    app.state.continue_cycle = lambda *args, **kwargs: None
    with TestClient(app, follow_redirects=False) as client:
        yield {"app": app, "client": client, "tmp": tmp_path}
    app.state.engine.dispose()


def _documents(ctx) -> list[PlanDocument]:
    with transaction(ctx["app"].state.engine) as session:
        return session.exec(select(PlanDocument)).all()


def _plan(ctx, i: int, ref: str | None = None):
    """A labelled synthetic plan written for the register's i-th plan (or for `ref`)."""
    plan = labelled_plans(60 + i, 1, styles=(("section-colon", "letter-bold", "titles-table")[i % 3],))[0]
    plan.ref = ref or ctx["refs"][i]
    return plan


def _post(ctx, files: list[tuple[str, tuple]]):
    ctx["answer"] = ctx["client"].post("/documents/import", data={"csrf_token": ctx["csrf"]}, files=files)
    if ctx["answer"].status_code == 303:
        ctx["answer"] = ctx["client"].get(ctx["answer"].headers["location"])
    ctx["text"] = html.unescape(ctx["answer"].text)
    return ctx["answer"]


@given("the QA lead is signed in and the register holds plans")
def signed_in(ctx):
    with transaction(ctx["app"].state.engine) as session:
        ctx["refs"] = session.exec(select(Plan.plan_ref).order_by(Plan.plan_ref)).all()[:5]
    ctx["csrf"] = sign_in(ctx["client"], "demo-qa-lead")


@given(parsers.parse("the service accepts files of at most {limit:,d} bytes"))
def small_limit(ctx, limit):
    ctx["app"].state.settings = ctx["app"].state.settings.model_copy(update={"max_import_bytes": limit})


@when(parsers.parse("the QA lead uploads a ZIP of {n:d} plan documents for plans in the register"))
def upload_zip(ctx, n):
    body = zip_of({f"{ctx['refs'][i]}.docx": docx_bytes(_plan(ctx, i)) for i in range(n)})
    _post(ctx, [("files", ("plans.zip", body, "application/zip"))])


@when(parsers.parse('the QA lead uploads "{name}" for the second plan with a mapping file naming it'))
def upload_mapped(ctx, name):
    mapping = f"file,plan_ref\n{name},{ctx['refs'][1]}\n".encode()
    # The document itself states another reference: the QA lead's mapping decides.
    _post(ctx, [("files", (name, docx_bytes(_plan(ctx, 1, ref=ctx["refs"][3])), DOCX)),
                ("mapping_file", ("mapping.csv", mapping, "text/csv"))])


@when(parsers.parse('the QA lead uploads {n:d} plan documents and "{name}" whose reference is in no plan'))
def upload_with_unmatched(ctx, n, name):
    files = [("files", (f"{ctx['refs'][i]}.docx", docx_bytes(_plan(ctx, i)), DOCX)) for i in range(n)]
    files.append(("files", (name, docx_bytes(_plan(ctx, 4, ref=name.removesuffix(".docx"))), DOCX)))
    _post(ctx, files)


@when(parsers.parse('the QA lead uploads "{name}" beside a good plan document'))
def upload_bad(ctx, name):
    good = ("files", (f"{ctx['refs'][0]}.docx", docx_bytes(_plan(ctx, 0)), DOCX))
    kinds = {"plan.docm": "macro-enabled .docm", "scan.pdf": "image-only PDF", "escape.zip": "ZIP entry ../x"}
    if name in kinds:
        data = bad_file(kinds[name], ctx["tmp"]).read_bytes()
        _post(ctx, [good, ("files", (name, data, "application/octet-stream"))])
    elif name.startswith("map"):
        _post(ctx, [good, ("mapping_file", (name, b"file,plan_ref\n", "text/plain"))])
    else:
        _post(ctx, [good, ("files", (name, b"some notes", "text/plain"))])


@when("the QA lead uploads nothing")
def upload_nothing(ctx):
    _post(ctx, [("files", ("", b"", "application/octet-stream"))])


def _summary(ctx) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', ctx["text"], re.S)
    assert found, ctx["text"][:2000]
    return found.group(0)


@then("the result page says which file matched which plan, with sections A to K")
def result_page(ctx):
    assert ctx["answer"].status_code == 200, ctx["text"][:2000]
    assert "Imported 3 plan document(s) for 3 plan(s)" in ctx["text"]
    for i in range(3):
        row = re.search(rf"<td[^>]*>plans.zip: {ctx['refs'][i]}.docx</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
                        ctx["text"], re.S)
        assert row and row.group(1) == ctx["refs"][i], ctx["text"][:3000]
        assert row.group(2).startswith("A, B, C, D, E, F") and row.group(2).endswith("K")


@then(parsers.parse("{n:d} plan documents are stored"))
def stored(ctx, n):
    assert len(_documents(ctx)) == n


@then("the plan documents page lists each of them")
def listed(ctx):
    page = ctx["client"].get("/documents").text
    assert all(f">{ctx['refs'][i]}</a>" in page for i in range(3)) and 'href="/documents/import"' in page


@then(parsers.parse('the result page says "{name}" matched the second plan'))
def mapped(ctx, name):
    assert ctx["answer"].status_code == 200, ctx["text"][:2000]
    assert re.search(rf"<td[^>]*>{re.escape(name)}</td>\s*<td[^>]*>{ctx['refs'][1]}</td>", ctx["text"])
    with transaction(ctx["app"].state.engine) as session:
        plan_ids = {d.plan_id for d in session.exec(select(PlanDocument)).all()}
        assert plan_ids == {session.exec(select(Plan.id).where(Plan.plan_ref == ctx["refs"][1])).one()}


@then(parsers.parse('the error summary names "{name}" with "{message}"'))
def summary_names(ctx, name, message):
    assert ctx["answer"].status_code == 400
    summary = _summary(ctx)
    assert name in summary and message in summary, summary


@then(parsers.parse("the page shows the other {n:d} files matched their plans"))
def others_matched(ctx, n):
    for i in range(n):
        assert re.search(rf"<td[^>]*>{ctx['refs'][i]}.docx</td>\s*<td[^>]*>{ctx['refs'][i]}</td>", ctx["text"])
    assert re.search(r"<td[^>]*>NOPLAN-9.docx</td>\s*<td[^>]*>Not matched to a plan</td>", ctx["text"])
    assert csrf_of(ctx["text"])  # the form is there to upload again


@then("no plan document is stored")
def none_stored(ctx):
    assert _documents(ctx) == []


@then(parsers.parse("the error summary says the file is more than the {limit} bytes allowed"))
def too_big(ctx, limit):
    assert ctx["answer"].status_code == 400
    assert f"plans.zip: the file is more than the {limit} bytes allowed" in _summary(ctx)


@then(parsers.parse('the error summary says "{message}"'))
def says(ctx, message):
    assert ctx["answer"].status_code == 400 and message in _summary(ctx)


@then("an auditor cannot open the upload page")
def auditor_refused(ctx):
    with TestClient(ctx["app"], follow_redirects=False) as other:
        from tests.web.conftest import auditor_users

        token = sign_in(other, auditor_users(ctx["app"])[0].username)
        assert other.get("/documents/import").status_code == 403
        assert other.post("/documents/import", data={"csrf_token": token}).status_code == 403


def _rule_card(ctx, rule_id: str) -> str:
    """The rules page's card for one rule (the page holds one card per rule, in order)."""
    page = html.unescape(ctx["client"].get("/documents/rules").text)
    cards = {c.split('"', 1)[0]: c for c in page.split('<div class="govuk-summary-card" id="rule-')[1:]}
    assert rule_id in cards, page[:3000]
    return cards[rule_id]


def _switch(ctx, rule_id: str, value: str):
    ctx["answer"] = ctx["client"].post(f"/documents/rules/{rule_id}", data={"csrf_token": ctx["csrf"], "enabled": value})
    ctx["text"] = html.unescape(ctx["answer"].text)


@when(parsers.parse('the QA lead switches {state} the rule "{rule_id}" on the rules page'))
def switch(ctx, state, rule_id):
    card = _rule_card(ctx, rule_id)
    value = re.search(r'name="enabled" value="(yes|no)"', card).group(1)
    assert value == ("no" if state == "off" else "yes"), card
    _switch(ctx, rule_id, value)
    assert ctx["answer"].status_code == 303 and ctx["answer"].headers["location"].endswith(f"#rule-{rule_id}")


@then(parsers.parse('the rules page shows the rule "{rule_id}" as "{words}"'))
def shows(ctx, rule_id, words):
    card = _rule_card(ctx, rule_id)
    tag = re.search(r'<strong class="govuk-tag[^"]*">\s*(.*?)\s*</strong>', card, re.S)
    assert tag and tag.group(1) == words, card


@then("the audit trail names the QA lead for the change")
def trailed(ctx):
    with transaction(ctx["app"].state.engine) as session:
        entry = session.exec(select(TrailEntry).where(TrailEntry.table_name == "precheckruleswitch")).first()
    assert entry is not None and entry.actor == "web:demo-qa-lead"


@then(parsers.parse('no flag of rule "{rule_id}" is stored'))
def no_flag(ctx, rule_id):
    assert ctx["answer"].status_code == 200, ctx["text"][:2000]
    with transaction(ctx["app"].state.engine) as session:
        assert session.exec(select(PrecheckFlag).where(PrecheckFlag.rule_id == rule_id)).all() == []


@then("flags of other rules are stored")
def other_flags(ctx):
    with transaction(ctx["app"].state.engine) as session:
        assert session.exec(select(PrecheckFlag)).all()


@given(parsers.parse('the service\'s settings switch off the rule "{rule_id}"'))
def settings_off(ctx, rule_id):
    settings = ctx["app"].state.settings
    ctx["app"].state.settings = settings.model_copy(update={"precheck_rules_off": {settings.area_code: [rule_id]}})


@then(parsers.parse('the rules page offers no button for "{rule_id}"'))
def no_button(ctx, rule_id):
    card = _rule_card(ctx, rule_id)
    assert "<form" not in card and "ask them to switch it on" in card
    _switch(ctx, rule_id, "yes")  # and a post made anyway changes nothing the pre-check runs
    from audit.documents.precheck import area_rules

    with transaction(ctx["app"].state.engine) as session:
        assert rule_id not in {r.id for r in area_rules(ctx["app"].state.settings, None, session)}


@when(parsers.parse('the QA lead posts "{value}" for the rule "{rule_id}"'))
def post_value(ctx, value, rule_id):
    _switch(ctx, rule_id, value)


@then(parsers.parse("the answer is {status:d}"))
def answer_is(ctx, status):
    assert ctx["answer"].status_code == status


@then(parsers.parse('the answer is {status:d} with "{message}" in the error summary'))
def answer_with(ctx, status, message):
    assert ctx["answer"].status_code == status and message in _summary(ctx)
