"""Plan documents in the web app: the section text beside its criteria, evidence kept with a grade, flags
confirmed and dismissed (never a grade), 404 for anyone not assigned, every view in the trail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import select

from audit.documents.rules import load_rules
from audit.documents.storage import import_documents
from audit.store.db import transaction
from audit.store.models import (
    GradeEvidence,
    LocalArea,
    Plan,
    PlanDocument,
    PrecheckFlag,
    SampledPlan,
    TrailEntry,
)
from audit.synthetic.plan_documents import write_plan
from audit.synthetic.plan_text import labelled_plans
from tests.web.conftest import assignments_of, auditor_users, csrf_of, engine_of, sign_in
from tests.web.crawl_stores import crawl_lifecycle  # noqa: F401  (fixture)
from tests.web.test_web_auditor import full_form

RULES = Path(__file__).resolve().parents[2] / "rubrics" / "precheck"


def _import_for(app, tmp_path, assignment) -> int:
    """A labelled synthetic document for the assignment's plan, with a vague provision line in section F."""
    with transaction(engine_of(app)) as session:
        plan = session.get(Plan, session.get(SampledPlan, assignment.sampled_plan_id).plan_id)
        labelled = labelled_plans(40, 1, styles=("section-colon",))[0]
        labelled.ref = plan.plan_ref
        labelled.sections["F"].append("Access to speech and language therapy.")
        labelled.sections["C"] = ["N/A"]
        area = session.get(LocalArea, plan.area_id)
        import_documents(session, area, [write_plan(labelled, tmp_path)], load_rules(RULES))
        return session.exec(select(PlanDocument.id).where(PlanDocument.plan_id == plan.id)).one()


@pytest.fixture
def with_document(app, tmp_path):
    user = auditor_users(app)[0]
    assignment = assignments_of(app, user)[0]
    return user, assignment, _import_for(app, tmp_path, assignment)


def test_the_scorecard_shows_each_section_s_text_beside_its_criteria_and_keeps_evidence(app, client, with_document):
    user, assignment, document_id = with_document
    token = sign_in(client, user.username)
    page = client.get(f"/my-audits/{assignment.id}").text
    letter = assignment.sections[0]
    assert f'id="text-{letter}"' in page and "Section " + letter + " of the plan" in page
    assert 'name="evidence-' in page
    data = full_form(app, assignment, token, action="draft")
    cid = next(k[len("grade-"):] for k in data if k.startswith("grade-"))
    data[f"evidence-{cid}"] = "  The passage   I relied on. "
    assert client.post(f"/my-audits/{assignment.id}", data=data).status_code == 303
    with transaction(engine_of(app)) as session:
        kept = session.exec(select(GradeEvidence).where(GradeEvidence.assignment_id == assignment.id)).one()
        assert (kept.criterion_id, kept.passage) == (cid, "The passage I relied on.")
        views = session.exec(select(TrailEntry).where(TrailEntry.table_name == "documentview")).all()
        assert any(v.after["viewer"] == user.username and v.after["document_id"] == document_id for v in views)
        assert not any("relied on" in str(e.after) for e in session.exec(
            select(TrailEntry).where(TrailEntry.table_name == "gradeevidence")).all())
    assert "The passage I relied on." in client.get(f"/my-audits/{assignment.id}").text


