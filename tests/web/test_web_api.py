"""The JSON API: bearer tokens from the CLI, submitting a scorecard through save_scorecard, reading results."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from audit.protection.users import create_api_token, get_user
from audit.store.db import transaction
from audit.store.models import Scorecard
from tests.web.conftest import assignments_of, auditor_users, engine_of, sign_in
from tests.web.test_web_auditor import criteria_of


def bearer(app, username):
    with transaction(engine_of(app)) as session:
        return {"Authorization": f"Bearer {create_api_token(session, get_user(session, username), 'test')}"}


def test_an_auditor_submits_a_scorecard_with_a_token(app, client, triggered):
    user = auditor_users(app)[0]
    headers = bearer(app, user.username)
    listed = client.get("/api/v1/assignments", headers=headers).json()
    mine = assignments_of(app, user)
    assert {a["id"] for a in listed} == {a.id for a in mine}
    detail = client.get(f"/api/v1/assignments/{mine[0].id}", headers=headers).json()
    assert detail["criteria"][0]["descriptors"]["Good"]
    cids = criteria_of(app, mine[0])
    incomplete = {"submit": True, "grades": [{"criterion_id": cids[0], "grade": "Inadequate"}]}
    r = client.put(f"/api/v1/assignments/{mine[0].id}/scorecard", json=incomplete, headers=headers)
    assert r.status_code == 422 and any("without a comment" in p for p in r.json()["problems"])
    body = {"submit": True, "grades": [{"criterion_id": c, "grade": "Good", "comment": ""} for c in cids]}
    r = client.put(f"/api/v1/assignments/{mine[0].id}/scorecard", json=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    with transaction(engine_of(app)) as session:
        card = session.exec(select(Scorecard)).one()
    assert card.source == "api"
    r = client.put(f"/api/v1/assignments/{mine[0].id}/scorecard", json=body, headers=headers)
    assert r.status_code == 409 and "already submitted" in r.json()["detail"]


def test_tokens_are_checked_and_objects_are_the_auditors_own(app, client):
    mine, theirs = auditor_users(app)[:2]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    headers = bearer(app, mine.username)
    assert client.get("/api/v1/me", headers=headers).json()["role"] == "auditor"
    other = assignments_of(app, theirs)[0]
    r = client.put(f"/api/v1/assignments/{other.id}/scorecard", json={"submit": False, "grades": []}, headers=headers)
    assert r.status_code == 404


def test_results_and_progress_for_the_board_and_qa_lead(app, client):
    from audit.cycle.lifecycle import get_cycle
    from audit.results.cycle_scores import score_cycle
    from audit.synthetic.submissions import submit_simulated

    with transaction(engine_of(app)) as session:
        cycle = get_cycle(session, 1)
        submit_simulated(session, cycle, seed=2)
        score_cycle(session, cycle)
    progress = client.get("/api/v1/cycles/1/progress", headers=bearer(app, "demo-qa-lead")).json()
    assert progress["complete"] is True and progress["submitted"] == progress["total"]
    board = bearer(app, "demo-board-member")
    assert client.get("/api/v1/cycles", headers=board).json()[0]["has_results"] is True
    summary = client.get("/api/v1/cycles/1/summary", headers=board).json()
    assert summary["schema"] == "ehcp-audit/board-summary/2" and summary["headline"]["plans_sampled"] == 4


def test_openapi_documents_the_scorecard_and_results_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/assignments/{assignment_id}/scorecard" in paths and "/api/v1/cycles/{cycle_id}/summary" in paths
    assert not any(p.startswith("/my-audits") for p in paths), "pages stay out of the API schema"


def test_users_cli_adds_users_and_issues_tokens(settings, monkeypatch, app):
    from audit.settings import get_settings
    from ehcp_audit_cli.main import app as cli

    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(cli, ["users", "add", "casey", "--role", "qa_lead", "--password", "long-password-1"])
        assert r.exit_code == 0, r.output
        r = runner.invoke(cli, ["users", "add", "sam", "--role", "auditor", "--password", "long-password-1"])
        assert r.exit_code == 1 and "auditor code" in r.output
        r = runner.invoke(cli, ["users", "add", "x", "--role", "wizard", "--password", "long-password-1"])
        assert r.exit_code == 1 and "not a role" in r.output
        r = runner.invoke(cli, ["users", "token", "casey"])
        token = r.output.strip()
        assert r.exit_code == 0 and token.startswith("ehcp_")
        assert "casey" in runner.invoke(cli, ["users", "list"]).output
    finally:
        get_settings.cache_clear()
    with TestClient(app) as c:
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["username"] == "casey"


def test_malformed_requests_get_every_problem_in_the_api_format_and_pages_a_not_found(app, client):
    auditor = auditor_users(app)[0]
    token = sign_in(client, auditor.username)
    aid = assignments_of(app, auditor)[0].id
    r = client.put(f"/api/v1/assignments/{aid}/scorecard", headers={"X-CSRF-Token": token},
                   json={"submit": "maybe", "grades": [{"criterion_id": "B1", "grade": "Brilliant"}]})
    body = r.json()
    assert r.status_code == 422 and body["detail"].startswith("The request was rejected")
    assert len(body["problems"]) == 2 and any("grade" in p for p in body["problems"])
    too_big = 2**70
    assert client.get(f"/api/v1/assignments/{too_big}").status_code == 422
    page = client.get(f"/my-audits/{too_big}")
    assert page.status_code == 404 and "Page not found" in page.text
