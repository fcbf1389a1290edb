"""The audit trail page: who did what through the pages and the API, filters, CSV export, bad filters."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import TrailEntry
from tests.web.conftest import assignments_of, auditor_users, engine_of, sign_in
from tests.web.test_web_api import bearer
from tests.web.test_web_auditor import full_form


def trail_of(app, table: str) -> list[TrailEntry]:
    with transaction(engine_of(app)) as session:
        return list(session.exec(select(TrailEntry).where(TrailEntry.table_name == table)
                                 .order_by(TrailEntry.id)).all())


def test_a_scorecard_saved_on_the_page_and_through_the_api_names_the_user(app, client):
    first, second = auditor_users(app)[:2]
    token = sign_in(client, first.username)
    assignment = assignments_of(app, first)[0]
    assert client.post(f"/my-audits/{assignment.id}", data=full_form(app, assignment, token, "draft")).status_code == 303
    headers = bearer(app, second.username)
    other = assignments_of(app, second)[0]
    assert client.put(f"/api/v1/assignments/{other.id}/scorecard", json={"submit": False, "grades": []},
                      headers=headers).status_code == 200
    actors = list(dict.fromkeys(e.actor for e in trail_of(app, "scorecard")))  # a new card: create, then update
    assert actors == [f"web:{first.username}", f"api:{second.username}"]
    grades = trail_of(app, "criteriongrade")
    assert grades and all(e.actor == f"web:{first.username}" for e in grades)
    assert all("characters]" in e.after["comment"] for e in grades)  # comments by length only


def test_the_qa_lead_filters_the_trail_and_downloads_it(app, client):
    user = auditor_users(app)[0]
    token = sign_in(client, user.username)
    assignment = assignments_of(app, user)[0]
    client.post(f"/my-audits/{assignment.id}", data=full_form(app, assignment, token, "draft"))
    client.post("/sign-out", data={"csrf_token": token})
    sign_in(client, "demo-qa-lead")
    page = client.get("/trail", params={"actor": f"web:{user.username}", "table": "scorecard"})
    assert page.status_code == 200
    assert "2 matching entries" in page.text  # the card: create, update; said as who did what to what
    assert f"{user.username} (Auditor) started the" in page.text and "scorecard for plan" in page.text
    everything = client.get("/trail").text
    assert "to the register in one go" in everything  # the register import behind the test area
    download = client.get("/trail/export.csv", params={"table": "scorecard"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["actor"] for r in rows] == [f"web:{user.username}"] * 2 and len(rows[0]["entry_hash"]) == 64
    assert [r["action"] for r in rows] == ["create", "update"]


def test_bad_filters_are_explained_not_failed(app, client):
    sign_in(client, "demo-admin")
    page = client.get("/trail", params={"since": "last week", "action": "rename"})
    assert page.status_code == 400 and "There is a problem" in page.text
    assert "Enter the start date as a day, month and year" in page.text
    page = client.get("/trail", params={"action": "rename"})
    assert page.status_code == 400 and "is not an action" in page.text
    assert client.get("/trail/export.csv", params={"until": "soon"}).status_code == 400
    assert client.get("/trail", params={"page": "-3"}).status_code == 200
