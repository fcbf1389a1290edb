"""Steps for home.feature: each role's home page, the moderator's way to a disagreement, the auditor's next plan."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, get_cycle, open_cycle
from audit.improvement.actions import raise_actions
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.results.reported import latest_reported
from audit.store.db import transaction
from audit.store.models import Assignment, ModeratedGrade, User
from audit.synthetic.submissions import submit_simulated
from audit.words import day
from reports.home import headline_change
from reports.trends import cycle_trends
from tests.factories import whole_plan_rubric
from tests.web.conftest import app, auditor_users, client, engine_of, settings, sign_in, template_db, triggered  # noqa: F401  (fixtures)
from tests.web.test_web_moderation import disputed  # noqa: F401  (fixture)

scenarios("web/home.feature")


@pytest.fixture
def ctx():
    return {}


@given("an open cycle where every scorecard is overdue")
def all_overdue(app):
    with transaction(engine_of(app)) as session:
        for a in session.exec(select(Assignment)).all():
            a.due_date = audit.clock.today() - timedelta(days=3)
            session.add(a)


@when("the QA lead signs in")
def qa_signs_in(client, ctx):
    ctx["token"] = sign_in(client, "demo-qa-lead")


@then("they land on their home page")
def lands_home(client):
    r = client.get("/")
    assert r.status_code == 200 and '<h1 class="govuk-heading-l">Home</h1>' in r.text


@then("it lists the cycle with every scorecard outstanding and overdue")
def lists_cycle(client, app):
    with transaction(engine_of(app)) as session:
        total = len(session.exec(select(Assignment).where(Assignment.active == True)).all())  # noqa: E712
    page = client.get("/").text
    assert 'href="/cycles/1">Web test cycle</a>' in page
    assert f"0 of {total}" in page and f"{total} overdue" in page


@then("every link on it opens a page of the service")
def links_work(client):
    page = client.get("/").text
    hrefs = set(re.findall(r'href="(/[^"#]*)"', page)) - {"/sign-out"}
    assert {"/trends", "/timeliness", "/programmes", "/moderation", "/plans"} <= hrefs | {"/plans"}
    for href in hrefs:
        if href.startswith(("/static", "/assets")):
            continue
        assert client.get(href).status_code == 200, href


@given("a cycle whose first and second markers disagree", target_fixture="dispute")
def a_dispute(disputed):
    return disputed


@when("the moderator signs in")
def moderator_signs_in(client, ctx):
    ctx["token"] = sign_in(client, "demo-moderator")


@then("their menu has a link to moderation")
def menu_link(client):
    assert re.search(r'<a class="govuk-service-navigation__link" href="/moderation"', client.get("/").text)


@then(parsers.parse("their home page lists the cycle's moderation queue with 1 or more plans waiting"))
def queue_listed(client, dispute):
    page = client.get("/").text
    assert 'href="/cycles/1/moderation">Web test cycle' in page
    assert re.search(r"(\d+) plans? (is|are) awaiting moderation", page)
    assert f'href="/cycles/1/moderation/{dispute["sampled_plan_id"]}">Moderate {dispute["plan_ref"]}' in page


@when("they follow the link to moderate the first plan and record an agreed grade with a reason")
def moderate_from_home(client, ctx, dispute):
    href = re.search(r'href="(/cycles/1/moderation/\d+)">Moderate', client.get("/").text).group(1)
    assert client.get(href).status_code == 200
    ctx["response"] = client.post(href, data={"csrf_token": ctx["token"], "agency": dispute["agency"],
                                             "section": dispute["section"], "grade": "2",
                                             "rationale": "Outcomes are not measurable; agreed at moderation."})


@then("the agreed grade is recorded")
def recorded(ctx, app, dispute):
    assert ctx["response"].status_code == 303
    with transaction(engine_of(app)) as session:
        grades = session.exec(select(ModeratedGrade)).all()
    assert [(g.section, g.grade) for g in grades] == [(dispute["section"], 2)]


@given("an auditor with 2 or more audits to do", target_fixture="auditor")
def an_auditor(app):
    """The first demo auditor, given a second plan of their agency (the QA lead moved it to them)."""
    user = auditor_users(app)[0]
    with transaction(engine_of(app)) as session:
        mine = session.exec(select(Assignment).where(Assignment.auditor_id == user.auditor_id)).all()
        agency = mine[0].agency
        taken = {a.sampled_plan_id for a in mine}
        other = next(a for a in session.exec(select(Assignment).where(Assignment.agency == agency)
                                              .order_by(Assignment.id)).all()
                     if a.auditor_id != user.auditor_id and a.sampled_plan_id not in taken)
        other.auditor_id = user.auditor_id
        session.add(other)
    return user


@when("the auditor opens their home page")
def auditor_home(client, ctx, auditor):
    ctx["token"] = sign_in(client, auditor.username)
    ctx["page"] = client.get("/").text


@then("it lists each audit to do with its due date")
def lists_work(ctx, app, auditor):
    with transaction(engine_of(app)) as session:
        mine = session.exec(select(Assignment).where(Assignment.auditor_id == auditor.auditor_id)).all()
    for a in mine:
        assert f'href="/my-audits/{a.id}"' in ctx["page"]
    assert f"You have {len(mine)} scorecards to submit" in ctx["page"]
    assert day(mine[0].due_date) in ctx["page"]
    ctx["work"] = [a.id for a in mine]


@when("they submit the first scorecard")
def submit_first(client, ctx):
    first = re.search(r'href="/my-audits/(\d+)"', ctx["page"]).group(1)
    form = client.get(f"/my-audits/{first}").text
    grades = dict.fromkeys(set(re.findall(r'name="(grade-[^"]+)"', form)), "3")
    r = client.post(f"/my-audits/{first}", data={"csrf_token": ctx["token"], "action": "submit", **grades})
    assert r.status_code == 303, r.text[:2000]
    ctx["first"] = int(first)
    ctx["confirmation"] = client.get(r.headers["location"]).text


@then("the confirmation says how many scorecards are left and links to the next plan")
def left_and_next(ctx):
    page, left = ctx["confirmation"], len(ctx["work"]) - 1
    assert f"{left} scorecard{'s' if left != 1 else ''} left to submit" in page
    nxt = re.search(r'href="/my-audits/(\d+)">Grade the next plan', page)
    assert nxt and int(nxt.group(1)) in ctx["work"] and int(nxt.group(1)) != ctx["first"]


@given("two scored cycles of the same rubric")
def two_cycles(app):
    with transaction(engine_of(app)) as session:
        first = get_cycle(session, 1)
        submit_simulated(session, first, seed=2)
        score_cycle(session, first)
        area = get_area(session, app.state.settings.area_code)
        second = create_cycle(session, area, whole_plan_rubric(), name="Second cycle", sample_size=12,
                              due_date=audit.clock.today() + timedelta(days=30), seed=5)
        open_cycle(session, second)
        submit_simulated(session, second, seed=4)
        score_cycle(session, second)
        raise_actions(session, load_cycle_results(session, second), app.state.settings, audit.clock.today())


@given("two scored cycles, the one created second due before the first")
def catch_up_cycle(app, ctx):
    with transaction(engine_of(app)) as session:
        first = get_cycle(session, 1)
        submit_simulated(session, first, seed=2)
        score_cycle(session, first)
        area = get_area(session, app.state.settings.area_code)
        catch_up = create_cycle(session, area, whole_plan_rubric(), name="Catch-up cycle", sample_size=12,
                                due_date=first.due_date - timedelta(days=10), seed=5)
        open_cycle(session, catch_up)
        submit_simulated(session, catch_up, seed=4)
        score_cycle(session, catch_up)
        assert catch_up.id > first.id
        ctx["due_last"], ctx["created_last"] = (first.id, first.name), (catch_up.id, catch_up.name)


@when("they open the results page")
def results_page(client, ctx):
    ctx["results"] = client.get("/results").text


@then("both pages name the cycle due last as the latest, not the one created last")
def same_latest(ctx, app):
    (cycle_id, name), (_, other) = ctx["due_last"], ctx["created_last"]
    with transaction(engine_of(app)) as session:
        latest = latest_reported(session, get_area(session, app.state.settings.area_code).id)
    assert (latest.id, latest.name) == (cycle_id, name)
    assert f"Latest results: {name}" in ctx["page"] and f'href="/results/{cycle_id}/download/html"' in ctx["page"]
    summary = ctx["results"][ctx["results"].index("Latest summary"):]
    assert f'href="/results/{cycle_id}">{name}</a>' in summary[:summary.index("Previous cycles")]
    assert other in summary[summary.index("Previous cycles"):]


@when("the board member opens their home page")
def board_home(client, ctx):
    sign_in(client, "demo-board-member")
    ctx["page"] = client.get("/").text


@then("it shows the share Good or better of the later cycle and the change since the earlier one")
def shows_change(ctx, app):
    with transaction(engine_of(app)) as session:
        expected = headline_change(session, get_area(session, app.state.settings.area_code).id,
                                   app.state.settings.small_number_threshold)
    with transaction(engine_of(app)) as session:  # the same figures as the trend across every cycle
        trend = cycle_trends(session, get_area(session, app.state.settings.area_code).id).series("Overall", "All sampled plans")
    small = app.state.settings.small_number_threshold
    shares = [None if r["plans"] < small else round(r["pct"], 1) for r in trend.to_dict("records")]
    assert [r["cycle"] for r in trend.to_dict("records")] == ["Web test cycle", "Second cycle"]
    assert (expected["previous_pct"], expected["pct"]) == tuple(shares)
    page = ctx["page"]
    assert "Latest results: Second cycle" in page
    assert expected["previous_cycle"] == "Web test cycle"
    if expected["change"] is not None:
        assert f"{expected['change']:+.1f} percentage points since Web test cycle" in page
    else:
        assert "Not shown: too few plans in Web test cycle" in page
    if expected["pct"] is not None:
        assert f"{expected['pct']:.1f}% of {expected['plans']} graded plans" in page


@then("it offers the latest board summary to download")
def offers_download(ctx, client):
    match = re.search(r'href="(/results/(\d+)/download/html)" download', ctx["page"])
    assert match and match.group(2) == "2"
    assert client.get(match.group(1)).status_code == 200


@when("the service lead opens their home page")
def service_home(client, ctx):
    sign_in(client, "demo-service-lead")
    ctx["page"] = client.get("/").text


@then("it shows their service's share Good or better and not the whole area's")
def service_share(ctx, app):
    with transaction(engine_of(app)) as session:
        area_id = get_area(session, app.state.settings.area_code).id
        mine = headline_change(session, area_id, app.state.settings.small_number_threshold, "health")
    page = ctx["page"]
    assert "Good or better (Health)" in page and "You see Health's results" in page
    if mine["pct"] is not None:
        assert f"{mine['pct']:.1f}% of {mine['plans']} graded plans" in page


@when("someone who is not signed in opens the home page")
def anonymous(client, ctx):
    ctx["response"] = client.get("/")


@then("they are sent to sign in")
def sent_to_sign_in(ctx):
    assert ctx["response"].status_code == 303 and ctx["response"].headers["location"].startswith("/sign-in")


WHO = {"QA lead": "demo-qa-lead", "moderator": "demo-moderator", "board member": "demo-board-member",
       "service lead": "demo-service-lead", "parent carer forum auditor": "demo-parent-carer-auditor",
       "admin": "demo-admin", "SEND strategic lead": "demo-send-strategic-lead"}


@when(parsers.parse("the {role} opens their home page and their account page"))
def home_and_account(client, ctx, role):
    sign_in(client, WHO[role])
    ctx["pages"] = {url: client.get(url) for url in ("/", "/account")}


@then("every link on both opens a page of the service")
def every_link_opens(client, ctx):
    for url, r in ctx["pages"].items():
        assert r.status_code == 200, url
        hrefs = {h for h in re.findall(r'href="(/[^"#]*)"', r.text) if not h.startswith(("/static", "/assets"))}
        assert hrefs, url
        for href in hrefs:
            assert client.get(href).status_code == 200, (url, href)


@given("the service lead's account has no service set")
def no_service(app):
    with transaction(engine_of(app)) as session:
        user = session.exec(select(User).where(User.username == "demo-service-lead")).one()
        user.service = None
        session.add(user)


@then("it says to ask an admin to set their service")
def told_why(ctx):
    assert "has no service set. Ask an admin to set it." in ctx["page"]
    assert '<h1 class="govuk-heading-l">Home</h1>' in ctx["page"]
