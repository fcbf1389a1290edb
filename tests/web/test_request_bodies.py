"""A body that is not valid JSON gets the documented problem (422), and only once the caller may use the endpoint.

The permission check comes before the body is read: an anonymous caller gets 401 and a role without the
permission 403 whatever they send, so nobody learns anything about an endpoint they may not use.
"""

from __future__ import annotations

import pytest

from audit.protection.users import create_api_token
from audit.store.db import transaction
from tests.web.conftest import assignments_of, auditor_users, engine_of, user_named
from tests.web.security_docs import api_routes
from web.deps import CheckedFirst, access_check

JSON = {"content-type": "application/json"}
BROKEN = {"not json": b"{not json", "not UTF-8": b'{"submit": "\xff\xfe"}',
          "truncated": b'{"submit": true, "grades": ['}


def token_for(app, user) -> dict:
    with transaction(engine_of(app)) as session:
        return {"Authorization": f"Bearer {create_api_token(session, user)}"}


def endpoints(app) -> list[tuple[str, str]]:
    aid = assignments_of(app, auditor_users(app)[0])[0].id
    return [("PUT", f"/api/v1/assignments/{aid}/scorecard"), ("POST", f"/api/v1/assignments/{aid}/safeguarding")]


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"detail", "problems", "reason"}, body
    return body


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_body_that_is_not_json_gets_the_problem_shape_with_what_is_wrong(app, client, kind):
    headers = {**JSON, **token_for(app, auditor_users(app)[0])}
    for method, url in endpoints(app):
        body = problem(client.request(method, url, content=BROKEN[kind], headers=headers), 422)
        assert body["detail"] == "The request was rejected; nothing was saved." and body["reason"] is None
        assert body["problems"] and all("JSON" in p or "UTF-8" in p for p in body["problems"]), body


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_the_role_is_checked_before_the_body_is_read(app, client, kind):
    for method, url in endpoints(app):
        anonymous = client.request(method, url, content=BROKEN[kind], headers=JSON)
        assert problem(anonymous, 401)["reason"] == "signin"
        board = client.request(method, url, content=BROKEN[kind],
                               headers={**JSON, **token_for(app, user_named(app, "demo-board-member"))})
        assert problem(board, 403)["reason"] == "role"
        bad_token = client.request(method, url, content=BROKEN[kind], headers={**JSON, "Authorization": "Bearer nope"})
        assert problem(bad_token, 401)["reason"] == "signin"


def test_a_well_formed_body_of_the_wrong_shape_is_also_checked_after_the_role(app, client):
    for method, url in endpoints(app):
        board = client.request(method, url, json={"grades": "many"},
                               headers=token_for(app, user_named(app, "demo-board-member")))
        assert problem(board, 403)["reason"] == "role"
    method, url = endpoints(app)[0]
    r = client.request(method, url, json={"grades": "many"}, headers=token_for(app, auditor_users(app)[0]))
    assert any("grades" in p for p in problem(r, 422)["problems"])


def test_a_form_page_is_not_read_before_the_role_is_checked(app, client):
    """A page's form post from someone not signed in goes to sign in, however broken its body."""
    r = client.post("/cycles/new", content=b"--x\r\nbroken",
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_every_route_checks_its_permission_before_reading_the_body(app):
    routes = {path: route for _, path, route in api_routes(app)}
    assert len(routes) > 40
    assert [path for path, route in routes.items() if not isinstance(route, CheckedFirst)] == []
    assert all(access_check(route) is not None for route in routes.values()), "every route declares its access"
