"""Steps for lists.feature: server-side paging, filtering and sorting of /my-audits and /trends (web/lists.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import update
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, get_cycle, open_cycle
from audit.protection.users import create_user
from audit.results.cycle_scores import score_cycle
from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, Plan, PlanDocument, User
from audit.synthetic.submissions import submit_simulated
from tests.factories import whole_plan_rubric
from tests.web.conftest import (  # noqa: F401  (fixtures)
    app,
    auditor_users,
    client,
    engine_of,
    settings,
    sign_in,
    template_db,
    triggered,
)

scenarios("web/lists.feature")


@pytest.fixture
def ctx():
    return {}


@given(parsers.parse("an auditor with more than 25 audits across 2 cycles"))
def many_audits(app, ctx):
    user = auditor_users(app)[0]
    with transaction(engine_of(app)) as session:
        area = get_area(session, app.state.settings.area_code)
        second = create_cycle(session, area, whole_plan_rubric(), name="Spring lists cycle", sample_size=30,
                              due_date=audit.clock.today() + timedelta(days=60), seed=9)
        open_cycle(session, second)
        agency = session.get(Auditor, user.auditor_id).agency
        # Every first-marker piece of the auditor's agency goes to them: a long list of their own audits.
        session.execute(update(Assignment).where(Assignment.agency == agency, Assignment.marker_role == "first")
                        .values(auditor_id=user.auditor_id))
        rows = session.exec(select(Assignment).where(Assignment.auditor_id == user.auditor_id,
                                                     Assignment.active == True)).all()  # noqa: E712
        ctx["total"], ctx["second"] = len(rows), second.name
        ctx["second_count"] = sum(1 for a in rows if a.cycle_id == second.id)
    assert ctx["total"] > 25 and 0 < ctx["second_count"] < ctx["total"]
    ctx["user"] = user


def _audits(html: str) -> list[tuple[str, str, str]]:
    """(plan reference, cycle, due date) of each row of the auditor's table."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a class="govuk-link" href="/my-audits/\d+">([^<]+)<span.*?</th>\s*'
                      r'<td class="govuk-table__cell">([^<]+)</td>\s*<td class="govuk-table__cell">[^<]*</td>\s*'
                      r'<td class="govuk-table__cell">([^<]+)</td>', body, re.S)


def _open(client, ctx, **params):
    if not ctx.get("signed"):
        sign_in(client, ctx["user"].username)
        ctx["signed"] = True
    ctx["response"] = client.get("/my-audits", params=params)
    assert ctx["response"].status_code == 200


@when("the auditor opens their audits")
def open_audits(client, ctx):
    _open(client, ctx)


@then("they see 25 audits on page 1, soonest due first, and a link to page 2")
def page_one(ctx):
    page = ctx["response"].text
    rows = _audits(page)
    assert len(rows) == 25 and f"Showing 1 to 25 of {ctx['total']} audits" in page
    earlier = ctx["total"] - ctx["second_count"]  # the first cycle's audits are due sooner than the second's
    assert [c == ctx["second"] for _, c, _ in rows] == [False] * earlier + [True] * (25 - earlier)
    assert re.search(r'href="/my-audits\?[^"]*page=2[^"]*" rel="next"', page)


@when("they open page 2")
def open_page_two(client, ctx):
    _open(client, ctx, page="2")


@then("they see the rest of their audits")
def the_rest(ctx):
    rows = _audits(ctx["response"].text)
    assert len(rows) == ctx["total"] - 25 and f"Showing 26 to {ctx['total']} of {ctx['total']}" in ctx["response"].text


@when("they filter their audits by the second cycle's name")
def filter_second(client, ctx):
    _open(client, ctx, q=ctx["second"])


@then("every audit shown is in the second cycle")
def all_second(ctx):
    rows = _audits(ctx["response"].text)
    assert len(rows) == min(25, ctx["second_count"]) and {c for _, c, _ in rows} == {ctx["second"]}


@when("they sort their audits by plan reference, last first")
def sort_refs(client, ctx):
    _open(client, ctx, sort="plan", order="desc")


@then("the plan references run from last to first")
def refs_desc(ctx):
    refs = [unescape(r) for r, _, _ in _audits(ctx["response"].text)]
    assert refs == sorted(refs, key=str.casefold, reverse=True) and 'aria-sort="descending"' in ctx["response"].text


