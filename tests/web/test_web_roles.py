"""Every route against every role: the role check, CSRF on every write, and nothing left unguarded."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from audit.users import ROLES
from tests.web.conftest import assignments_of, auditor_users, csrf_of, sign_in, user_named

RESULTS = {"qa_lead", "board_member", "service_lead", "moderator"}
EVERYONE = set(ROLES)
PUBLIC = {"public"}
# The intended access, written out independently of the code so a change to either shows up here.
EXPECTED = {
    ("GET", "/"): EVERYONE,
    ("GET", "/sign-in"): PUBLIC,
    ("POST", "/sign-in"): PUBLIC,
    ("POST", "/sign-out"): EVERYONE,
    ("GET", "/my-audits"): {"auditor"},
    ("GET", "/my-audits/{assignment_id}"): {"auditor"},
    ("POST", "/my-audits/{assignment_id}"): {"auditor"},
    ("GET", "/my-audits/{assignment_id}/submitted"): {"auditor"},
    ("GET", "/cycles"): {"qa_lead"},
    ("GET", "/cycles/new"): {"qa_lead"},
    ("POST", "/cycles/new"): {"qa_lead"},
    ("GET", "/cycles/{cycle_id}"): {"qa_lead"},
    ("POST", "/cycles/{cycle_id}/start"): {"qa_lead"},
    ("POST", "/cycles/{cycle_id}/withdraw"): {"qa_lead"},
    ("POST", "/cycles/{cycle_id}/reminders"): {"qa_lead"},
    ("POST", "/cycles/{cycle_id}/close"): {"qa_lead"},
    ("GET", "/cycles/{cycle_id}/moderation"): {"qa_lead", "moderator"},
    ("GET", "/cycles/{cycle_id}/moderation/{sampled_plan_id}"): {"qa_lead", "moderator"},
    ("POST", "/cycles/{cycle_id}/moderation/{sampled_plan_id}"): {"qa_lead", "moderator"},
    ("GET", "/cycles/{cycle_id}/agreement"): {"qa_lead", "moderator"},
    ("GET", "/results"): RESULTS,
    ("GET", "/results/{cycle_id}"): RESULTS,
    ("GET", "/results/{cycle_id}/download/{fmt}"): RESULTS,
    ("GET", "/admin/users"): {"admin"},
    ("POST", "/admin/users"): {"admin"},
    ("POST", "/admin/users/{user_id}/role"): {"admin"},
    ("POST", "/admin/users/{user_id}/active"): {"admin"},
    ("GET", "/api/v1/me"): EVERYONE,
    ("GET", "/api/v1/assignments"): {"auditor"},
    ("GET", "/api/v1/assignments/{assignment_id}"): {"auditor"},
    ("PUT", "/api/v1/assignments/{assignment_id}/scorecard"): {"auditor"},
    ("GET", "/api/v1/cycles"): RESULTS,
    ("GET", "/api/v1/cycles/{cycle_id}/progress"): {"qa_lead"},
    ("GET", "/api/v1/cycles/{cycle_id}/summary"): RESULTS,
    # issue 7, data protection (trail helper)
    ("GET", "/trail"): {"qa_lead", "admin"},
    ("GET", "/trail/export.csv"): {"qa_lead", "admin"},
    ("GET", "/my-audits/{assignment_id}/safeguarding"): {"auditor"},
    ("POST", "/my-audits/{assignment_id}/safeguarding"): {"auditor"},
    ("GET", "/my-audits/{assignment_id}/safeguarding/{flag_id}"): {"auditor"},
    ("POST", "/api/v1/assignments/{assignment_id}/safeguarding"): {"auditor"},
    ("GET", "/safeguarding"): {"qa_lead"},
    ("GET", "/safeguarding/{flag_id}"): {"qa_lead"},
    ("POST", "/safeguarding/{flag_id}/notes"): {"qa_lead"},
    ("POST", "/safeguarding/{flag_id}/close"): {"qa_lead"},
    ("POST", "/safeguarding/{flag_id}/notify"): {"qa_lead"},
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
}


def api_routes(app):
    """(method, full path, route) for every endpoint, through FastAPI's included-router wrappers."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            original = getattr(ctx, "original_route", ctx)
            if isinstance(original, APIRoute):
                for method in original.methods - {"HEAD"}:
                    yield method, ctx.path, original


def declared_roles(route: APIRoute) -> set[str]:
    found = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        found.update(getattr(dep.call, "roles", ()))
        stack.extend(dep.dependencies)
    return found


def test_every_route_has_exactly_the_intended_role_check(app):
    seen = {}
    for method, path, route in api_routes(app):
        seen[(method, path)] = declared_roles(route)
    assert set(seen) == set(EXPECTED), "a route was added or removed: list it in EXPECTED with its roles"
    for key, roles in seen.items():
        assert roles == EXPECTED[key], key


def username_for(role: str) -> str:
    return {"auditor": None}.get(role, f"demo-{role.replace('_', '-')}")


@pytest.fixture
def filled(app):
    auditor = auditor_users(app)[0]
    return auditor, {"assignment_id": assignments_of(app, auditor)[0].id, "cycle_id": 1,
                     "user_id": user_named(app, "demo-board-member").id, "fmt": "html",
                     "sampled_plan_id": 1, "flag_id": 1}


def request(client, method, path, token=None):
    headers = {"X-CSRF-Token": token} if token and path.startswith("/api/") else {}
    if method == "GET":
        return client.get(path)
    if path.startswith("/api/"):
        return client.request(method, path, json={"submit": False, "grades": []}, headers=headers)
    return client.request(method, path, data={"csrf_token": token} if token else {})


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_each_role_is_let_in_or_refused_on_every_route(app, filled, role):
    auditor, params = filled
    with TestClient(app, follow_redirects=False) as client:
        token = None
        if role != "anonymous":
            token = sign_in(client, auditor.username if role == "auditor" else username_for(role))
        for (method, path), allowed in sorted(EXPECTED.items()):
            url = path.format(**params)
            if "public" in allowed:
                continue
            if role == "anonymous":
                r = request(client, method, url)
                if url.startswith("/api/"):
                    assert r.status_code == 401, (method, url)
                else:
                    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in"), (method, url)
            elif role not in allowed:
                r = request(client, method, url, token)  # a valid token: only the role stops it
                assert r.status_code == 403, (role, method, url, r.status_code)
                assert "does not give access" in r.text, (role, method, url)
            elif method == "GET":
                r = request(client, method, url)
                assert r.status_code not in (401, 403) and not r.headers.get("location", "").startswith("/sign-in"), (
                    role, method, url, r.status_code)
            elif url != "/sign-out":
                r = request(client, method, url)  # no CSRF token: the role passes, the token check refuses
                assert r.status_code == 403 and ("expired" in r.text), (role, method, url, r.status_code)


def test_public_routes_need_no_sign_in_but_sign_in_needs_its_csrf_token(client):
    assert client.get("/sign-in").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"] == "ehcp-audit API"
    assert client.get("/api/docs").status_code == 200
    r = client.post("/sign-in", data={"username": "demo-admin", "password": "demo-password-2026"})
    assert r.status_code == 403 and "expired" in r.text


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
    auditor, params = filled
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, auditor.username)
        with TestClient(app, follow_redirects=False) as admin:
            token = sign_in(admin, "demo-admin")
            assert admin.post(f"/admin/users/{auditor.id}/active", data={"csrf_token": token, "active": "no"}).status_code == 303
        r = client.get("/my-audits")
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
