"""Hostile input through the pages and the API: clear errors, nothing saved, never a server error; HTML escaped."""

from __future__ import annotations

import ast
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

import audit.clock
from audit.store.db import transaction
from audit.store.models import Cycle, Scorecard
from tests.factories import ROOT
from tests.web.conftest import assignments_of, auditor_users, engine_of, sign_in
from tests.web.test_web_api import bearer
from tests.web.test_web_auditor import criteria_of, full_form

SCRIPT = "<script>alert('x')</script>"


def test_a_scorecard_comment_with_markup_or_a_formula_is_refused_on_the_page(app, client):
    user = auditor_users(app)[0]
    token = sign_in(client, user.username)
    assignment = assignments_of(app, user)[0]
    cid = criteria_of(app, assignment)[0]
    form = full_form(app, assignment, token, "draft")
    form[f"comment-{cid}"] = SCRIPT
    r = client.post(f"/my-audits/{assignment.id}", data=form)
    assert r.status_code == 400 and "There is a problem" in r.text
    assert f"The comment for criterion {cid} contains" in r.text and "markup" in r.text
    assert SCRIPT not in r.text and "&lt;script&gt;" in r.text  # what was typed is kept, escaped
    form[f"comment-{cid}"] = "=HYPERLINK(\"http://evil.example\")"
    r = client.post(f"/my-audits/{assignment.id}", data=form)
    assert r.status_code == 400 and "spreadsheet would run as a formula" in r.text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(Scorecard)).all() == []


def test_the_api_refuses_hostile_comments_with_422(app, client):
    user = auditor_users(app)[0]
    assignment = assignments_of(app, user)[0]
    cid = criteria_of(app, assignment)[0]
    body = {"submit": False, "grades": [{"criterion_id": cid, "grade": "Good", "comment": "@SUM(A1:A9)"}]}
    r = client.put(f"/api/v1/assignments/{assignment.id}/scorecard", json=body, headers=bearer(app, user.username))
    assert r.status_code == 422 and "formula" in r.json()["problems"][0]
    body["grades"][0]["comment"] = "x" * 6000
    r = client.put(f"/api/v1/assignments/{assignment.id}/scorecard", json=body, headers=bearer(app, user.username))
    assert r.status_code == 422 and "more than the 5,000 allowed" in r.json()["problems"][0]


def test_a_cycle_name_with_markup_is_refused_and_kept_escaped(app, client):
    token = sign_in(client, "demo-qa-lead")
    due = audit.clock.today() + timedelta(days=30)
    form = {"csrf_token": token, "name": f"Q4 {SCRIPT}", "rubric": "whole-plan", "sample_size": "3",
            "day": str(due.day), "month": str(due.month), "year": str(due.year), "seed": "1"}
    r = client.post("/cycles/new", data=form)
    assert r.status_code == 400 and "The cycle name contains" in r.text and SCRIPT not in r.text
    with transaction(engine_of(app)) as session:
        assert len(session.exec(select(Cycle)).all()) == 1  # only the test area's own cycle


def test_oversized_bodies_are_refused_with_413_before_they_are_read(app, settings):
    small = settings.model_copy(update={"max_request_bytes": 20_000})
    from web.app import create_app

    with TestClient(create_app(small), follow_redirects=False) as client:
        token = sign_in(client, auditor_users(app)[0].username)
        r = client.post("/my-audits/1", data={"csrf_token": token, "comment-x": "y" * 30_000})
        assert r.status_code == 413 and "larger than 20,000 bytes" in r.text
        r = client.put("/api/v1/assignments/1/scorecard", content=b"{" + b" " * 30_000 + b"}",
                       headers={"content-type": "application/json", "X-CSRF-Token": token})
        assert r.status_code == 413 and r.json()["reason"] == "too_large"

        def chunks():  # no Content-Length: counted as it streams
            for _ in range(30):
                yield b"x" * 1_000

        r = client.post("/sign-in", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413


def test_every_jinja_environment_escapes_html():
    """Every Environment(...) in the code sets autoescape, and the HTML templates are escaped."""
    found = []
    for package in ("audit", "flows", "reports", "web", "ehcp_audit_cli"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Environment":
                    found.append((str(path.relative_to(ROOT)), {k.arg for k in node.keywords}))
    assert found and all("autoescape" in keywords for _, keywords in found), found
    from reports import render, templating
    from web.deps import make_templates

    assert make_templates().env.autoescape is True
    for env in (render._env, templating.env):  # reports/ has one environment (reports/templating.py)
        html = [n for n in env.list_templates() if ".html" in n]
        assert html and all(env.autoescape(n) is True for n in html)
        assert env.from_string("{{ x }}").render(x="<b>") == "<b>"  # Markdown/text templates stay as written
