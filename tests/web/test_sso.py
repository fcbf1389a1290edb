"""Single sign-on through OpenID Connect against a local provider started by the test.

The provider (oidc-provider-mock: authlib and Flask, on loopback) signs real RS256 ID tokens and runs the
authorization-code flow; the app discovers it, redirects, exchanges the code, checks the token against the
provider's keys and maps the subject to the account an admin linked. No account or role comes from claims.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from audit.protection.users import link_sso
from audit.store.db import transaction
from audit.store.models import User
from tests.web.conftest import engine_of, user_named
from web.app import create_app

CALLBACK = "http://testserver/sign-in/sso/callback"
SUBJECT = "qa-lead-object-id-4711"


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import run_server_in_thread  # imported here: it is only a test provider

    with run_server_in_thread(require_client_registration=True, require_nonce=True) as server:
        base = f"http://localhost:{server.server_port}"
        client = httpx.post(f"{base}/oauth2/clients", json={"redirect_uris": [CALLBACK]}).json()
        yield base, client


@pytest.fixture
def sso_app(settings, provider):
    base, client = provider
    app = create_app(settings.model_copy(update={
        "oidc_enabled": True, "oidc_discovery_url": f"{base}/.well-known/openid-configuration",
        "oidc_client_id": client["client_id"], "oidc_client_secret": client["client_secret"],
        "oidc_label": "your council account"}))
    with transaction(engine_of(app)) as session:
        link_sso(session, session.get(User, user_named(app, "demo-qa-lead").id), SUBJECT)
    return app


def at_the_provider(location: str, subject: str) -> str:
    """The person signs in at the provider (here: its test form takes the subject); returns our callback URL."""
    answer = httpx.post(location, data={"sub": subject}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def test_the_sign_in_page_offers_single_sign_on_when_it_is_configured(sso_app):
    with TestClient(sso_app) as client:
        assert "Sign in with your council account" in client.get("/sign-in").text


def test_a_linked_identity_signs_in_through_the_authorization_code_flow(sso_app, provider):
    base, _ = provider
    with TestClient(sso_app, follow_redirects=False) as client:
        start = client.get("/sign-in/sso?next=/cycles")
        assert start.status_code == 302 and start.headers["location"].startswith(f"{base}/oauth2/authorize")
        assert "code_challenge=" in start.headers["location"] and "nonce=" in start.headers["location"]
        back = client.get(at_the_provider(start.headers["location"], SUBJECT))
        assert back.status_code == 303 and back.headers["location"] == "/cycles"
        assert client.get("/cycles").status_code == 200, "signed in as the linked QA lead"
        me = client.get("/api/v1/me").json()
    assert me == {"username": "demo-qa-lead", "role": "qa_lead", "auditor_code": None}


def test_an_identity_nobody_linked_signs_nobody_in_and_creates_nothing(sso_app):
    with transaction(engine_of(sso_app)) as session:
        before = session.exec(select(func.count()).select_from(User)).one()
    with TestClient(sso_app, follow_redirects=False) as client:
        start = client.get("/sign-in/sso")
        back = client.get(at_the_provider(start.headers["location"], "board-chair@council.example"))
        assert back.status_code == 403 and "is not linked to an account here" in back.text
        assert client.get("/results").status_code == 303, "still signed out"
    with transaction(engine_of(sso_app)) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == before


def test_a_response_for_another_sign_in_attempt_is_refused(sso_app):
    with TestClient(sso_app, follow_redirects=False) as one, TestClient(sso_app, follow_redirects=False) as other:
        start = one.get("/sign-in/sso")
        callback = at_the_provider(start.headers["location"], SUBJECT)
        other.get("/sign-in/sso")
        stolen = other.get(callback)  # a code and state issued to someone else's browser
        assert stolen.status_code == 400 and "did not complete" in stolen.text
        assert other.get("/cycles").status_code == 303


def test_a_switched_off_account_cannot_sign_in_with_single_sign_on(sso_app):
    with transaction(engine_of(sso_app)) as session:
        session.get(User, user_named(sso_app, "demo-qa-lead").id).active = False
    with TestClient(sso_app, follow_redirects=False) as client:
        start = client.get("/sign-in/sso")
        assert client.get(at_the_provider(start.headers["location"], SUBJECT)).status_code == 403
