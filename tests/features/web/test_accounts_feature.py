"""Steps for accounts.feature: invitations and resets by email, end to end through a local SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import Auditor, User
from tests.smtp_server import free_port, smtp  # noqa: F401  (fixture)
from tests.web.conftest import csrf_of, settings, sign_in, template_db  # noqa: F401  (settings, template_db: fixtures)
from web.app import create_app

scenarios("web/accounts.feature")
ROLES = {"a board member": "board_member", "an auditor chosen from the list": "auditor"}


@pytest.fixture
def ctx(settings, smtp):
    controller, inbox = smtp
    context = {"settings": settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port}),
               "inbox": inbox, "clients": []}
    yield context
    for client in context["clients"]:
        client.__exit__(None, None, None)
    if "app" in context:
        context["app"].state.engine.dispose()


def client_of(ctx) -> TestClient:
    client = TestClient(ctx["app"], follow_redirects=False)
    client.__enter__()
    ctx["clients"].append(client)
    return client


@given("the service can send email through a local mail server")
def mail_server(ctx):
    ctx["app"] = create_app(ctx["settings"])
    ctx["app"].state.continue_cycle = lambda *args, **kwargs: None


@given("the service cannot send email")
def no_mail(ctx):
    ctx["app"].state.settings = ctx["settings"].model_copy(update={"smtp_host": None})


@given("the admin is signed in")
def admin(ctx):
    ctx["admin"] = client_of(ctx)
    ctx["csrf"] = sign_in(ctx["admin"], "demo-admin")


def post_invite(ctx, username, email, role):
    values = {"username": username, "email": email, "role": ROLES[role], "auditor": "", "service": "",
              "csrf_token": ctx["csrf"]}
    if ROLES[role] == "auditor":
        page = ctx["admin"].get("/admin/users/invite").text
        codes = re.findall(r'<option value="(AUD-[A-Z0-9-]+)"', page)
        assert codes, "the form offers the auditor list"
        values["auditor"] = ctx["auditor"] = codes[-1]
    ctx["response"] = ctx["admin"].post("/admin/users/invite", data=values)
    ctx["username"] = username


@when(parsers.parse('the admin invites "{username}" at "{email}" as {role}'))
def invite(ctx, username, email, role):
    post_invite(ctx, username, email, role)


def link_in(ctx, to: str, subject: str) -> str:
    mails = [m for rcpt, m in ctx["inbox"].messages if (not to or to in rcpt) and subject in m["Subject"]]
    assert mails, [m["Subject"] for _, m in ctx["inbox"].messages]
    body = mails[-1].get_content()
    return re.search(r"(http://testserver/account/set-password\?token=[\w-]+)", body).group(1)


@then(parsers.parse('"{email}" receives an invitation with a link'))
def invitation(ctx, email):
    assert ctx["response"].status_code == 303, ctx["response"].text[:3000]
    ctx["link"] = link_in(ctx, email, "You have been invited")
    token = ctx["link"].split("token=")[1]
    assert len(token) >= 43, "at least 256 bits"
    with transaction(ctx["app"].state.engine) as session:
        from audit.store.models import AccountLink

        stored = session.exec(select(AccountLink)).all()
        assert token not in {link.token_hash for link in stored}, "only a hash of the token is stored"


@then(parsers.parse('"{email}" receives a password reset email with a link'))
def reset_mail(ctx, email):
    ctx["link"] = link_in(ctx, email, "Reset your password")


@then("the account cannot be signed in to yet")
def not_yet(ctx):
    assert not can_sign_in(ctx, ctx["username"], "")


def can_sign_in(ctx, username, password) -> bool:
    client = client_of(ctx)
    token = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
    return response.status_code == 303


def open_and_set(ctx, password, confirm):
    person = client_of(ctx)
    page = person.get(ctx["link"].replace("http://testserver", ""))
    assert page.status_code == 200, page.text[:2000]
    ctx["response"] = person.post("/account/set-password", data={
        "token": ctx["link"].split("token=")[1], "password": password, "confirm": confirm,
        "csrf_token": csrf_of(page.text)})


@when(parsers.parse('the person opens the link and sets the password "{password}"'))
def set_password(ctx, password):
    open_and_set(ctx, password, password)
    assert ctx["response"].status_code == 303, ctx["response"].text[:2000]


@when(parsers.parse('the person opens the link and types "{password}" and "{confirm}"'))
def mismatch(ctx, password, confirm):
    open_and_set(ctx, password, confirm)


@when("the person opens the link again")
@when("the person opens the link from the email")
def open_again(ctx):
    if "link" not in ctx:
        ctx["link"] = link_in(ctx, "", "You have been invited")
    ctx["response"] = client_of(ctx).get(ctx["link"].replace("http://testserver", ""))


@then(parsers.parse('they can sign in as "{username}" with "{password}"'))
def signs_in(ctx, username, password):
    assert can_sign_in(ctx, username, password)


@then(parsers.parse('they cannot sign in as "{username}" with "{password}"'))
def cannot_sign_in(ctx, username, password):
    assert not can_sign_in(ctx, username, password)


@then("the account is linked to the auditor chosen from the list")
def linked(ctx):
    with transaction(ctx["app"].state.engine) as session:
        user = session.exec(select(User).where(User.username == ctx["username"])).one()
        assert session.get(Auditor, user.auditor_id).code == ctx["auditor"]


@then(parsers.parse('they see "{text}"'))
def see(ctx, text):
    assert text in unescape(ctx["response"].text), ctx["response"].text[:3000]


@then(parsers.parse('they see the error "{text}"'))
def see_error(ctx, text):
    html = unescape(ctx["response"].text)
    assert ctx["response"].status_code == 400 and "There is a problem" in html and text in html, html[:3000]
    assert "<title>Error: " in html


@then(parsers.parse('the form still shows "{value}"'))
def kept(ctx, value):
    assert f'value="{value}"' in ctx["response"].text


@then("no email was sent")
def no_email(ctx):
    assert ctx["inbox"].messages == []


@then(parsers.parse('there is no account "{username}"'))
def no_account(ctx, username):
    with transaction(ctx["app"].state.engine) as session:
        assert session.exec(select(User).where(User.username == username)).first() is None


@when(parsers.parse("{days:d} days pass"))
def days_pass(ctx, days):
    real = ctx["app"].state.clock
    ctx["app"].state.clock = lambda: real() + timedelta(days=days)


@given(parsers.parse('"{username}" was invited at "{email}" and set the password "{password}"'))
def invited_and_set(ctx, username, email, password):
    post_invite(ctx, username, email, "a board member")
    ctx["link"] = link_in(ctx, email, "You have been invited")
    set_password(ctx, password)
    ctx["inbox"].messages.clear()


@when(parsers.parse('someone asks for a reset link for "{who}"'))
def ask_reset(ctx, who):
    client = client_of(ctx)
    token = csrf_of(client.get("/forgot-password").text)
    ctx["response"] = client.post("/forgot-password", data={"who": who, "csrf_token": token})
    assert ctx["response"].status_code == 200


@when(parsers.parse('the admin forces a password reset for "{username}"'))
def force(ctx, username):
    with transaction(ctx["app"].state.engine) as session:
        user_id = session.exec(select(User).where(User.username == username)).one().id
    response = ctx["admin"].post(f"/admin/users/{user_id}/reset-password", data={"csrf_token": ctx["csrf"]})
    assert response.status_code == 303, response.text[:2000]


@when(parsers.parse('the admin switches off "{username}"'))
def switch_off(ctx, username):
    with transaction(ctx["app"].state.engine) as session:
        user_id = session.exec(select(User).where(User.username == username)).one().id
    response = ctx["admin"].post(f"/admin/users/{user_id}/active", data={"active": "no", "csrf_token": ctx["csrf"]})
    assert response.status_code == 303


def user_id_of(ctx, username: str) -> int:
    with transaction(ctx["app"].state.engine) as session:
        return session.exec(select(User).where(User.username == username)).one().id


@when(parsers.parse('the admin chooses "{role}" on the role page of "{username}"'))
def choose_role(ctx, role, username):
    user_id = user_id_of(ctx, username)
    form = ctx["admin"].get(f"/admin/users/{user_id}/role").text
    value = re.search(rf'<input class="govuk-radios__input" id="[^"]+" name="role" type="radio" value="(\w+)"[^>]*>\s*'
                      rf'<label class="govuk-label govuk-radios__label" for="[^"]+">\s*{role}\s*</label>', form).group(1)
    ctx["role_form"] = {"role": value, "auditor": "", "service": "", "csrf_token": ctx["csrf"]}
    ctx["role_user"] = user_id
    ctx["response"] = ctx["admin"].post(f"/admin/users/{user_id}/role", data=ctx["role_form"])


@when("the admin confirms the change")
def confirm(ctx):
    response = ctx["admin"].post(f"/admin/users/{ctx['role_user']}/role", data={**ctx["role_form"], "confirm": "yes"})
    assert response.status_code == 303


def role_of_user(ctx, username: str) -> str:
    with transaction(ctx["app"].state.engine) as session:
        return session.exec(select(User).where(User.username == username)).one().role


@then(parsers.parse('"{username}" is still a board member'))
def still_board(ctx, username):
    assert role_of_user(ctx, username) == "board_member"


@then(parsers.parse('"{username}" is a moderator'))
def is_moderator(ctx, username):
    assert role_of_user(ctx, username) == "moderator"