@when(parsers.parse('the auditor opens their audits filtered by "{words}"'))
def filtered(client, ctx, words):
    _open(client, ctx, q=words)


@then(parsers.parse('they are told no audits match "{words}"'))
def none_match(ctx, words):
    page = ctx["response"].text
    assert f"No audits match “{words}”" in page and "/my-audits/" not in page


@when(parsers.parse('the auditor opens their audits at page "{number}" sorted by "{sort}"'))
def hand_edited(client, ctx, number, sort):
    _open(client, ctx, page=number, sort=sort)


@then("they see the last page of their audits, soonest due first")
def last_page(ctx):
    page = ctx["response"].text
    assert f"Showing 26 to {ctx['total']} of {ctx['total']} audits" in page
    assert 'aria-sort="ascending"' in page and "Due date" in page


@given(parsers.parse("{n:d} scored cycles of the same rubric"))
def scored_cycles(app, n):
    with transaction(engine_of(app)) as session:
        first = get_cycle(session, 1)
        submit_simulated(session, first, seed=2)
        score_cycle(session, first)
        area = get_area(session, app.state.settings.area_code)
        for k in range(1, n):
            cycle = create_cycle(session, area, whole_plan_rubric(), name=f"Trend cycle {k + 1}", sample_size=12,
                                 due_date=audit.clock.today() + timedelta(days=30 * k), seed=5 + k)
            open_cycle(session, cycle)
            submit_simulated(session, cycle, seed=4 + k)
            score_cycle(session, cycle)


def _trend_rows(html: str) -> list[tuple[str, str, str]]:
    """(group, cycle, share) of each row of the trend table."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [(g, c, s.strip()) for g, c, s in re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]*)</th>\s*<td class="govuk-table__cell">([^<]*)</td>'
        r'.*?<td class="govuk-table__cell govuk-table__cell--numeric">[^<]*</td>'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>', body, re.S)]


@when("the QA lead opens the trend by section")
def trend_by_section(client, ctx):
    sign_in(client, "demo-qa-lead")
    ctx["response"] = client.get("/trends", params={"series": "Section"})


@then("the trend shows its first 25 rows and links to the next page, keeping the series")
def trend_first_page(ctx, client):
    page = ctx["response"].text
    total = re.search(r"Showing 1 to 25 of (\d+) rows", page)
    assert len(_trend_rows(page)) == 25 and total and int(total.group(1)) > 25
    nxt = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next">', page)
    assert nxt and "page=2" in nxt.group(1) and "series=Section" in nxt.group(1)
    second = client.get(unescape(nxt.group(1))).text
    assert "Showing 26 to" in second and _trend_rows(second)[0] != _trend_rows(page)[0]
    ctx["section"] = _trend_rows(page)[0][0]


@when("they filter the trend by the first section's name")
def filter_trend(client, ctx):
    ctx["response"] = client.get("/trends", params={"series": "Section", "q": ctx["section"]})


@then("every row shown is that section's, one per cycle")
def one_section(ctx):
    rows = _trend_rows(ctx["response"].text)
    mine = [r for r in rows if r[0] == ctx["section"]]
    assert len({c for _, c, _ in mine}) == 3, "the section in each of the 3 cycles"
    assert all(ctx["section"].casefold() in g.casefold() for g, _, _ in rows)


@when("they sort the trend by Good or better, highest first")
def sort_trend(client, ctx):
    ctx["response"] = client.get("/trends", params={"series": "Section", "sort": "share", "order": "desc"})


@then("the trend's shares run from highest to lowest")
def trend_desc(ctx):
    shares = [float(s.rstrip("%")) for _, _, s in _trend_rows(ctx["response"].text) if s.endswith("%")]
    assert len(shares) > 1 and shares == sorted(shares, reverse=True)
    assert 'aria-sort="descending"' in ctx["response"].text


@when("they ask for a trend that is not offered")
def bad_trend(client, ctx):
    ctx["response"] = client.get("/trends", params={"series": "Case officer"})


@then("they are told to choose overall, by service or by section")
def told_to_choose(ctx):
    r = ctx["response"]
    assert r.status_code == 400 and "There is a problem" in r.text
    assert "Choose overall, by service or by section" in r.text


def _table_heads(html: str) -> list[str]:
    """The row headings (first cell) of the page's first table body."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in re.findall(
        r'<th scope="row" class="govuk-table__header">(.*?)</th>', body, re.S)]


