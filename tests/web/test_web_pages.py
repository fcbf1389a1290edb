"""QA lead, board and admin pages: create and start a cycle, follow it, withdraw, remind, close, read results."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

import audit.clock
from audit.store.db import transaction
from audit.store.models import Cycle, Plan, ReminderLog, SampledPlan, User
from tests.store_dump import whole_dump
from tests.web.conftest import engine_of, flows_started, sign_in


def test_qa_lead_creates_a_cycle_with_errors_kept_then_starts_it(app, client):
    token = sign_in(client, "demo-qa-lead")
    assert "Create a cycle" in client.get("/cycles/new").text
    bad = {"csrf_token": token, "name": "Spring audit", "rubric": "whole-plan", "sample_size": "lots",
           "strata": ["team"], "day": "31", "month": "2", "year": "2030", "seed": "1"}
    r = client.post("/cycles/new", data=bad)
    assert r.status_code == 400 and "There is a problem" in r.text
    assert "Enter the number of plans to sample" in r.text and "real date" in r.text
    assert 'value="Spring audit"' in r.text
    due = audit.clock.today() + timedelta(days=30)
    good = {**bad, "sample_size": "3", "day": str(due.day), "month": str(due.month), "year": str(due.year)}
    r = client.post("/cycles/new", data=good)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Spring audit" in page and "Start cycle" in page and "Stratified by" in page
    cycle_id = int(r.headers["location"].rsplit("/", 1)[1])
    r = client.post(f"/cycles/{cycle_id}/start", data={"csrf_token": token})
    page = client.get(r.headers["location"]).text
    assert "The cycle has started" in page and "By agency" in page and "By auditor" in page
    assert "0 of " in page and "not started" in page


def test_qa_lead_withdraws_and_replaces_a_plan_records_reminders_and_closes(app, client, triggered):
    token = sign_in(client, "demo-qa-lead")
    with transaction(engine_of(app)) as session:
        ref = session.exec(select(Plan.plan_ref).join(SampledPlan).where(SampledPlan.cycle_id == 1)).first()
    r = client.post("/cycles/1/withdraw", data={"csrf_token": token, "plan_ref": ref, "reason": ""})
    assert r.status_code == 400 and "Enter why the plan is withdrawn" in r.text
    r = client.post("/cycles/1/withdraw", data={"csrf_token": token, "plan_ref": ref, "reason": "ceased",
                                               "replace": "yes"})
    page = client.get(r.headers["location"]).text
    assert "The plan was withdrawn" in page and "Withdrawn: ceased" in page and "Replacement" in page
    r = client.post("/cycles/1/reminders", data={"csrf_token": token})
    page = client.get(r.headers["location"]).text
    assert "No email was sent" in page and "Recorded only" in page
    with transaction(engine_of(app)) as session:
        assert session.exec(select(ReminderLog)).all()
    r = client.post("/cycles/1/close", data={"csrf_token": token})
    assert "The cycle is closed" in client.get(r.headers["location"]).text
    flows_started(app)
    assert triggered == [(1, True)], "closing lets the flow score and report"
    with transaction(engine_of(app)) as session:
        assert session.get(Cycle, 1).status == "closed"


def test_board_sees_latest_summary_tables_charts_and_downloads(app, client, request):
    sign_in(client, "demo-board-member")
    assert "No cycle has results yet" in client.get("/results").text
    request.getfixturevalue("scored")
    listing = client.get("/results").text
    assert "Latest summary" in listing and "Web test cycle" in listing
    page = client.get("/results/1").text
    for text in ("By service", "Good or better by service", "Timeliness", "Actions", "Download the board summary"):
        assert text in page, text
    download = client.get("/results/1/download/md")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert client.get("/results/1/download/json").json()["cycle"]["id"] == 1
    assert client.get("/results/1/download/exe").status_code == 404


def test_admin_adds_a_user_changes_a_role_and_sees_errors(app, client):
    token = sign_in(client, "demo-admin")
    r = client.post("/admin/users", data={"csrf_token": token, "username": "pat", "password": "short", "role": "board_member"})
    assert r.status_code == 400 and "at least 10 characters" in r.text and 'value="pat"' in r.text
    r = client.post("/admin/users", data={"csrf_token": token, "username": "pat", "password": "long-enough-1",
                                          "role": "board_member"})
    assert r.status_code == 303 and "pat" in client.get("/admin/users").text
    with transaction(engine_of(app)) as session:
        pat = session.exec(select(User).where(User.username == "pat")).one()
    r = client.post(f"/admin/users/{pat.id}/role", data={"csrf_token": token, "role": "service_lead"})
    assert r.status_code == 400 and "needs its service" in r.text
    form = client.get(f"/admin/users/{pat.id}/role").text
    assert 'type="radio"' in form and "Continue" in form, "a page of its own, not a drop-down that acts at once"
    r = client.post(f"/admin/users/{pat.id}/role", data={"csrf_token": token, "role": "service_lead",
                                                          "service": "health"})
    assert r.status_code == 200 and "Board member → Service lead" in r.text and "Confirm the change" in r.text
    with transaction(engine_of(app)) as session:
        assert session.get(User, pat.id).role == "board_member", "nothing changes before it is confirmed"
    r = client.post(f"/admin/users/{pat.id}/role", data={"csrf_token": token, "role": "service_lead",
                                                          "service": "health", "confirm": "yes"})
    assert r.status_code == 303
    with transaction(engine_of(app)) as session:
        assert session.get(User, pat.id).role == "service_lead" and session.get(User, pat.id).service == "health"


def test_admin_forms_refuse_an_auditor_code_that_is_not_one(app, client):
    token = sign_in(client, "demo-admin")

    def accounts():  # sign-in sessions may be written by any request; the accounts must not be
        return {t: rows for t, rows in whole_dump(engine_of(app)).items() if t in ("user", "auditor", "apitoken")}

    before = accounts()
    r = client.post("/admin/users", data={"csrf_token": token, "username": "sam", "password": "long-enough-1",
                                          "role": "auditor", "auditor": "../../x"})
    assert r.status_code == 400 and "&#39;../../x&#39; is not an auditor code" in r.text and 'href="#auditor"' in r.text
    assert "capital letters and digits" in r.text
    with transaction(engine_of(app)) as session:
        board = session.exec(select(User).where(User.username == "demo-board-member")).one()
    r = client.post(f"/admin/users/{board.id}/role", data={"csrf_token": token, "role": "auditor", "auditor": "aud-x"})
    assert r.status_code == 400 and "write it as &#39;AUD-X&#39;" in r.text
    assert accounts() == before and len(before["user"]) > 1
