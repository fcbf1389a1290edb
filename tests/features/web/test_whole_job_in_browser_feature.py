"""Steps for whole_job_in_browser.feature: issue 17's journey in Debian's chromium, from an empty store.

The app runs under uvicorn on loopback with its real flows: the cycle flow continues (second marking, scoring)
when the last scorecard is in, and the board-pack flow produces and emails the pack, both against the test
session's Prefect harness. Email goes to an aiosmtpd server on loopback. Every page visited is screenshotted
(test-artifacts/screenshots/whole-job-NN-*.png) and checked with axe-core (Pages.check).

Only the first two accounts (an admin and the QA lead, as `ehcp-audit user add` makes them at install) are made
outside the browser; everyone else is invited by the admin through the browser and sets a password from the email.
"""

from __future__ import annotations

import contextvars
import json
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import func, select

import audit.clock
from audit.protection.users import create_user
from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Assignment, Plan
from audit.synthetic.area import write_synthetic_area
from tests.databases import drop_store, new_store_url
from tests.smtp_server import free_port, smtp  # noqa: F401  (fixture)
from tests.web.browser import Pages, button, click_and_wait, follow_until, link, press, reach, served, sign_in, type_into
from tests.web.conftest import web_settings
from tests.web.test_web_qa_journey import choose_file_by_keyboard
from web.app import create_app
from web.board_pack import produce
from web.trigger import continue_cycle_flow

pytestmark = [pytest.mark.browser, pytest.mark.prefect, pytest.mark.xdist_group("prefect")]
scenarios("web/whole_job_in_browser.feature")

PASSWORD = "whole-job-password-1"
AUDITORS = ("AUD-SEN-01", "AUD-SEN-02", "AUD-ED-01", "AUD-PCF-01")  # two SEN team auditors, so one can second-mark
# the other; the parent carer forum grades its own part of sections A and E (whole-plan rubric 2026.2)
BOARD_MAILBOX = "board.papers@example.org"
CYCLE = "Whole job audit"
FLOW_SECONDS = 240


# --- how a keyboard user moves, and what they must see ----------------------------------------------------------

def upload(ctx, field: str, path, check_button: str, name: str) -> str:
    """Choose the file by keyboard, press the check button, and follow any progress page to the answer."""
    qa = ctx["qa"]
    reach(qa, f"el.id === {field!r}")
    choose_file_by_keyboard(qa, str(path))
    press(qa, button(check_button))
    return follow_until(qa, ctx["pages"], name, lambda html: "not yet stored" in html or "There is a problem" in html)


def wait_for_flows(app) -> None:
    for thread in list(app.state.flow_threads):
        thread.join(FLOW_SECONDS)
        assert not thread.is_alive(), "a flow did not finish in time"


# --- the service ---------------------------------------------------------------------------------------------------

@pytest.fixture
def ctx(tmp_path, smtp, prefect_harness, browser, monkeypatch):
    controller, inbox = smtp
    url = new_store_url(tmp_path)
    # The flows read the service's settings from the environment, as in production: email goes to the local server.
    for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", str(controller.port)),
                        ("BOARD_RECIPIENTS", json.dumps([BOARD_MAILBOX]))):
        monkeypatch.setenv(f"EHCP_AUDIT_{name}", value)
    get_settings.cache_clear()
    settings = web_settings(tmp_path, url).model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": controller.port, "board_recipients": [BOARD_MAILBOX]})
    context = {"settings": settings, "inbox": inbox, "pages": Pages("whole-job"), "browser": browser, "people": {},
               "folder": tmp_path}
    yield context
    for page in context["people"].values():
        page.context.close()
    if "serving" in context:
        context["serving"].__exit__(None, None, None)
    if "app" in context:
        context["app"].state.engine.dispose()
    drop_store(url)
    get_settings.cache_clear()


