"""Steps for access.feature: throttling, session expiry, sign out everywhere, the parent carer forum auditor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.protection.users import DEMO_PASSWORD, create_api_token
from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, Plan, SampledPlan, User, utcnow
from tests.web.conftest import app, csrf_of, engine_of, settings, template_db, triggered, user_named  # noqa: F401  (fixtures)
from tests.web.conftest import sign_in as sign_in_through_form

scenarios("security/access.feature")
THROTTLED = "too many failed attempts"


class Clock:
    """The app's clock, moved by the steps instead of waiting."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(app):
    app.state.clock = Clock()
    return app.state.clock


@pytest.fixture
def devices(app):
    opened = {}
    yield opened
    for client in opened.values():
        client.__exit__(None, None, None)


def browser(app, devices, name: str, address: str = "testclient") -> TestClient:
    if name not in devices:
        devices[name] = TestClient(app, follow_redirects=False, client=(address, 50000)).__enter__()
    return devices[name]


def attempt(client: TestClient, username: str, password: str):
    token = csrf_of(client.get("/sign-in").text)
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})


@given("the web app with a demo account for every role")
def web_app(app, clock):
    return app


@when(parsers.parse('someone enters a wrong password for "{username}" {times:d} times'))
def wrong_passwords(app, devices, username, times):
    for n in range(times):  # from different addresses: the account is what is counted
        r = attempt(browser(app, devices, f"guesser-{n}", f"192.0.2.{n + 1}"), username, "wrong-password-123")
        assert r.status_code == 400


@when(parsers.parse("someone at {address} enters wrong passwords for {count:d} different usernames"))
def spraying(app, devices, address, count):
    client = browser(app, devices, address, address)
    for n in range(count):
        assert attempt(client, f"guess-{n}", "wrong-password-123").status_code == 400


@then(parsers.parse('signing in as "{username}" with the right password is refused with "{text}"'))
@then(parsers.parse('signing in as "{username}" with any password is refused with "{text}"'))
def refused(app, devices, username, text):
    r = attempt(browser(app, devices, "someone-new", "198.51.100.200"), username, DEMO_PASSWORD)
    assert r.status_code == 429 and text in r.text.lower()


@then(parsers.parse('signing in as "{username}" from {address} is refused with "{text}"'))
def refused_from(app, devices, username, address, text):
    r = attempt(browser(app, devices, address, address), username, DEMO_PASSWORD)
    assert r.status_code == 429 and text in r.text.lower()


@then(parsers.parse('signing in as "{username}" with the right password works'))
@then(parsers.parse('signing in as "{username}" from {address} works'))
def works(app, devices, username, address="198.51.100.201"):
    r = attempt(browser(app, devices, f"fresh-{address}", address), username, DEMO_PASSWORD)
    assert r.status_code == 303, r.text


@then(parsers.parse('a wrong password for "{known}" and for "{unknown}" get the same message'))
def same_message(app, devices, known, unknown):
    client = browser(app, devices, "compare", "198.51.100.202")
    pages = []
    for username in (known, unknown):
        r = attempt(client, username, "wrong-password-123")
        assert r.status_code == 400
        # Only what was typed back into the form, the CSRF token and the CSP nonce may differ.
        pages.append(re.sub(r'(nonce|value)="[^"]*"', "", r.text.replace(username, "NAME")))
    assert pages[0] == pages[1]


@when(parsers.parse("{minutes:d} minutes pass"))
def time_passes(clock, minutes):
    clock.now += timedelta(minutes=minutes)


@given(parsers.parse('"{username}" is signed in on a laptop and on a phone and has an API token'),
       target_fixture="token")
def two_devices(app, devices, username):
    for name in ("laptop", "phone"):
        sign_in_through_form(browser(app, devices, name), username)
    with transaction(engine_of(app)) as session:
        return create_api_token(session, user_named(app, username))


@given(parsers.parse('"{username}" is signed in on a laptop'))
def one_device(app, devices, username):
    devices.pop("laptop", None)
    sign_in_through_form(browser(app, devices, "laptop"), username)
    assert devices["laptop"].get("/results").status_code == 200


@when('they choose "Sign out everywhere" on the phone')
def sign_out_everywhere(devices):
    phone = devices["phone"]
    token = csrf_of(phone.get("/account").text)
    r = phone.post("/account/sign-out-everywhere", data={"csrf_token": token})
    assert r.status_code == 303 and phone.get("/results").status_code == 303


@given("someone has copied the laptop's session cookie", target_fixture="copied")
def copied_cookie(app, devices):
    cookie = devices["laptop"].cookies.get("ehcp_session")
    copy = browser(app, devices, "copy")
    copy.cookies.set("ehcp_session", cookie)
    assert copy.get("/results").status_code == 200, "the copy works while the session lasts"
    return cookie


