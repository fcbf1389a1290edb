"""Refusals a user would recognise: a board member posting a scorecard, a switched-off account.

Every route, endpoint and command against every role is walked in test_access_matrix.py.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import assignments_of, auditor_users, sign_in


@pytest.fixture
def filled(app):
    auditor = auditor_users(app)[0]
    return auditor, {"assignment_id": assignments_of(app, auditor)[0].id}


def test_a_board_member_posting_a_scorecard_is_refused(app, filled):
    _, params = filled
    with TestClient(app, follow_redirects=False) as client:
        token = sign_in(client, "demo-board-member")
        r = client.post(f"/my-audits/{params['assignment_id']}", data={"csrf_token": token, "action": "submit"})
        assert r.status_code == 403
        r = client.put(f"/api/v1/assignments/{params['assignment_id']}/scorecard",
                       json={"submit": True, "grades": []}, headers={"X-CSRF-Token": token})
        assert r.status_code == 403 and r.json()["reason"] == "role"


def test_a_switched_off_account_is_signed_out(app, filled):
    auditor, _params = filled
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, auditor.username)
        with TestClient(app, follow_redirects=False) as admin:
            token = sign_in(admin, "demo-admin")
            assert admin.post(f"/admin/users/{auditor.id}/active", data={"csrf_token": token, "active": "no"}).status_code == 303
        r = client.get("/my-audits")
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