@given("a new service with only an admin's and a QA lead's account, sending email to a local mail server")
def new_service(ctx):
    settings = ctx["settings"]
    with transaction(engine_from_settings(settings)) as session:  # as `ehcp-audit user add` does at install
        create_user(session, "admin", PASSWORD, "admin")
        create_user(session, "qa-lead", PASSWORD, "qa_lead")
    app = create_app(settings)
    harness = contextvars.copy_context()  # flow threads run against the test session's Prefect harness
    app.state.continue_cycle = lambda *args: harness.copy().run(continue_cycle_flow, *args)
    app.state.produce_board_pack = lambda *args: harness.copy().run(produce, *args)
    ctx["app"] = app
    ctx["serving"] = served(app)
    ctx["base"] = ctx["serving"].__enter__()


@given("the QA lead has a plan register of 40 plans and an auditor list of 4 auditors")
def files(ctx):
    folder = ctx["folder"] / "files"
    made = write_synthetic_area(folder, seed=17, n_plans=40, as_of=audit.clock.today())
    lines = made["register"].read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    # Health and social care advice left out, so every plan is graded by the SEN team and education only.
    blank = [i for i, h in enumerate(header) if h.startswith(("health_advice", "social_care_advice"))
             and not h.endswith("_exception")]
    rows = []
    for line in lines[1:]:
        cells = line.split(",")
        rows.append(",".join("" if i in blank else c for i, c in enumerate(cells)))
    register = folder / "plan-register.csv"
    register.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    broken_row = rows[1].split(",")
    broken_row[header.index("request_date")] = "31/02/2025"  # a day that does not exist, on spreadsheet row 3
    broken = folder / "plan-register-draft.csv"
    broken.write_text("\n".join([lines[0], rows[0], ",".join(broken_row), *rows[2:]]) + "\n", encoding="utf-8")
    auditors = folder / "auditor-list.csv"
    auditors.write_text("code,agency,team,email,active\n"
                        "AUD-SEN-01,sen_team,North,aud-sen-01@example.org,yes\n"
                        "AUD-SEN-02,sen_team,South,aud-sen-02@example.org,yes\n"
                        "AUD-ED-01,education,Education,aud-ed-01@example.org,yes\n"
                        "AUD-PCF-01,parent_carer_forum,Forum,aud-pcf-01@example.org,yes\n", encoding="utf-8")
    ctx["files"] = {"register": register, "broken": broken, "auditors": auditors}


def plans_stored(ctx) -> int:
    with transaction(engine_from_settings(ctx["settings"])) as session:
        return session.exec(select(func.count(Plan.id))).one()


# --- the QA lead, keyboard alone -----------------------------------------------------------------------------------

@when("the QA lead signs in with the keyboard alone")
def qa_signs_in(ctx):
    qa = ctx["browser"].new_context().new_page()
    ctx["people"]["qa"] = ctx["qa"] = qa
    sign_in(qa, ctx["base"], ctx["pages"], "qa-lead", PASSWORD, "qa", keyboard=True)


@then("their home page says nothing has been imported yet")
def empty_home(ctx):
    assert "Nothing has been imported yet" in ctx["qa"].inner_text("main")
    ctx["pages"].check(ctx["qa"], "qa-home-empty")
    press(ctx["qa"], link("/imports"))
    ctx["pages"].check(ctx["qa"], "imports")


@when("they upload the register with a date that does not exist on row 3")
def upload_broken(ctx):
    ctx["html"] = upload(ctx, "file", ctx["files"]["broken"], "Check the register", "register-refused")


@then("they see the error summary naming the file, row 3, the column and the fix")
def refused(ctx):
    summary = ctx["qa"].inner_text(".govuk-error-summary")
    assert "There is a problem" in summary
    assert "plan-register-draft.csv, row 3, column 'request_date': '31/02/2025' is not a date" in summary, summary
    assert "Fix: use YYYY-MM-DD or DD/MM/YYYY" in summary, summary


@then("no plan is stored")
def nothing_stored(ctx):
    assert plans_stored(ctx) == 0


@when("they upload the corrected register")
def upload_fixed(ctx):
    ctx["html"] = upload(ctx, "file", ctx["files"]["register"], "Check the register", "register-confirm")


@then(parsers.parse("they are asked to confirm {n:d} plans not yet stored"))
def confirm_counts(ctx, n):
    assert f"{n} plans not yet stored" in ctx["html"]


