"""The improvement pages: BRAG on a page for the board, decisions on proposals and done tasks for the QA lead."""

from __future__ import annotations

import pytest
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import get_area, get_cycle
from audit.improvement.actions import raise_actions
from audit.improvement.files import import_plan
from audit.improvement.plans import link_action
from audit.improvement.scales import load_scales
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.store.db import transaction
from audit.store.models import Action, ImprovementAction, StatusProposal
from audit.synthetic.submissions import submit_simulated
from tests.factories import ROOT, whole_plan_rubric
from tests.web.conftest import AREA, auditor_users, engine_of, sign_in


@pytest.fixture
def plan(app):
    """The APP fixture imported into the web area, action 1.1 linked to F2 with a proposal awaiting a decision,
    and the open cycle scored so weak plans have amendment tasks."""
    with transaction(engine_of(app)) as session:
        area = get_area(session, AREA)
        cycle = get_cycle(session, 1)
        submit_simulated(session, cycle, seed=2)
        score_cycle(session, cycle)
        raise_actions(session, load_cycle_results(session, cycle), app.state.settings, audit.clock.today())
        imported = import_plan(session, area, ROOT / "tests/fixtures/improvement/app-plan.csv", layout="app",
                               scale=load_scales()["app"], name="APP 2021", by="QA-LEAD")
        action = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == imported.plan.id,
                                                              ImprovementAction.reference == "1.1")).one()
        link_action(session, action, "criterion", "F2", "QA-LEAD", "provision", whole_plan_rubric())
        proposal = StatusProposal(action_id=action.id, cycle_id=cycle.id, proposed="complete",
                                  basis="Improvement held for 2 cycles: Criterion F2 80% -> 20% -> 10%")
        session.add(proposal)
        session.flush()
        tasks = session.exec(select(Action).where(Action.kind == "amendment").order_by(Action.id)).all()
        assert tasks, "the simulated grades leave at least one weak plan"
        return {"plan_id": imported.plan.id, "action_id": action.id, "proposal_id": proposal.id,
                "task_id": tasks[0].id}


def test_the_board_sees_brag_on_a_page_exceptions_and_downloads_but_no_forms(client, plan):
    sign_in(client, "demo-board-member")
    listing = client.get("/improvement").text
    assert "APP 2021" in listing and "open amendment task" in listing
    page = client.get(f"/improvement/plans/{plan['plan_id']}").text
    for text in ("BRAG on a page", "Exception report", "Actions by lead", "Actions by area of weakness",
                 'govuk-tag--yellow">Minor delay', 'govuk-tag--grey">Complete', "overdue since 31 Mar 2022",
                 "Statuses proposed from audit evidence"):
        assert text in page, text
    action = client.get(f"/improvement/actions/{plan['action_id']}").text
    assert "Improvement held for 2 cycles" in action and "Record decision" not in action
    html = client.get(f"/improvement/plans/{plan['plan_id']}/download/html")
    assert html.status_code == 200 and "BRAG on a page" in html.text and "attachment" in html.headers[
        "content-disposition"]
    csv = client.get(f"/improvement/plans/{plan['plan_id']}/download/csv").text
    assert csv.splitlines()[0] == (ROOT / "tests/fixtures/improvement/app-plan.csv").read_text().splitlines()[0]
    assert client.get(f"/improvement/plans/{plan['plan_id']}/download/xlsx").content[:2] == b"PK"
    assert client.get(f"/improvement/plans/{plan['plan_id']}/download/pdf").status_code == 404
    tasks = client.get("/improvement/tasks").text
    assert "Amendment tasks" in tasks and "Mark done" not in tasks


def test_a_qa_lead_accepts_a_proposal_only_with_a_reason(app, client, plan):
    token = sign_in(client, "demo-qa-lead")
    url = f"/improvement/proposals/{plan['proposal_id']}"
    assert "Record decision" in client.get(f"/improvement/actions/{plan['action_id']}").text
    refused = client.post(url, data={"csrf_token": token, "decision": "accept", "reason": " "})
    assert refused.status_code == 400 and "There is a problem" in refused.text
    assert "Enter the reason for your decision" in refused.text
    with transaction(engine_of(app)) as session:
        assert session.get(StatusProposal, plan["proposal_id"]).decision is None
    done = client.post(url, data={"csrf_token": token, "decision": "accept", "reason": "Two quarters agree"})
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Your decision was recorded" in page and "Accepted by demo-qa-lead" in page and "Two quarters agree" in page
    with transaction(engine_of(app)) as session:
        assert session.get(ImprovementAction, plan["action_id"]).status == "complete"
    again = client.post(url, data={"csrf_token": token, "decision": "accept", "reason": "again"})
    assert again.status_code == 400 and "already accepted" in again.text


