"""A service lead sees their own service's results only (pages, downloads, API, CLI); a board member sees all."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from audit import clock
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
    assert all("health" in a["services"] for a in summary["actions"])
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


# --- improvement-plan actions (issue 15): they have no section; a service lead sees those evidenced on their service


def with_improvement_actions(app, cycle_id: int) -> dict[str, str]:
    """Three improvement-plan actions this cycle evidenced: on a health criterion, an SEN team section (E) and the
    social care service; returns each action's title by the service it concerns."""
    from audit.store.models import (
        ActionEvidence,
        Cycle,
        ImprovementAction,
        ImprovementPlan,
        WeaknessArea,
    )

    targets = {"health": ("criterion", "C1"), "sen_team": ("section", "E"), "social_care": ("service", "social_care")}
    titles = {}
    with transaction(engine_of(app)) as session:
        plan = ImprovementPlan(area_id=session.get(Cycle, cycle_id).area_id, name="Audit findings", scale="brag")
        session.add(plan)
        session.flush()
        weakness = WeaknessArea(plan_id=plan.id, reference="Q", title="Quality of EHC plans")
        session.add(weakness)
        session.flush()
        for position, (service, (level, target)) in enumerate(targets.items(), start=1):
            action = ImprovementAction(plan_id=plan.id, weakness_id=weakness.id, reference=f"Q.{position}",
                                       position=position, action=f"Improve {level} {target}", lead="LEAD-01",
                                       raised_cycle_id=cycle_id)
            session.add(action)
            session.flush()
            session.add(ActionEvidence(action_id=action.id, cycle_id=cycle_id, rule=f"weak-{level}", level=level,
                                       target=target, plans=4, weak=4, share=1.0, reason=f"{level} {target} weak"))
            titles[service] = f"Q.{position} Improve {level} {target}"
    return titles


def test_a_service_lead_sees_the_improvement_actions_evidenced_on_their_service(app, client, scored):
    titles = with_improvement_actions(app, scored)
    sign_in(client, "demo-service-lead")  # health
    page = client.get(f"/results/{scored}")
    assert page.status_code == 200
    assert titles["health"] in page.text
    assert titles["sen_team"] not in page.text and titles["social_care"] not in page.text
    for fmt in ("html", "md", "json"):
        assert client.get(f"/results/{scored}/download/{fmt}").status_code == 200, fmt
    summary = client.get(f"/results/{scored}/download/json").json()
    improvements = [a for a in summary["actions"] if a["kind"] == "improvement"]
    assert [(a["title"], a["services"]) for a in improvements] == [(titles["health"], ["health"])]
    assert all("health" in a["services"] for a in summary["actions"])

    with TestClient(app, follow_redirects=False) as board_client:
        sign_in(board_client, "demo-board-member")
        board = board_client.get(f"/results/{scored}/download/json").json()
    assert {a["title"]: a["services"] for a in board["actions"] if a["kind"] == "improvement"} == {
        titles[s]: [s] for s in titles}


def test_the_api_and_the_cli_give_a_service_lead_their_improvement_actions(app, cli_store, scored):
    titles = with_improvement_actions(app, scored)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, "demo-service-lead")
        response = client.get(f"/api/v1/cycles/{scored}/summary")
    assert response.status_code == 200
    assert [a["title"] for a in response.json()["actions"] if a["kind"] == "improvement"] == [titles["health"]]
    result = run_cli("--as-user", "demo-service-lead", "report", "--cycle", str(scored), "--format", "md")
    assert result.exit_code == 0, result.output
    assert titles["health"] in result.output and titles["social_care"] not in result.output


def test_each_service_pack_lists_the_improvement_actions_on_its_service(app, scored):
    from audit.cycle.lifecycle import get_cycle
    from reports.pack import build_pack

    titles = with_improvement_actions(app, scored)

    def actions_in(pack) -> set[str]:
        table = next(t for s in pack["sections"] for t in s["tables"] if t["key"] == "actions")
        return {row["cells"][0]["text"] for row in table["rows"]}

    with transaction(engine_of(app)) as session:
        cycle = get_cycle(session, scored)
        packs = {service: build_pack(session, cycle, clock.today(), service=service)
                 for service in (None, "health", "sen_team", "education")}
    assert set(titles.values()) <= actions_in(packs[None])
    assert titles["health"] in actions_in(packs["health"])
    assert not actions_in(packs["health"]) & {titles["sen_team"], titles["social_care"]}
    assert titles["sen_team"] in actions_in(packs["sen_team"])
    assert not actions_in(packs["education"]) & set(titles.values())
