"""The service's own error pages (GOV.UK patterns) for people, and one problem shape for the API, every status."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient

from tests.web.conftest import auditor_users, sign_in

PROBLEM_KEYS = {"detail", "problems", "reason"}


def own_page(response, heading: str) -> str:
    """The response is one of the service's GOV.UK pages with this heading; returns its text."""
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    text = response.text
    assert f'<h1 class="govuk-heading-l">{heading}' in text, text[:2000]
    assert "govuk-template" in text and "EHC plan audit" in text, "the service's own page template"
    assert "content-security-policy" in response.headers, "the security headers are on error pages too"
    assert '{"detail"' not in text
    return text


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == PROBLEM_KEYS, body
    assert isinstance(body["detail"], str) and body["detail"] and isinstance(body["problems"], list)
    return body


def test_an_unknown_address_is_the_services_page_not_found_signed_in_or_not(client):
    for url in ("/no-such-page", "/results/1/nowhere", "/static/app/no-such-file.css"):
        r = client.get(url)
        assert r.status_code == 404
        text = own_page(r, "Page not found")
        assert "If you typed the web address, check it is correct." in text
        assert "<title>Page not found – EHC plan audit</title>" in text
    sign_in(client, "demo-board-member")
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert "Signed in as <strong>demo-board-member</strong>" in own_page(r, "Page not found"), "with the navigation"
    # A method a page does not take is not a page either.
    r = client.delete("/results")
    assert r.status_code == 405 and own_page(r, "Page not found")


def test_an_object_that_is_not_there_and_a_malformed_id_are_page_not_found(client):
    sign_in(client, "demo-qa-lead")
    for url, says in (("/cycles/999", "There is no cycle 999."), ("/cycles/abc", ""), (f"/cycles/{2**40}", "")):
        r = client.get(url)
        assert r.status_code == 404, url
        assert says in own_page(r, "Page not found")


def test_a_role_without_the_permission_gets_you_do_not_have_permission(client):
    sign_in(client, "demo-board-member")
    r = client.get("/cycles")
    assert r.status_code == 403
    text = own_page(r, "You do not have permission")
    assert "Your role (Board member) does not give access to this page." in text
    assert "Signed in as <strong>demo-board-member</strong>" in text, "the page says who is signed in"


def test_the_api_answers_every_status_in_the_problem_shape(app, client):
    assert problem(client.get("/api/v1/no-such-thing"), 404)["reason"] is None
    assert problem(client.get("/api/nothing-here"), 404)
    assert problem(client.delete("/api/v1/me"), 405)
    unsigned = problem(client.get("/api/v1/me"), 401)
    assert unsigned["reason"] == "signin" and unsigned["problems"] == []
    sign_in(client, "demo-board-member")
    assert problem(client.get("/api/v1/assignments"), 403)["reason"] == "role"
    assert problem(client.get("/api/v1/cycles/999/summary"), 404)["reason"] == "object"
    assert problem(client.get(f"/api/v1/cycles/{2**40}/summary"), 422)["problems"]
    assert problem(client.put("/api/v1/assignments/1/scorecard", json={}), 403)["reason"] == "role"
    sign_in(client, auditor_users(app)[0].username)
    assert problem(client.put("/api/v1/assignments/1/scorecard", json={}), 403)["reason"] == "csrf"


def test_a_server_error_is_the_services_page_with_a_reference_that_is_in_the_log(app, client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the store fell over")

    sign_in(client, "demo-board-member")
    monkeypatch.setattr("web.board.cycles_with_results", broken)
    monkeypatch.setattr("web.api.cycles_with_results", broken)
    with caplog.at_level(logging.ERROR):
        r = client.get("/results")
    assert r.status_code == 500
    text = own_page(r, "Sorry, there is a problem with the service")
    reference = re.search(r"reference <strong>([A-Z0-9-]+)</strong>", text).group(1)
    logged = [rec for rec in caplog.records if reference in rec.getMessage()]
    assert logged and logged[0].exc_info and "the store fell over" in caplog.text
    assert "Traceback" in caplog.text and "RuntimeError" in caplog.text
    assert "the store fell over" not in text, "no detail of the error on the page"

    caplog.clear()
    with caplog.at_level(logging.ERROR):
        body = problem(client.get("/api/v1/cycles"), 500)
    reference = re.search(r"reference ([A-Z0-9-]+)", body["detail"]).group(1)
    assert any(reference in rec.getMessage() and rec.exc_info for rec in caplog.records)
    assert "the store fell over" not in body["detail"]


def test_a_too_large_api_body_has_the_problem_shape(app, settings):
    from web.app import create_app

    small = settings.model_copy(update={"max_request_bytes": 20_000})
    with TestClient(create_app(small)) as client:
        r = client.put("/api/v1/assignments/1/scorecard", content=b"{" + b" " * 30_000 + b"}",
                       headers={"content-type": "application/json"})
    assert problem(r, 413)["reason"] == "too_large"


def test_a_too_large_form_is_the_services_page_with_the_security_headers(app, settings):
    from web.app import create_app

    small = settings.model_copy(update={"max_request_bytes": 20_000})
    with TestClient(create_app(small), follow_redirects=False) as client:
        token = sign_in(client, auditor_users(app)[0].username)
        r = client.post("/my-audits/1", data={"csrf_token": token, "comment-x": "y" * 30_000})
    assert r.status_code == 413
    text = own_page(r, "The form was too large")
    assert "larger than 20,000 bytes" in text and "x-frame-options" in r.headers
