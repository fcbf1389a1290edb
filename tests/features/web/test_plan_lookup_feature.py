"""Steps for plan_lookup.feature: a plan across cycles, scoped by role and by object, each view in the trail."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, CriterionGrade, Plan, SampledPlan, Scorecard, TrailEntry
from tests.web.conftest import (  # noqa: F401  (fixtures)
    app,
    auditor_users,
    client,
    engine_of,
    scored,
    settings,
    sign_in,
    template_db,
    triggered,
    user_named,
)

scenarios("web/plan_lookup.feature")


@pytest.fixture
def ctx():
    return {}


def _plan_of(session, assignment: Assignment) -> Plan:
    return session.exec(select(Plan).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                        .where(SampledPlan.id == assignment.sampled_plan_id)).one()


@given("a scored cycle")
def a_scored_cycle(scored):
    return scored


@when("the QA lead looks up a sampled plan's reference")
def qa_looks_up(client, app, ctx):
    sign_in(client, "demo-qa-lead")
    with transaction(engine_of(app)) as session:
        assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
        plan = _plan_of(session, assignment)
        card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).one()
        grade = session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == card.id,
                                                          CriterionGrade.comment != "")).first()
        ctx.update(ref=plan.plan_ref, plan_id=plan.id, comment=grade.comment if grade else None,
                   officer=plan.case_officer)
    r = client.get("/plans", params={"ref": ctx["ref"]})
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{ctx['ref']}"
    ctx["response"] = client.get(r.headers["location"])


@then("they see the plan's audit in that cycle with its grades and the auditors' comments")
def qa_sees(ctx):
    page = ctx["response"].text
    assert ctx["response"].status_code == 200 and f"Plan {ctx['ref']}" in page
    assert "Web test cycle" in page and "Overall grade" in page and "Section grades" in page
    assert ctx["officer"] in page  # the case officer's code: a QA lead may see officers
    if ctx["comment"]:
        assert ctx["comment"].replace("'", "&#39;") in page


@then("the look-up is in the audit trail as viewed by the QA lead")
def in_trail(app, ctx, client):
    with transaction(engine_of(app)) as session:
        views = session.exec(select(TrailEntry).where(TrailEntry.action == "view")).all()
    assert [(v.actor, v.table_name, v.row_key) for v in views] == [("web:demo-qa-lead", "plan", str(ctx["plan_id"]))]
    trail = client.get("/trail", params={"plan": ctx["ref"]}).text
    assert f"looked up plan {ctx['ref']}" in trail


@when("an auditor looks up a plan they audited")
def auditor_looks_up(client, app, ctx):
    user = auditor_users(app)[0]
    sign_in(client, user.username)
    with transaction(engine_of(app)) as session:
        mine = session.exec(select(Assignment).where(Assignment.auditor_id == user.auditor_id)).all()
        ctx["ref"] = _plan_of(session, mine[0]).plan_ref
        theirs = {a.sampled_plan_id for a in mine}
        other = next(a for a in session.exec(select(Assignment)).all() if a.sampled_plan_id not in theirs)
        ctx["other"] = _plan_of(session, other).plan_ref
        ctx["code"] = session.get(Auditor, user.auditor_id).code
    ctx["response"] = client.get(f"/plans/{ctx['ref']}")


@then("they see their own scorecard")
def own_scorecard(ctx):
    page = ctx["response"].text
    assert ctx["response"].status_code == 200 and ctx["code"] in page and "Criterion" in page


@when("they look up a plan they did not audit")
def not_theirs(client, ctx):
    ctx["forbidden"] = client.get(f"/plans/{ctx['other']}")
    ctx["unknown"] = client.get("/plans/NO-SUCH-PLAN")


@then(parsers.parse('they see "{heading}", the same as for a reference that does not exist'))
def same_not_found(ctx, heading):
    for r in (ctx["forbidden"], ctx["unknown"]):
        assert r.status_code == 404 and f'<h1 class="govuk-heading-l">{heading}</h1>' in r.text
    assert ctx["other"] not in ctx["forbidden"].text.replace("There is no plan " + ctx["other"], "")


@given("a plan the parent carer forum auditor audited")
def forum_plan(app, scored, ctx):
    forum = user_named(app, "demo-parent-carer-auditor")
    with transaction(engine_of(app)) as session:
        assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
        ctx["first_auditor"] = session.get(Auditor, assignment.auditor_id).code
        assignment.auditor_id = forum.auditor_id
        session.add(assignment)
        plan = _plan_of(session, assignment)
        ctx["ref"], ctx["codes"] = plan.plan_ref, {plan.case_officer, *plan.advice_authors()}
        others = session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                              .where(Assignment.sampled_plan_id == assignment.sampled_plan_id)).all()
        ctx["codes"] |= {c for c in others if c != session.get(Auditor, forum.auditor_id).code}


@when("the parent carer forum auditor looks it up")
def forum_looks(client, ctx):
    sign_in(client, "demo-parent-carer-auditor")
    ctx["response"] = client.get(f"/plans/{ctx['ref']}")


@then("the page shows no officer's or auditor's code")
def no_codes(ctx):
    page = ctx["response"].text
    assert ctx["response"].status_code == 200
    assert not [c for c in ctx["codes"] if c and c in page], "officers' and other auditors' codes are withheld"


@when("the service lead looks up a plan their service audited")
def service_looks(client, app, ctx):
    sign_in(client, "demo-service-lead")
    with transaction(engine_of(app)) as session:
        health = session.exec(select(Assignment).where(Assignment.agency == "health")).first()
        ctx["ref"] = _plan_of(session, health).plan_ref
    ctx["response"] = client.get(f"/plans/{ctx['ref']}")


@then("they see only their service's sections and scorecards")
def only_service(ctx):
    page = ctx["response"].text
    assert ctx["response"].status_code == 200 and "Health, sections" in page
    for other in ("Education, sections", "SEN team, sections", "Social care, sections"):
        assert other not in page
    assert "Overall grade" not in page


@when("the QA lead searches for a plan with an empty reference")
def empty_search(client, ctx):
    sign_in(client, "demo-qa-lead")
    ctx["response"] = client.get("/plans", params={"ref": "  "})


@then(parsers.parse('they see the error summary "{text}"'))
def error_summary(ctx, text):
    r = ctx["response"]
    assert r.status_code == 400 and "There is a problem" in r.text and text in r.text and "<title>Error:" in r.text


@when("the admin opens the plan look-up")
def admin_opens(client, ctx):
    sign_in(client, "demo-admin")
    ctx["response"] = client.get("/plans")


@then(parsers.parse('they see "{heading}"'))
def sees_heading(ctx, heading):
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in ctx["response"].text
