"""Signing out ends the session on the server: a copy of the cookie replayed afterwards signs nobody in."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import WebSession
from tests.web.conftest import csrf_of, engine_of, sign_in, user_named

COOKIE = "ehcp_session"


def replay(app, cookie: str) -> TestClient:
    """Another browser holding a copy of the cookie (as someone who copied it, or a stale tab, would)."""
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(COOKIE, cookie)
    return client


def sessions_of(app, username: str) -> list[WebSession]:
    user = user_named(app, username)
    with transaction(engine_of(app)) as session:
        return list(session.exec(select(WebSession).where(WebSession.user_id == user.id)).all())


def refused(client: TestClient) -> None:
    page = client.get("/results")
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in"), page.status_code
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["reason"] == "signin"


def test_a_copy_of_the_cookie_stops_working_once_its_session_signs_out(app, client):
    token = sign_in(client, "demo-board-member")
    copy = client.cookies.get(COOKIE)
    with replay(app, copy) as stolen:
        assert stolen.get("/results").status_code == 200, "the copy works while the session lasts"
    assert len(sessions_of(app, "demo-board-member")) == 1

    r = client.post("/sign-out", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    assert sessions_of(app, "demo-board-member") == [], "the server no longer holds the session"
    with replay(app, copy) as stolen:
        refused(stolen)
        r = stolen.get("/results")
        assert "ended=ended" in r.headers["location"]
        assert "You were signed out. Sign in again." in stolen.get(r.headers["location"]).text
        # Nor can it write: the form's token is of no use without a live session.
        assert stolen.post("/account/sign-out-everywhere", data={"csrf_token": token}).status_code == 303


def test_sign_out_leaves_the_accounts_other_sessions_alone(app):
    with TestClient(app, follow_redirects=False) as laptop, TestClient(app, follow_redirects=False) as phone:
        sign_in(laptop, "demo-qa-lead")
        token = sign_in(phone, "demo-qa-lead")
        phone.post("/sign-out", data={"csrf_token": token})
        assert laptop.get("/cycles").status_code == 200
        assert len(sessions_of(app, "demo-qa-lead")) == 1


def test_sign_out_everywhere_refuses_a_replayed_cookie_of_every_device(app):
    with TestClient(app, follow_redirects=False) as laptop, TestClient(app, follow_redirects=False) as phone:
        sign_in(laptop, "demo-board-member")
        token = sign_in(phone, "demo-board-member")
        copies = [laptop.cookies.get(COOKIE), phone.cookies.get(COOKIE)]
        r = phone.post("/account/sign-out-everywhere", data={"csrf_token": token})
        assert r.status_code == 303
    assert sessions_of(app, "demo-board-member") == []
    for copy in copies:
        with replay(app, copy) as stolen:
            refused(stolen)


def test_an_admin_switching_an_account_off_ends_its_sessions_on_the_server(app, client):
    sign_in(client, "demo-moderator")
    moderator = user_named(app, "demo-moderator")
    copy = client.cookies.get(COOKIE)
    with TestClient(app, follow_redirects=False) as admin:
        token = sign_in(admin, "demo-admin")
        r = admin.post(f"/admin/users/{moderator.id}/active", data={"csrf_token": token, "active": "no"})
        assert r.status_code == 303, r.text
    assert sessions_of(app, "demo-moderator") == []
    with replay(app, copy) as stolen:
        assert stolen.get("/results").status_code == 303


def test_sessions_past_their_limit_are_deleted_as_new_ones_begin(app, client):
    clock_now = app.state.clock()
    sign_in(client, "demo-board-member")
    app.state.clock = lambda: clock_now + timedelta(hours=9)
    with TestClient(app, follow_redirects=False) as later:
        sign_in(later, "demo-board-member")
    rows = sessions_of(app, "demo-board-member")
    assert len(rows) == 1 and rows[0].began_at > clock_now + timedelta(hours=8)
    refused(client)


def test_the_session_id_is_kept_as_a_hash_and_the_trail_shows_it_as_a_secret(app, client):
    from audit.store.models import TrailEntry

    sign_in(client, "demo-board-member")
    (row,) = sessions_of(app, "demo-board-member")
    cookie = client.cookies.get(COOKIE)
    assert row.token_hash not in cookie and len(row.token_hash) == 64
    with transaction(engine_of(app)) as session:
        entry = session.exec(select(TrailEntry).where(TrailEntry.table_name == "websession")
                             .order_by(TrailEntry.id.desc())).first()
    assert entry.actor == "web:demo-board-member" and entry.after["token_hash"] == "[secret]"


def test_a_page_after_sign_out_offers_sign_in_and_the_csrf_token_of_the_old_session_is_gone(app, client):
    token = sign_in(client, "demo-board-member")
    client.post("/sign-out", data={"csrf_token": token})
    assert csrf_of(client.get("/sign-in").text) != token
