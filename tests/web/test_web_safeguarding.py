"""The safeguarding route in the web app and the API: flag, email at once, follow up, close; failures shown."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import Auditor, SafeguardingFlag
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)
from tests.web.conftest import assignments_of, auditor_users, engine_of, sign_in
from tests.web.test_web_api import bearer
from web.app import create_app

CONCERN = "The plan says the child was seen with bruising in June; nothing was done."


def app_with_mail(settings, port: int):
    app = create_app(settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "audit@example.org",
        "safeguarding_contacts": ["dsl@example.org"]}))
    app.state.continue_cycle = lambda *args, **kwargs: None
    return app


def flags(app) -> list[SafeguardingFlag]:
    with transaction(engine_of(app)) as session:
        return list(session.exec(select(SafeguardingFlag).order_by(SafeguardingFlag.id)).all())


def test_an_auditor_flags_a_concern_and_the_contact_gets_one_email_at_once(settings, smtp):
    controller, inbox = smtp
    app = app_with_mail(settings, controller.port)
    with TestClient(app, follow_redirects=False) as client:
        user = auditor_users(app)[0]
        token = sign_in(client, user.username)
        assignment = assignments_of(app, user)[0]
        assert "Report a safeguarding concern" in client.get(f"/my-audits/{assignment.id}").text
        form = client.get(f"/my-audits/{assignment.id}/safeguarding").text
        assert "call the police on 999" in form
        empty = client.post(f"/my-audits/{assignment.id}/safeguarding", data={"csrf_token": token, "concern": " "})
        assert empty.status_code == 400 and "The concern is empty" in empty.text and inbox.messages == []
        r = client.post(f"/my-audits/{assignment.id}/safeguarding", data={"csrf_token": token, "concern": CONCERN})
        assert r.status_code == 303
        assert len(inbox.messages) == 1 and inbox.messages[0][0] == ["dsl@example.org"]  # before the reply
        done = client.get(r.headers["location"]).text
        assert "Safeguarding concern recorded" in done and "The designated safeguarding contact was emailed" in done
    [flag] = flags(app)
    with transaction(engine_of(app)) as session:
        code = session.get(Auditor, user.auditor_id).code
    assert (flag.raised_by, flag.concern, flag.notify_status, flag.assignment_id) == (code, CONCERN, "sent",
                                                                                      assignment.id)


def test_a_failed_email_is_recorded_shown_to_the_qa_lead_and_retried_from_the_page(settings, smtp):
    controller, inbox = smtp
    dead = app_with_mail(settings, free_port())
    with TestClient(dead, follow_redirects=False) as client:
        user = auditor_users(dead)[0]
        token = sign_in(client, user.username)
        assignment = assignments_of(dead, user)[0]
        r = client.post(f"/my-audits/{assignment.id}/safeguarding", data={"csrf_token": token, "concern": CONCERN})
        assert "could not be sent. Your concern is recorded" in client.get(r.headers["location"]).text
    [flag] = flags(dead)
    assert flag.notify_status == "failed"
    live = app_with_mail(settings, controller.port)
    with TestClient(live, follow_redirects=False) as client:
        token = sign_in(client, "demo-qa-lead")
        listing = client.get("/safeguarding").text
        assert "Email failed" in listing and f"SG-{flag.id}" in listing
        page = client.get(f"/safeguarding/{flag.id}").text
        assert CONCERN in page and "ConnectionRefusedError" in page and "Email the designated contact again" in page
        r = client.post(f"/safeguarding/{flag.id}/notify", data={"csrf_token": token})
        assert r.headers["location"].endswith("done=sent") and len(inbox.messages) == 1


def test_the_qa_lead_records_follow_up_and_closes_the_flag(app, client):
    user = auditor_users(app)[0]
    assignment = assignments_of(app, user)[0]
    r = client.post(f"/api/v1/assignments/{assignment.id}/safeguarding", json={"concern": CONCERN},
                    headers=bearer(app, user.username))
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "open" and body["notify_status"] == "failed"  # no SMTP in this app: shown, retried
    token = sign_in(client, "demo-qa-lead")
    flag_id = body["id"]
    bad = client.post(f"/safeguarding/{flag_id}/notes", data={"csrf_token": token, "note": "<b>x</b>"})
    assert bad.status_code == 400 and "markup" in bad.text
    r = client.post(f"/safeguarding/{flag_id}/notes", data={"csrf_token": token, "note": "Spoke to the DSL."})
    assert r.status_code == 303
    r = client.post(f"/safeguarding/{flag_id}/close", data={"csrf_token": token,
                                                            "closure_note": "Referred to the MASH."})
    page = client.get(r.headers["location"]).text
    assert "The concern was closed." in page and "Spoke to the DSL." in page and "Referred to the MASH." in page
    again = client.post(f"/safeguarding/{flag_id}/notes", data={"csrf_token": token, "note": "late"})
    assert again.status_code == 409 and "takes no more notes" in again.text
    assert client.get("/safeguarding/999").status_code == 404


def test_the_api_refuses_bad_concerns_and_other_auditors_plans(app, client):
    mine, theirs = auditor_users(app)[:2]
    headers = bearer(app, mine.username)
    own = assignments_of(app, mine)[0]
    r = client.post(f"/api/v1/assignments/{own.id}/safeguarding", json={"concern": "=cmd|' /C calc'!A0"},
                    headers=headers)
    assert r.status_code == 422 and "formula" in r.json()["problems"][0]
    other = assignments_of(app, theirs)[0]
    r = client.post(f"/api/v1/assignments/{other.id}/safeguarding", json={"concern": CONCERN}, headers=headers)
    assert r.status_code == 404
    assert client.post(f"/api/v1/assignments/{own.id}/safeguarding", json={}, headers=headers).status_code == 422
    assert flags(app) == []
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/assignments/{assignment_id}/safeguarding" in paths and "/safeguarding" not in paths
