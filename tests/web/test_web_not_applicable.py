"""'Not applicable' with a reason from the web form and the API, where the rubric allows it (joint-outcomes: J1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.protection.users import DEMO_PASSWORD, create_user
from audit.rubrics.loading import find_rubric
from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, CriterionGrade
from tests.factories import ROOT
from tests.web.conftest import AREA, engine_of, sign_in
from tests.web.test_web_api import bearer
from tests.web.test_web_auditor import criteria_of


@pytest.fixture
def with_budget(app):
    """A second cycle on the joint outcomes rubric, and an auditor account for the SEN team auditor with the most
    pieces holding J1 (personal budget, which may be marked not applicable): (user, two of those pieces)."""
    with transaction(engine_of(app)) as session:
        cycle = create_cycle(session, get_area(session, AREA), find_rubric(ROOT / "rubrics", "joint-outcomes"),
                             name="Joint", sample_size=30, due_date=audit.clock.today() + timedelta(days=21), seed=5)
        open_cycle(session, cycle)
        pieces = [a for a in session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id)) if "J" in a.sections]
        auditor_id = max({a.auditor_id for a in pieces}, key=lambda i: sum(a.auditor_id == i for a in pieces))
        code = session.get(Auditor, auditor_id).code
        user = create_user(session, "sen-auditor", DEMO_PASSWORD, "auditor", code)
        mine = [a for a in pieces if a.auditor_id == auditor_id][:2]
    assert len(mine) == 2
    return user, mine


def test_the_api_takes_not_applicable_with_a_reason(app, client, with_budget):
    user, (assignment, _) = with_budget
    headers = bearer(app, user.username)
    detail = client.get(f"/api/v1/assignments/{assignment.id}", headers=headers).json()
    j1 = next(c for c in detail["criteria"] if c["criterion_id"] == "J1")
    assert j1["not_applicable_allowed"] and j1["section"] == "J"
    grades = [{"criterion_id": c, "grade": "Good"} for c in criteria_of(app, assignment) if c != "J1"]
    no_reason = {"submit": True, "grades": grades + [{"criterion_id": "J1", "grade": "Not applicable"}]}
    r = client.put(f"/api/v1/assignments/{assignment.id}/scorecard", json=no_reason, headers=headers)
    assert r.status_code == 422 and any("without a reason" in p for p in r.json()["problems"])
    body = {"submit": True, "grades": grades + [{"criterion_id": "J1", "grade": "Not applicable",
                                                 "comment": "No personal budget was asked for"}]}
    r = client.put(f"/api/v1/assignments/{assignment.id}/scorecard", json=body, headers=headers)
    assert r.status_code == 200, r.text
    with transaction(engine_of(app)) as session:
        row = session.exec(select(CriterionGrade).where(CriterionGrade.criterion_id == "J1")).one()
    assert row.not_applicable and row.grade is None


def test_the_form_offers_not_applicable_and_asks_for_the_reason(app, client, with_budget):
    user, (_, assignment) = with_budget
    token = sign_in(client, user.username)
    page = client.get(f"/my-audits/{assignment.id}").text
    assert 'value="na"' in page and "Not applicable" in page and "Give the reason in the comment" in page
    data = {"csrf_token": token, "action": "submit", "grade-J1": "na", "comment-J1": ""}
    for cid in criteria_of(app, assignment):
        if cid != "J1":
            data[f"grade-{cid}"] = "3"
    refused = client.post(f"/my-audits/{assignment.id}", data=data)
    assert refused.status_code == 400 and "without a reason" in refused.text
    data["comment-J1"] = "No personal budget was asked for"
    assert client.post(f"/my-audits/{assignment.id}", data=data).status_code == 303
