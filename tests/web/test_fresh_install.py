"""A fresh install (accounts, nothing imported yet) and record numbers out of range: empty lists and "not found",
never a server error. Both were found by the crawl (tests/web/test_crawl.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from audit.protection.users import DEMO_PASSWORD, create_user
from audit.store.db import engine_from_settings, forget_engine, transaction
from tests.databases import drop_store, new_store_url
from tests.web.conftest import auditor_users, csrf_of, sign_in, web_settings
from web.app import create_app

TOO_BIG = 2**70  # past every id column's range


@pytest.fixture
def fresh(tmp_path):
    settings = web_settings(tmp_path, new_store_url(tmp_path))
    with transaction(engine_from_settings(settings)) as session:
        for role in ("qa_lead", "board_member", "moderator", "admin"):
            create_user(session, role.replace("_", "-"), DEMO_PASSWORD, role)
        create_user(session, "service-lead", DEMO_PASSWORD, "service_lead", service="health")
    forget_engine(settings.resolved_database_url)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()
    drop_store(settings.resolved_database_url)


@pytest.mark.parametrize("username, start", [("board-member", "/results"), ("moderator", "/results"),
                                             ("service-lead", "/results")])
def test_before_anything_is_imported_the_results_page_says_there_are_none(fresh, username, start):
    sign_in(fresh, username)
    r = fresh.get(start)
    assert r.status_code == 200 and "Audit results" in r.text
    assert fresh.get("/api/v1/cycles").json() == []


def test_before_anything_is_imported_the_qa_leads_lists_are_empty_and_records_not_found(fresh):
    sign_in(fresh, "qa-lead")
    for url in ("/cycles", "/results", "/safeguarding", "/improvement", "/improvement/tasks", "/trail"):
        assert fresh.get(url).status_code == 200, url
    for url in ("/cycles/1", "/cycles/1/moderation", "/cycles/1/moderation/1", "/cycles/1/agreement",
                "/safeguarding/1", "/improvement/plans/1", "/results/1"):
        r = fresh.get(url)
        assert r.status_code == 404 and "Page not found" in r.text, (url, r.status_code)
    assert fresh.get("/api/v1/cycles/1/progress").status_code == 404


def test_a_qa_lead_creating_a_cycle_before_the_register_is_told_what_to_do(fresh):
    token = sign_in(fresh, "qa-lead")
    r = fresh.post("/cycles/new", data={"csrf_token": token, "name": "First", "rubric": "whole-plan",
                                        "sample_size": "4", "day": "1", "month": "3", "year": "2031", "seed": "1"})
    assert r.status_code == 400 and "Import a register" in r.text


def test_a_safeguarding_record_number_out_of_range_is_not_found(app, client):
    token = sign_in(client, "demo-qa-lead")
    assert client.get(f"/safeguarding/{TOO_BIG}").status_code == 404
    for action in ("notes", "close", "notify"):
        r = client.post(f"/safeguarding/{TOO_BIG}/{action}", data={"csrf_token": token, "note": "x"})
        assert r.status_code == 404 and "Page not found" in r.text, action
    auditor = auditor_users(app)[0]
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, auditor.username)
        assert other.get(f"/my-audits/1/safeguarding/{TOO_BIG}").status_code == 404
    assert csrf_of(client.get("/safeguarding").text)