def test_an_auditor_confirms_one_flag_and_dismisses_another_only_with_a_reason(app, client, with_document):
    user, assignment, document_id = with_document
    sign_in(client, user.username)
    page = client.get(f"/documents/{document_id}?back=/my-audits/{assignment.id}").text
    token = re.search(r'/flags/\d+" novalidate[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page).group(1)  # the flag form's own token
    assert token == csrf_of(page)
    ids = [int(x) for x in re.findall(r'action="/documents/\d+/flags/(\d+)"', page)]
    assert len(ids) >= 2 and "Access to speech and language therapy." in page
    back = f"/my-audits/{assignment.id}"
    answer = client.post(f"/documents/{document_id}/flags/{ids[0]}",
                         data={"csrf_token": token, "decision": "confirmed", "reason": "", "back": back})
    assert answer.status_code == 303 and answer.headers["location"].startswith(back)
    refused = client.post(f"/documents/{document_id}/flags/{ids[1]}",
                          data={"csrf_token": token, "decision": "dismissed", "reason": " ", "back": back})
    assert refused.status_code == 400 and "There is a problem" in refused.text and "Say why" in refused.text
    client.post(f"/documents/{document_id}/flags/{ids[1]}",
                data={"csrf_token": token, "decision": "dismissed", "reason": "Quantified in the annex", "back": back})
    with transaction(engine_of(app)) as session:
        flags = {f.id: f for f in session.exec(select(PrecheckFlag)).all()}
        assert flags[ids[0]].status == "confirmed" and flags[ids[1]].reason == "Quantified in the annex"
        assert flags[ids[0]].cycle_id == assignment.cycle_id
    sign_in(client, "demo-qa-lead")
    summary = client.get("/documents").text
    assert "Rule precision" in summary and re.search(r"\d+%", summary) and "Flags per section" in summary


def test_an_auditor_not_assigned_the_plan_and_a_board_member_get_404(app, client, tmp_path):
    """A document of a plan outside every auditor's assignments: only QA leads may read it."""
    with transaction(engine_of(app)) as session:
        sampled = select(SampledPlan.plan_id)
        plan = session.exec(select(Plan).where(Plan.id.not_in(sampled)).order_by(Plan.id)).first()
        labelled = labelled_plans(41, 1, styles=("letter-bold",))[0]
        labelled.ref = plan.plan_ref
        import_documents(session, session.get(LocalArea, plan.area_id), [write_plan(labelled, tmp_path)],
                         load_rules(RULES))
        document_id = session.exec(select(PlanDocument.id).where(PlanDocument.plan_id == plan.id)).one()
    sign_in(client, auditor_users(app)[0].username)
    assert client.get(f"/documents/{document_id}").status_code == 404
    sign_in(client, "demo-board-member")
    assert client.get(f"/documents/{document_id}").status_code == 404
    assert client.get("/documents").status_code == 403
    sign_in(client, "demo-qa-lead")
    assert labelled.sections["B"][0][:40] in client.get(f"/documents/{document_id}?back=/documents").text
    assert client.get(f"/documents/{document_id}?back=javascript:alert(1)").text.count("javascript:") == 0


@pytest.mark.browser
def test_an_auditor_s_journey_with_the_plan_document_in_chromium(app, browser, with_document):
    """Section text beside the criteria, a passage kept as evidence, one flag confirmed and one dismissed, another
    auditor refused (404), the view in the trail; every page checked with axe-core."""
    from tests.web.browser import Pages, click_and_wait, served
    from tests.web.browser import sign_in as browser_sign_in
    from tests.web.conftest import DEMO_PASSWORD

    user, assignment, document_id = with_document
    pages = Pages("plan-document")
    with served(app) as base:
        page = browser.new_page()
        browser_sign_in(page, base, pages, user.username, DEMO_PASSWORD, "auditor")
        page.goto(f"{base}/my-audits/{assignment.id}")
        pages.check(page, "scorecard-with-document")
        letter = assignment.sections[0]
        assert page.locator(f"#text-{letter}").is_visible()
        box = page.locator("textarea[name^='evidence-']").first
        box.fill("The passage I relied on for this grade.")
        click_and_wait(page, "button:has-text('Save as draft')")
        assert page.locator("textarea[name^='evidence-']").first.input_value() == "The passage I relied on for this grade."
        page.goto(f"{base}/documents/{document_id}?back=/my-audits/{assignment.id}")
        pages.check(page, "document")
        click_and_wait(page, "form[action*='/flags/'] >> nth=0 >> button")
        assert f"/my-audits/{assignment.id}" in page.url, page.locator("main").inner_text()[:800]  # back to the scorecard
        page.goto(f"{base}/documents/{document_id}?back=/documents")
        form = page.locator("form[action*='/flags/']").first
        form.locator("input[value='dismissed']").check()
        with page.expect_navigation():
            form.locator("button").click()
        pages.check(page, "dismiss-without-reason")
        assert "Say why" in page.locator(".govuk-error-summary").inner_text()
        form = page.locator("form[action*='/flags/']").first
        form.locator("input[value='dismissed']").check()
        form.locator("input[name='reason']").fill("Quantified in the annex")
        with page.expect_navigation():
            form.locator("button").click()
        page.close()
        other = browser.new_page()
        browser_sign_in(other, base, pages, "demo-board-member", DEMO_PASSWORD, "board")
        assert other.goto(f"{base}/documents/{document_id}").status == 404
        pages.check(other, "document-not-found")
        other.close()
    with transaction(engine_of(app)) as session:
        decided = [f.status for f in session.exec(select(PrecheckFlag).where(PrecheckFlag.document_id == document_id))]
        assert decided.count("confirmed") == 1 and decided.count("dismissed") == 1
        assert session.exec(select(TrailEntry).where(TrailEntry.table_name == "documentview")).first() is not None


def test_the_api_reads_a_document_and_decides_a_flag_for_the_assigned_auditor_only(app, client, with_document):
    from audit.protection.users import create_api_token

    user, _, document_id = with_document
    with transaction(engine_of(app)) as session:
        mine = {"Authorization": f"Bearer {create_api_token(session, session.get(type(user), user.id))}"}
        board = {"Authorization": "Bearer " + create_api_token(session, session.exec(
            select(type(user)).where(type(user).username == "demo-board-member")).one())}
    body = client.get(f"/api/v1/documents/{document_id}", headers=mine).json()
    assert {s["letter"] for s in body["sections"]} >= {"A", "B", "E", "F"} and body["flags"]
    flag = body["flags"][0]["id"]
    refused = client.post(f"/api/v1/documents/{document_id}/flags/{flag}", headers=mine,
                          json={"decision": "dismissed", "reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.json()["problems"][0]
    done = client.post(f"/api/v1/documents/{document_id}/flags/{flag}", headers=mine,
                       json={"decision": "dismissed", "reason": "Quantified in the annex"})
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert client.get(f"/api/v1/documents/{document_id}", headers=board).status_code == 404


@pytest.mark.prefect
def test_a_large_document_upload_is_imported_by_a_flow_run_while_its_page_refreshes(prefect_harness, client, app,
                                                                                    tmp_path):
    """Past the size the request imports itself, the `import-plan-documents` flow runs in a thread and the
    result page refreshes until it has finished; the held documents are gone once it has."""
    import contextvars
    import threading

    from audit.synthetic.plan_documents import docx_bytes
    from tests.documents_data import zip_of
    from web.document_uploads import run_document_import

    harness, gate = contextvars.copy_context(), threading.Event()

    def held_then_run(*args):  # waits until the test has seen the page while the import runs
        gate.wait(60)
        harness.copy().run(run_document_import, *args)

    app.state.run_document_import, app.state.big_document_bytes = held_then_run, 1
    with transaction(engine_of(app)) as session:
        refs = session.exec(select(Plan.plan_ref).order_by(Plan.plan_ref)).all()[:2]
    plans = labelled_plans(41, 2)
    for plan, ref in zip(plans, refs, strict=True):
        plan.ref = ref
    body = zip_of({f"{p.ref}.docx": docx_bytes(p) for p in plans})
    token = sign_in(client, "demo-qa-lead")
    r = client.post("/documents/import", data={"csrf_token": token}, files={"files": ("plans.zip", body, "application/zip")})
    result_url = r.headers["location"]
    running = client.get(result_url).text
    assert '<meta http-equiv="refresh" content="3">' in running and "Importing 1 file(s)" in running
    with transaction(engine_of(app)) as session:
        assert session.exec(select(PlanDocument)).all() == []
    gate.set()
    for thread in app.state.flow_threads:
        thread.join(120)
        assert not thread.is_alive(), "the import flow should finish"
    done = client.get(result_url).text
    assert "Imported 2 plan document(s) for 2 plan(s)" in done and "refresh" not in done
    assert all(f"plans.zip: {ref}.docx" in done for ref in refs)
    with transaction(engine_of(app)) as session:
        assert len(session.exec(select(PlanDocument)).all()) == 2
        assert session.exec(select(TrailEntry).where(TrailEntry.actor == "web:demo-qa-lead",
                                                     TrailEntry.table_name == "plandocument")).first() is not None
    upload_id = result_url.rsplit("/", 1)[-1]
    held = Path(app.state.settings.data_dir) / "uploads" / upload_id
    assert not (held / "files").exists(), "the documents are let go once imported"
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False) as stranger:  # another session never sees this upload
        sign_in(stranger, "demo-qa-lead")
        assert stranger.get(result_url).status_code == 404


def test_the_results_page_shows_the_precheck_flags_beside_the_grades(crawl_lifecycle):
    """The lifecycle store's scored cycle has plan documents: the board member's results page and a service
    lead's show flags per service and section (the service lead their own service only)."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    settings, accounts = crawl_lifecycle
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, accounts["board_member"])
        page = client.get("/results/1").text
        assert "The pre-check beside the grades" in page and 'id="precheck-by-section"' in page
        assert re.search(r'id="precheck-by-service".*?<th scope="row" class="govuk-table__header">Health', page, re.S)
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, accounts["service_lead-health"])
        page = client.get("/results/1").text
        rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)', page.split('id="precheck-by-service"')[1]
                          .split("</table>")[0])
        assert [r.strip() for r in rows] == ["Health"]
    app.state.engine.dispose()


@pytest.mark.browser
def test_the_qa_lead_uploads_plan_documents_and_switches_a_rule_off_in_chromium(app, browser, tmp_path):
    """From the documents page: an upload refused (the error summary names the file, the table says which files
    matched), then the same files without the bad one imported, the result page, and a rule switched off; every
    page checked with axe-core."""
    from audit.synthetic.plan_documents import docx_bytes
    from tests.web.browser import Pages, click_and_wait, served
    from tests.web.browser import sign_in as browser_sign_in
    from tests.web.conftest import DEMO_PASSWORD

    with transaction(engine_of(app)) as session:
        refs = session.exec(select(Plan.plan_ref).order_by(Plan.plan_ref)).all()[:2]
    good = []
    for i, (plan, ref) in enumerate(zip(labelled_plans(44, 2), refs, strict=True)):
        plan.ref = ref
        good.append(tmp_path / f"{ref}.docx")
        good[i].write_bytes(docx_bytes(plan))
    stray = labelled_plans(45, 1)[0]
    stray.ref = "NOPLAN-7"
    (tmp_path / "NOPLAN-7.docx").write_bytes(docx_bytes(stray))
    pages = Pages("plan-document-upload")
    with served(app) as base:
        page = browser.new_page()
        browser_sign_in(page, base, pages, "demo-qa-lead", DEMO_PASSWORD, "qa-lead")
        page.goto(f"{base}/documents")
        click_and_wait(page, "a:has-text('Upload plan documents')")
        pages.check(page, "upload-form")
        page.set_input_files("#files", [str(p) for p in good] + [str(tmp_path / "NOPLAN-7.docx")])
        click_and_wait(page, "button:has-text('Upload and import')")
        pages.check(page, "upload-refused")
        summary = page.locator(".govuk-error-summary").inner_text()
        assert "NOPLAN-7.docx" in summary and "no plan in the WEBTEST register matches it" in summary
        assert refs[0] in page.locator("table").inner_text()
        page.set_input_files("#files", [str(p) for p in good])
        click_and_wait(page, "button:has-text('Upload and import')")
        pages.check(page, "upload-result")
        assert "Imported 2 plan document(s) for 2 plan(s)" in page.locator("main").inner_text()
        page.goto(f"{base}/documents")
        click_and_wait(page, "a:has-text('Switch rules on or off')")
        pages.check(page, "rules")
        click_and_wait(page, "#rule-f-unquantified button")
        pages.check(page, "rule-switched-off")
        assert "Switched off" in page.locator("#rule-f-unquantified").inner_text()
        page.close()
    with transaction(engine_of(app)) as session:
        assert len(session.exec(select(PlanDocument)).all()) == 2