@when('they choose "Sign out" on the laptop')
def sign_out_on_laptop(devices):
    laptop = devices["laptop"]
    r = laptop.post("/sign-out", data={"csrf_token": csrf_of(laptop.get("/account").text)})
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"


@then(parsers.parse('the copied cookie is sent to sign in with "{text}"'))
def copy_sent_to_sign_in(app, copied, text):
    with TestClient(app, follow_redirects=False, cookies={"ehcp_session": copied}) as copy:
        r = copy.get("/results")
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
        assert text in copy.get(r.headers["location"]).text


@then("the copied cookie gets no answer from the API")
def copy_refused_by_api(app, copied):
    with TestClient(app, cookies={"ehcp_session": copied}) as copy:
        r = copy.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["reason"] == "signin"


@when(parsers.parse("they keep using it every {step:d} minutes for {hours:d} hours"))
def busy(app, devices, clock, step, hours):
    limit = app.state.settings.session_absolute_hours * 60
    for minute in range(step, hours * 60 + 1, step):
        clock.now += timedelta(minutes=step)
        if minute < limit:  # never idle, so only the absolute limit can end it
            assert devices["laptop"].get("/results").status_code == 200, minute


@then(parsers.parse('the laptop is sent to sign in with "{text}"'))
def sent_to_sign_in(devices, text):
    r = devices["laptop"].get("/results")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
    assert text in devices["laptop"].get(r.headers["location"]).text


@then("their API token no longer works")
def token_revoked(app, token):
    with TestClient(app) as client:
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# --- the parent carer forum auditor -------------------------------------------------------------------------


@given("a plan assigned to the parent carer forum auditor", target_fixture="forum_plan")
def forum_plan(app):
    forum_user = user_named(app, "demo-parent-carer-auditor")
    with transaction(engine_of(app)) as session:
        assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
        plan = session.exec(select(Plan).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                            .where(SampledPlan.id == assignment.sampled_plan_id)).one()
        first_auditor = session.get(Auditor, assignment.auditor_id).code
        assignment.auditor_id = forum_user.auditor_id  # the QA lead gave this piece to the forum's auditor
        session.add(assignment)
    codes = {plan.case_officer, *plan.advice_authors()}
    return {"assignment_id": assignment.id, "codes": codes, "case_officer": plan.case_officer,
            "first_auditor": first_auditor}


@when("they open every page and API response they can reach about it", target_fixture="seen")
def open_everything(app, forum_plan):
    aid = forum_plan["assignment_id"]
    seen = []
    with TestClient(app, follow_redirects=False) as client:
        token = sign_in_through_form(client, "demo-parent-carer-auditor")
        assert client.get("/").status_code == 200  # their home page: the audits they have to do
        for url in ("/", "/my-audits", f"/my-audits/{aid}", "/account", "/api/v1/me", "/api/v1/assignments",
                    f"/api/v1/assignments/{aid}"):
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            seen.append(r.text)
        detail = client.get(f"/api/v1/assignments/{aid}").json()
        assert detail["plan"]["officers"] is None and detail["plan"]["fields"]["Plan reference"]
        grades = {f"grade-{c['criterion_id']}": "3" for c in detail["criteria"]}
        r = client.post(f"/my-audits/{aid}", data={"csrf_token": token, "action": "submit", **grades})
        confirmation = client.get(r.headers["location"]).text
        assert "Scorecard submitted" in confirmation
        seen += [confirmation, client.get(f"/my-audits/{aid}").text]
    return seen


@then("no case officer or advice author code of the plan appears")
def no_officers(seen, forum_plan):
    for text in seen:
        for code in forum_plan["codes"]:
            assert code not in text, code


@then("an auditor from a service sees the plan's case officer on the same page")
def staff_see_officer(app, forum_plan):
    with transaction(engine_of(app)) as session:
        assignment = session.get(Assignment, forum_plan["assignment_id"])
        assignment.auditor_id = session.exec(select(Auditor).where(
            Auditor.code == forum_plan["first_auditor"])).one().id
        session.add(assignment)
        username = session.exec(select(User.username).where(User.auditor_id == assignment.auditor_id)).first()
    if username is None:  # give that auditor an account, as an admin would
        with transaction(engine_of(app)) as session:
            from audit.protection.users import create_user

            username = create_user(session, "staff-auditor", DEMO_PASSWORD, "auditor",
                                   forum_plan["first_auditor"]).username
    with TestClient(app, follow_redirects=False) as client:
        sign_in_through_form(client, username)
        page = client.get(f"/my-audits/{forum_plan['assignment_id']}").text
    assert forum_plan["case_officer"] in page