def test_an_override_needs_a_status_and_keeps_the_proposal(app, client, plan):
    token = sign_in(client, "demo-qa-lead")
    url = f"/improvement/proposals/{plan['proposal_id']}"
    missing = client.post(url, data={"csrf_token": token, "decision": "override", "reason": "not yet"})
    assert missing.status_code == 400 and "Choose the status to set instead" in missing.text
    assert "not yet" in missing.text, "what was typed is kept"
    client.post(url, data={"csrf_token": token, "decision": "override", "status": "minor-delay",
                           "reason": "only one provider has signed"})
    with transaction(engine_of(app)) as session:
        proposal = session.get(StatusProposal, plan["proposal_id"])
        assert (proposal.proposed, proposal.decision, proposal.decided_status) == ("complete", "overridden",
                                                                                    "minor-delay")
        assert session.get(ImprovementAction, plan["action_id"]).status == "minor-delay"


def test_decisions_and_done_tasks_need_the_csrf_token_and_the_qa_lead_role(app, client, plan):
    token = sign_in(client, "demo-board-member")
    refused = client.post(f"/improvement/proposals/{plan['proposal_id']}",
                          data={"csrf_token": token, "decision": "accept", "reason": "board says so"})
    assert refused.status_code == 403 and "does not give access" in refused.text
    client.post("/sign-out", data={"csrf_token": token})
    sign_in(client, "demo-qa-lead")
    forged = client.post(f"/improvement/proposals/{plan['proposal_id']}",
                         data={"decision": "accept", "reason": "no token"})
    assert forged.status_code == 403 and "expired" in forged.text
    forged = client.post(f"/improvement/tasks/{plan['task_id']}/done", data={"note": "no token"})
    assert forged.status_code == 403
    with transaction(engine_of(app)) as session:
        assert session.get(StatusProposal, plan["proposal_id"]).decision is None
        assert session.get(Action, plan["task_id"]).status == "not_started"


def test_an_auditor_cannot_see_the_improvement_plan(app, client, plan):
    sign_in(client, auditor_users(app)[0].username)
    assert client.get("/improvement").status_code == 403
    assert client.get(f"/improvement/actions/{plan['action_id']}").status_code == 403


def test_a_qa_lead_marks_an_amendment_task_done_with_a_note(app, client, plan):
    token = sign_in(client, "demo-qa-lead")
    url = f"/improvement/tasks/{plan['task_id']}/done"
    empty = client.post(url, data={"csrf_token": token, "note": ""})
    assert empty.status_code == 400 and "Enter what was amended in the plan" in empty.text
    done = client.post(url, data={"csrf_token": token, "note": "Section F quantified with the school"})
    assert done.status_code == 303
    assert "re-audited in the next whole-plan cycle" in client.get(done.headers["location"]).text
    with transaction(engine_of(app)) as session:
        task = session.get(Action, plan["task_id"])
        assert (task.status, task.done_by) == ("done", "demo-qa-lead")
    assert client.post("/improvement/tasks/999999/done", data={"csrf_token": token, "note": "x"}).status_code == 404
    assert client.get("/improvement/plans/999999").status_code == 404


@pytest.mark.browser
def test_the_pages_pass_axe_and_an_override_is_recorded_in_chromium(app, plan, browser):
    """In Debian's chromium: each page has no serious or critical axe-core violation; an override is recorded."""
    from tests.web.browser import Pages, served, sign_in

    pages = Pages("improvement")
    with served(app) as base:
        page = browser.new_page()
        try:
            sign_in(page, base, pages, "demo-qa-lead", "demo-password-2026", "improvement")
            for name, path in (("improvement", "/improvement"), ("plan", f"/improvement/plans/{plan['plan_id']}"),
                               ("tasks", "/improvement/tasks"), ("action", f"/improvement/actions/{plan['action_id']}")):
                page.goto(base + path)
                pages.check(page, f"improvement-{name}")
            page.check("input[name=decision][value=override]")
            page.select_option("#status", "on-track")
            page.fill("#reason", "providers signed in the last week")
            with page.expect_navigation():
                page.click("button:has-text('Record decision')")
            pages.check(page, "improvement-decided")
            assert "Overridden by demo-qa-lead" in page.content()
        finally:
            page.close()


# --- importing through the web, with a confirm page (issue 25) -------------------------------------------------