@when("the QA lead opens the cycles")
def open_cycles(client, ctx):
    sign_in(client, "demo-qa-lead")
    ctx["response"] = client.get("/cycles")


@then(parsers.parse("they see {n:d} cycles, the one due last first"))
def cycles_due_last_first(ctx, n):
    names = _table_heads(ctx["response"].text)
    assert len(names) == n and names[0] == "Trend cycle 3" and "Showing 1 to 3 of 3 cycles" in ctx["response"].text


@when("they sort the cycles by name")
def sort_cycles(client, ctx):
    ctx["response"] = client.get("/cycles", params={"sort": "name", "order": "asc"})


@then("the cycle names run in alphabetical order")
def cycles_alphabetical(ctx):
    names = [n.split("Results")[0].strip() for n in _table_heads(ctx["response"].text)]
    assert names == sorted(names, key=str.casefold) and 'aria-sort="ascending"' in ctx["response"].text


@when(parsers.parse('they filter the cycles by "{words}"'))
def filter_cycles(client, ctx, words):
    ctx["response"] = client.get("/cycles", params={"q": words})


@then(parsers.parse('they see only the cycle "{name}"'))
def only_cycle(ctx, name):
    assert _table_heads(ctx["response"].text) == [name]


@then(parsers.parse('they are told no cycles match "{words}"'))
def no_cycles(ctx, words):
    assert f"No cycles match “{words}”" in ctx["response"].text and 'href="/cycles/1"' not in ctx["response"].text


@given(parsers.parse("{n:d} plan documents"))
def plan_documents(app, ctx, n):
    with transaction(engine_of(app)) as session:
        plans = session.exec(select(Plan).order_by(Plan.plan_ref).limit(n)).all()
        for k, plan in enumerate(plans):
            session.add(PlanDocument(area_id=plan.area_id, plan_id=plan.id, label=f"{plan.plan_ref}.docx",
                                     kind="docx", sha256=f"{k:064x}"))
        ctx["last_ref"] = plans[-1].plan_ref


@when("the QA lead opens the plan documents")
def open_documents(client, ctx):
    sign_in(client, "demo-qa-lead")
    ctx["response"] = client.get("/documents")


def _document_refs(html: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/documents/\d+\?back=/documents">([^<]+)</a>', html)


@then(parsers.parse("they see 25 documents on page 1 of {n:d}"))
def documents_page_one(ctx, n):
    page = ctx["response"].text
    assert len(_document_refs(page)) == 25 and f"Showing 1 to 25 of {n} documents" in page
    assert re.search(r'href="/documents\?[^"]*page=2[^"]*" rel="next"', page)
    assert ctx["last_ref"] not in _document_refs(page), "sorted by plan reference: the last is on page 2"


@when("they filter the documents by the last document's plan reference")
def filter_documents(client, ctx):
    ctx["response"] = client.get("/documents", params={"q": ctx["last_ref"]})


@then("they see that plan's document only")
def one_document(ctx):
    assert _document_refs(ctx["response"].text) == [ctx["last_ref"]]


@given(parsers.parse("{n:d} more accounts with the role of moderator"))
def more_accounts(app, n):
    with transaction(engine_of(app)) as session:
        for k in range(n):
            create_user(session, f"list-moderator-{k:02d}", "a long synthetic passphrase 7", "moderator")


@when("the administrator opens the users page")
def open_users(client, ctx):
    sign_in(client, "demo-admin")
    ctx["response"] = client.get("/admin/users")


@then("they see 25 accounts on page 1 and a link to page 2")
def users_page_one(ctx, app):
    with transaction(engine_of(app)) as session:
        total = len(session.exec(select(User)).all())
    page = ctx["response"].text
    assert len(_table_heads(page)) == 25 and f"Showing 1 to 25 of {total} accounts" in page
    assert re.search(r'href="/admin/users\?[^"]*page=2[^"]*" rel="next"', page)


@when(parsers.parse('they filter the accounts by "{words}"'))
def filter_users(client, ctx, words):
    ctx["response"] = client.get("/admin/users", params={"q": words})


@then("every account shown is a moderator")
def all_moderators(ctx, app):
    names = _table_heads(ctx["response"].text)
    with transaction(engine_of(app)) as session:
        roles = {u.username: u.role for u in session.exec(select(User)).all()}
    assert len(names) == 25 and all(roles[n] == "moderator" for n in names)