@when("they confirm the import")
def confirm_import(ctx):
    press(ctx["qa"], button("Import 40 plans"))
    ctx["html"] = follow_until(ctx["qa"], ctx["pages"], "register-imported", lambda html: "Imported" in html)


@then(parsers.parse("they are told {n:d} plans were imported"))
def plans_imported(ctx, n):
    assert f"Imported {n} plans from plan-register.csv: {n} new" in ctx["html"]
    assert plans_stored(ctx) == n


@when("they upload the auditor list and confirm it")
def upload_auditors(ctx):
    html = upload(ctx, "auditors-file", ctx["files"]["auditors"], "Check the auditor list", "auditors-confirm")
    assert "4 auditors not yet stored" in html
    press(ctx["qa"], button("Import 4 auditors"))
    ctx["html"] = follow_until(ctx["qa"], ctx["pages"], "auditors-imported", lambda html: "Imported" in html)


@then(parsers.parse("they are told {n:d} auditors were imported"))
def auditors_imported(ctx, n):
    assert f"Imported {n} auditors from auditor-list.csv" in ctx["html"]


# --- the admin invites everyone else; each sets a password from the email ---------------------------------------

PEOPLE = [("sen-one", "auditor", "AUD-SEN-01"), ("sen-two", "auditor", "AUD-SEN-02"), ("edu-one", "auditor", "AUD-ED-01"),
          ("forum-one", "parent_carer_auditor", "AUD-PCF-01"), ("moderator", "moderator", ""), ("board", "board_member", "")]


@when("the admin invites the 4 auditors, a moderator and a board member by email")
def invite_everyone(ctx):
    admin, pages = ctx["browser"].new_context().new_page(), ctx["pages"]
    ctx["people"]["admin"] = admin
    sign_in(admin, ctx["base"], pages, "admin", PASSWORD, "admin")
    for username, role, code in PEOPLE:
        admin.goto(f"{ctx['base']}/admin/users")
        click_and_wait(admin, "a[href='/admin/users/invite']")
        if username == PEOPLE[0][0]:
            pages.check(admin, "invite")
        admin.fill("#username", username)
        admin.fill("#email", f"{username}@example.org")
        admin.select_option("#role", role)
        if code:
            admin.select_option("#auditor", code)
        click_and_wait(admin, "button:has-text('Send invitation')")
        assert "The invitation was emailed" in admin.content(), admin.inner_text("main")[:1000]
    pages.check(admin, "invited")


@when("each of them sets a password with the link in their email")
def set_passwords(ctx):
    for username, _, _ in PEOPLE:
        message = next(m for to, m in ctx["inbox"].messages if to == [f"{username}@example.org"])
        url = re.search(r"https?://\S+/account/set-password\?token=\S+", message.get_body(("plain",)).get_content())
        assert url, "the invitation carries a link"
        page = ctx["browser"].new_context().new_page()
        ctx["people"][username] = page
        page.goto(url.group(0))
        if username == PEOPLE[0][0]:
            ctx["pages"].check(page, "set-password")
        page.fill("#password", PASSWORD)
        page.fill("#confirm", PASSWORD)
        click_and_wait(page, "button:has-text('Set password')")
        sign_in(page, ctx["base"], ctx["pages"], username, PASSWORD, username)
        assert "Sign out" in page.content()


# --- the cycle -----------------------------------------------------------------------------------------------------

@when("the QA lead creates a cycle of 2 plans")
def create(ctx):
    qa = ctx["qa"]
    press(qa, link("/cycles"))
    ctx["pages"].check(qa, "cycles")
    press(qa, link("/cycles/new"))
    ctx["pages"].check(qa, "create-cycle")
    due = audit.clock.today() + timedelta(days=30)
    type_into(qa, "name", CYCLE)
    type_into(qa, "sample_size", "2")
    for field, value in (("due-day", due.day), ("due-month", due.month), ("due-year", due.year)):
        type_into(qa, field, str(value))
    press(qa, button("Create cycle"))
    ctx["cycle_url"] = qa.url.split("?")[0]
    ctx["cycle_id"] = int(ctx["cycle_url"].rstrip("/").split("/")[-1])


def sample_refs(page) -> str:
    return page.text_content(".govuk-details__text")