def _app_file(changes: dict[tuple[int, int], str] | None = None) -> bytes:
    import csv
    import io

    with (ROOT / "tests/fixtures/improvement/app-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for (r, c), value in (changes or {}).items():
        rows[r][c] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_a_qa_lead_imports_a_plan_after_a_confirm_page_and_then_its_revision(app, client):
    token = sign_in(client, "demo-qa-lead")
    assert "Import a plan, or a new version of one" in client.get("/improvement").text
    form = client.get("/improvement/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    empty = client.post("/improvement/import", data={"csrf_token": token, "name": ""})
    assert empty.status_code == 400 and "There is a problem" in empty.text
    assert "Choose the plan&#39;s CSV or XLSX file" in empty.text and "Enter the plan&#39;s name" in empty.text
    bad = client.post("/improvement/import", data={"csrf_token": token, "layout": "app", "name": "APP web"},
                      files={"file": ("app.csv", _app_file({(2, 9): "Nearly there"}), "text/csv")})
    assert bad.status_code == 400 and "app.csv, row 3, column &#39;Status&#39;: &#39;Nearly there&#39;" in bad.text
    checked = client.post("/improvement/import", data={"csrf_token": token, "layout": "app", "name": "APP web",
                                                       "version": "1.0"},
                          files={"file": ("app.csv", _app_file(), "text/csv")})
    assert checked.status_code == 200, checked.text
    assert "Check the plan before it is stored" in checked.text and "have no due date" in checked.text
    assert "2.2 (row 6): action milestone &#39;See above&#39; (no date)" in checked.text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(ImprovementAction)).all() == [], "nothing is stored before the confirmation"
    stored = client.post("/improvement/import/confirm", data={"csrf_token": token})
    assert stored.status_code == 303 and stored.headers["location"].endswith("?done=imported")
    plan_page = client.get(stored.headers["location"]).text
    assert "The plan was stored." in plan_page and "Version 1.0" in plan_page
    again = client.post("/improvement/import/confirm", data={"csrf_token": token})
    assert again.status_code == 400 and "There is no upload to store" in again.text
    revision = client.post("/improvement/import", data={"csrf_token": token, "layout": "app", "name": "APP web",
                                                        "revision": "yes", "version": "2.0",
                                                        "version_date": "2022-01-15", "owner": "HoS-SEND"},
                           files={"file": ("app-v2.csv", _app_file({(2, 6): "Mar 2022"}), "text/csv")})
    assert "Check the changes to APP web" in revision.text and "Re-dated: 1.1:" in revision.text
    assert client.post("/improvement/import/confirm", data={"csrf_token": token}).status_code == 303
    with transaction(engine_of(app)) as session:
        action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.1")).one()
        assert action.action_milestone == "Mar 2022"
    assert "version 2.0 of 15 January 2022, owner HoS-SEND" in client.get("/improvement").text
    versions = client.get(stored.headers["location"]).text
    assert "Version control" in versions and "1 re-dated" in versions and "First import" in versions


def test_the_board_cannot_import(client):
    token = sign_in(client, "demo-board-member")
    assert "Import a plan" not in client.get("/improvement").text
    assert client.get("/improvement/import").status_code == 403
    assert client.post("/improvement/import/confirm", data={"csrf_token": token}).status_code == 403


@pytest.mark.browser
def test_the_import_and_confirm_pages_pass_axe_in_chromium(app, browser, tmp_path):
    """The import form, its error summary and the confirm page have no serious or critical axe-core violation."""
    from tests.web.browser import Pages, served, sign_in

    plan_file = tmp_path / "app-2021.csv"
    plan_file.write_bytes(_app_file())
    pages = Pages("improvement-import")
    with served(app) as base:
        page = browser.new_page()
        try:
            sign_in(page, base, pages, "demo-qa-lead", "demo-password-2026", "improvement-import")
            page.goto(base + "/improvement/import")
            pages.check(page, "form")
            with page.expect_navigation():
                page.click("button:has-text('Check the file')")
            pages.check(page, "form-errors")
            assert "There is a problem" in page.content()
            page.set_input_files("#file", str(plan_file))
            page.check("input[name=layout][value=app]")
            page.fill("#name", "APP 2021")
            with page.expect_navigation():
                page.click("button:has-text('Check the file')")
            pages.check(page, "confirm")
            assert "have no due date" in page.content()
            with page.expect_navigation():
                page.click("button:has-text('Store the plan')")
            pages.check(page, "stored")
            assert "The plan was stored." in page.content()
        finally:
            page.close()
