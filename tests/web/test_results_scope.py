"""A service lead sees their own service's results only (pages, downloads, API, CLI); a board member sees all."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from audit.store.db import transaction
from audit.store.models import User
from tests.web.conftest import engine_of, run_cli, sign_in, user_named

HEALTH_SECTIONS = {"C", "G"}  # whole-plan rubric: the sections health judges


def sections_of(rows) -> set[str]:
    return {r["group"].split(":")[0] for r in rows}


def test_a_service_lead_sees_their_own_service_only_on_the_page_and_in_downloads(client, scored):
    sign_in(client, "demo-service-lead")
    listing = client.get("/results").text
    assert "You see Health's results" in listing
    page = client.get(f"/results/{scored}").text
    assert "Health only" in page and "Social care" not in page and "By team" not in page
    summary = client.get(f"/results/{scored}/download/json").json()
    assert summary["service"] == {"code": "health", "label": "Health"}
    assert [r["group"] for r in summary["by_service"]] == ["Health"]
    assert sections_of(summary["by_section"]) == HEALTH_SECTIONS
    assert {r["section"] for r in summary["weak_criteria"]} <= HEALTH_SECTIONS
    assert all(a["section"] in HEALTH_SECTIONS for a in summary["actions"])
    assert {m["key"] for m in summary["timeliness"]["measures"]} == {
        "advice_6_weeks_health", "advice_6_weeks_health_excluding_exceptions", "advice_6_weeks_health_exception_cases"}
    assert summary["by_team"] == [] and summary["by_primary_need"] == []
    download = client.get(f"/results/{scored}/download/md")
    assert "-health.md" in download.headers["content-disposition"] and "Health only" in download.text


def test_a_board_member_sees_every_service(client, scored):
    sign_in(client, "demo-board-member")
    summary = client.get(f"/results/{scored}/download/json").json()
    assert summary["service"] is None
    assert [r["group"] for r in summary["by_service"]] == ["SEN team", "Education", "Health", "Social care"]
    assert len(sections_of(summary["by_section"])) > len(HEALTH_SECTIONS)


def test_the_api_cuts_the_summary_the_same_way(app, scored):
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, "demo-service-lead")
        summary = client.get(f"/api/v1/cycles/{scored}/summary").json()
    assert [r["group"] for r in summary["by_service"]] == ["Health"]
    assert sections_of(summary["by_section"]) == HEALTH_SECTIONS


def test_a_service_lead_without_a_service_is_told_to_ask_an_admin(app, client, scored):
    with transaction(engine_of(app)) as session:
        session.get(User, user_named(app, "demo-service-lead").id).service = None
    sign_in(client, "demo-service-lead")
    r = client.get(f"/results/{scored}")
    assert r.status_code == 403 and "no service set" in r.text and "Ask an admin" in r.text


@pytest.mark.usefixtures("scored")
def test_the_cli_report_as_a_service_lead_is_cut_too(cli_store):
    board = json.loads(run_cli("report", "--cycle", "1", "--format", "json").output)
    lead = json.loads(run_cli("--as-user", "demo-service-lead", "report", "--cycle", "1", "--format", "json").output)
    assert board["service"] is None and lead["service"]["code"] == "health"
    assert [r["group"] for r in lead["by_service"]] == ["Health"]