@then("they see the sample preview: 2 plans counted per group, and nobody assigned yet")
def preview(ctx):
    qa = ctx["qa"]
    content = qa.content()
    assert "Starting the cycle now would sample <strong>2</strong>" in content, qa.inner_text("main")[:1500]
    assert "Plans sampled from each group" in content
    with transaction(engine_from_settings(ctx["settings"])) as session:
        assert session.exec(select(func.count(Assignment.id))).one() == 0, "nobody is assigned before the start"
    assert "random seed" not in content.lower()
    ctx["pages"].check(qa, "sample-preview")
    ctx["first_sample"] = sample_refs(qa)


@when("they draw the sample again")
def draw_again(ctx):
    press(ctx["qa"], button("Draw again"))


@then("the preview shows a different set of 2 plans")
def drawn_again(ctx):
    qa = ctx["qa"]
    assert "A new sample was drawn" in qa.content()
    assert "Starting the cycle now would sample <strong>2</strong>" in qa.content()
    assert sample_refs(qa) != ctx["first_sample"]
    ctx["pages"].check(qa, "sample-drawn-again")


@when("they start the cycle")
def start(ctx):
    press(ctx["qa"], button("Start cycle"))


@then("the cycle page shows a progress bar and 2 plans not started")
def started(ctx):
    content = ctx["qa"].content()
    assert "The cycle has started" in content and 'class="app-progress"' in content and "Not started (2)" in content
    ctx["pages"].check(ctx["qa"], "cycle-started")


# --- auditors, from their home page ---------------------------------------------------------------------------------

def grade_all(page, grade: str) -> None:
    for radio in page.eval_on_selector_all(f"input[type=radio][value='{grade}']", "els => els.map(e => e.id)"):
        page.check(f"#{radio}")


def submit_scorecard(ctx, page, who: str, grade: str) -> None:
    ctx["pages"].check(page, f"{who}-scorecard")
    grade_all(page, grade)
    click_and_wait(page, "button[value=submit]")
    assert "Scorecard submitted" in page.content(), page.inner_text("main")[:1500]
    ctx["pages"].check(page, f"{who}-submitted")


def grade_from_home(ctx, who: str, grade: str) -> int:
    """From the home page, grade the first plan waiting, then each next plan from the 'submitted' page."""
    page = ctx["people"][who]
    page.goto(ctx["base"] + "/")
    ctx["pages"].check(page, f"{who}-home")
    click_and_wait(page, "main a[href^='/my-audits/']")
    done = 0
    while True:
        submit_scorecard(ctx, page, who, grade)
        done += 1
        if page.locator("a:has-text('Grade the next plan')").count() == 0:
            assert "You have no scorecards left to submit" in page.content()
            return done
        click_and_wait(page, "a:has-text('Grade the next plan')")


@when("every auditor grades their plans Good from their home page, going on to the next plan each time")
def auditors_grade(ctx):
    counts = {who: grade_from_home(ctx, who, "3") for who in ("edu-one", "forum-one", "sen-one", "sen-two")}
    assert counts == {"edu-one": 2, "forum-one": 2, "sen-one": 1, "sen-two": 1}, counts  # the least loaded auditor of the agency
    wait_for_flows(ctx["app"])  # the last scorecard continued the cycle flow: it chose plans for second marking


@when(parsers.parse('the second markers grade the plans chosen for second marking: "{one}" Good, "{two}" Outstanding'))
def second_markers(ctx, one, two):
    users = {"AUD-SEN-01": "sen-one", "AUD-SEN-02": "sen-two"}
    assert grade_from_home(ctx, users[one], "3") == 1  # agrees with the first marker
    assert grade_from_home(ctx, users[two], "4") == 1  # one grade higher everywhere: the overall grade differs
    wait_for_flows(ctx["app"])  # the flow compares the two markings and scores the cycle


# --- the moderator ------------------------------------------------------------------------------------------------

@then(parsers.parse("the moderator's home page shows {n:d} plan awaiting moderation"))
def waiting(ctx, n):
    page = ctx["people"]["moderator"]
    page.goto(ctx["base"] + "/")
    assert f"{n} plan is awaiting moderation" in page.content(), page.inner_text("main")[:1500]
    ctx["pages"].check(page, "moderator-home")


