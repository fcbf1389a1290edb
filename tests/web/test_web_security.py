"""Cookie flags, security headers and sign-in that gives nothing away (timing included)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from audit.protection import users
from tests.web.conftest import csrf_of, sign_in
from web.app import create_app


def cookie_of(response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("ehcp_session="))


def test_the_session_cookie_is_httponly_samesite_and_secure_when_configured(settings):
    for secure, samesite in ((False, "lax"), (True, "strict")):
        app = create_app(settings.model_copy(update={"cookie_secure": secure, "cookie_samesite": samesite}))
        with TestClient(app, follow_redirects=False, base_url="https://testserver") as client:
            cookie = cookie_of(client.get("/sign-in")).lower()
        assert "httponly" in cookie and f"samesite={samesite}" in cookie
        assert ("; secure" in cookie) is secure
        assert "max-age=28800" in cookie, "the cookie lasts no longer than the absolute session limit"


def test_every_page_carries_the_security_headers_and_its_scripts_the_nonce(client):
    r = client.get("/sign-in")
    policy = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"' in r.text, "GOV.UK Frontend's inline script gets the request's nonce"
    assert "<style>" not in r.text and " style=" not in r.text, "no inline styles: the policy allows none"
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'",
                      "form-action 'self'", "style-src 'self'"):
        assert directive in policy
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in r.headers, "no HSTS over plain HTTP on loopback"
    assert client.get("/sign-in").headers["content-security-policy"] != policy, "a fresh nonce per response"


def test_hsts_when_cookies_are_secure(settings):
    app = create_app(settings.model_copy(update={"cookie_secure": True}))
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/sign-in").headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_api_docs_page_alone_allows_inline_styles_for_swagger_ui(client):
    r = client.get("/api/docs")
    policy = r.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self' 'nonce-" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert r.text.count(f'<script nonce="{nonce}">') == 1
    assert "'unsafe-inline'" not in client.get("/sign-in").headers["content-security-policy"]


@pytest.mark.parametrize("username", ["demo-board-member", "no-such-person"])
def test_a_wrong_password_costs_one_full_password_check_whether_or_not_the_user_exists(client, monkeypatch,
                                                                                      username):
    calls = []

    class Counting:  # argon2's PasswordHasher has read-only attributes: wrap it instead
        def __init__(self, real):
            self.real = real

        def verify(self, stored, password):
            calls.append(stored)
            return self.real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(self.real, name)

    monkeypatch.setattr(users, "_hasher", Counting(users._hasher))
    token = csrf_of(client.get("/sign-in").text)
    r = client.post("/sign-in", data={"username": username, "password": "wrong-password-1", "csrf_token": token})
    assert r.status_code == 400 and "Enter a correct username and password" in r.text
    assert len(calls) == 1 and calls[0].startswith("$argon2id$"), "the same argon2id work for every username"


def test_a_switched_off_account_with_the_right_password_gets_the_usual_message(app, client):
    from audit.store.db import transaction
    from tests.web.conftest import engine_of, user_named

    with transaction(engine_of(app)) as session:
        session.get(users.User, user_named(app, "demo-board-member").id).active = False
    token = csrf_of(client.get("/sign-in").text)
    r = client.post("/sign-in", data={"username": "demo-board-member", "password": users.DEMO_PASSWORD,
                                      "csrf_token": token})
    assert r.status_code == 400 and "Enter a correct username and password" in r.text


def test_sign_in_starts_a_new_session(client):
    before = csrf_of(client.get("/sign-in").text)
    after = sign_in(client, "demo-board-member")
    assert before != after, "a token planted before sign-in is worthless after it"