@when("the moderator settles the disagreement from their home page")
def settle(ctx):
    page = ctx["people"]["moderator"]
    click_and_wait(page, "main a:has-text('Moderate ')")
    assert "Sent to moderation" in page.content()
    ctx["pages"].check(page, "moderation-plan")
    settled = 0
    while page.locator("form[action*='/moderation/'] textarea").count():
        form = page.locator("form[action*='/moderation/']").first
        form.locator("input[type=radio][value='3']").check()
        form.locator("textarea").fill("Both markers' evidence read together: Good, as the first marker found.")
        with page.expect_navigation():
            form.locator("button").click()
        assert "The agreed grade was recorded" in page.content(), page.inner_text("main")[:1500]
        settled += 1
    assert settled >= 1
    ctx["pages"].check(page, "moderation-settled")


@then("the moderator's home page shows no plan awaiting moderation")
def none_waiting(ctx):
    page = ctx["people"]["moderator"]
    page.goto(ctx["base"] + "/")
    assert "No plan is awaiting moderation" in page.content()


# --- the QA lead closes the cycle and sends the board pack (keyboard alone) ---------------------------------------

@when("the QA lead closes the cycle, confirming on the confirmation page")
def close(ctx):
    qa, cid = ctx["qa"], ctx["cycle_id"]
    press(qa, link("/"))
    assert CYCLE in qa.content()
    ctx["pages"].check(qa, "qa-home")
    press(qa, link(f"/cycles/{cid}"))
    ctx["pages"].check(qa, "cycle-scored")
    press(qa, link(f"/cycles/{cid}/close"))
    assert "Close" in qa.inner_text("h1")
    ctx["pages"].check(qa, "confirm-close")
    press(qa, button("Close cycle"))
    assert "The cycle is closed" in qa.content()
    ctx["pages"].check(qa, "cycle-closed")
    wait_for_flows(ctx["app"])  # closing finalises: the flow scores what is in, with the agreed grades


@when("the QA lead produces the board pack and sends it to the board")
def send_pack(ctx):
    qa, cid = ctx["qa"], ctx["cycle_id"]
    press(qa, link(f"/cycles/{cid}/board-pack"))
    ctx["pages"].check(qa, "board-pack")
    press(qa, button("Produce and send to the board"))
    html = follow_until(qa, ctx["pages"], "board-pack-sent",
                        lambda h: "The board pack was produced" in h or "did not finish" in h, FLOW_SECONDS)
    assert "It was emailed to the board" in html, qa.inner_text("main")[:1500]


@then("the board's mailbox receives the board pack with the PDF attached")
def mailed(ctx):
    sent = [m for to, m in ctx["inbox"].messages if BOARD_MAILBOX in to]
    assert len(sent) == 1
    names = [part.get_filename() for part in sent[0].iter_attachments()]
    assert f"board-pack-cycle-{ctx['cycle_id']}.pdf" in names, names
    pdf = next(p for p in sent[0].iter_attachments() if p.get_filename().endswith(".pdf"))
    assert pdf.get_content().startswith(b"%PDF")


# --- the board member ---------------------------------------------------------------------------------------------

@when("the board member signs in and downloads the board paper from their home page")
def board_downloads(ctx):
    page = ctx["people"]["board"]
    page.goto(ctx["base"] + "/")
    assert f"Latest results: {CYCLE}" in page.content(), page.inner_text("main")[:1500]
    ctx["pages"].check(page, "board-home")
    with page.expect_download() as download:
        page.click(f"a:has-text('Download the board paper of {CYCLE} (PDF)')")
    ctx["pdf"] = ctx["folder"] / "downloaded.pdf"
    download.value.save_as(ctx["pdf"])


@then("it is a PDF whose text names the cycle and its share of plans Good or better")
def pdf_text(ctx):
    assert ctx["pdf"].read_bytes().startswith(b"%PDF")
    assert shutil.which("pdftotext"), "pdftotext is missing: `make pdf-tools` installs poppler-utils"
    text = subprocess.run(["pdftotext", "-layout", str(ctx["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert CYCLE in text and "Good or better" in text, text[:2000]
