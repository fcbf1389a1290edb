"""The whole journey in Debian's chromium: QA lead -> two auditors (one by keyboard, one error first) -> board.

Keyboard-only journeys for the QA lead and the board member are in test_web_keyboard.py.

Every page is screenshotted to test-artifacts/screenshots/ and checked with axe-core: no serious or
critical violations. The last submission lets the real cycle flow continue in Prefect (test harness).
"""

from __future__ import annotations

import contextvars
import time
from datetime import timedelta

import pytest

import audit.clock
from audit.cycle.lifecycle import get_area
from audit.protection.users import create_user
from audit.store.db import engine_from_settings, transaction
from tests.factories import make_auditor, make_plan
from tests.web.browser import Pages, click_and_wait, enter_and_wait, served, tab_to
from tests.web.browser import sign_in as browser_sign_in
from tests.web.conftest import web_settings
from web.app import create_app
from web.trigger import continue_cycle_flow

pytestmark = [pytest.mark.browser, pytest.mark.prefect, pytest.mark.xdist_group("prefect")]
PASSWORD = "journey-password-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory, prefect_harness):
    """The app under uvicorn on loopback, on a small area whose plans need SEN team, education and parent carer forum
    auditors only (the forum grades its own part of A and E)."""
    folder = tmp_path_factory.mktemp("journey")
    settings = web_settings(folder)
    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, settings.area_code, create=True, name="Journey area")
        for _ in range(6):
            make_plan(session, area, health_advice_requested=None, health_advice_received=None)
        make_auditor(session, area, "AUD-SEN-01", "sen_team")
        make_auditor(session, area, "AUD-ED-01", "education")
        make_auditor(session, area, "AUD-PCF-01", "parent_carer_forum")
        create_user(session, "qa", PASSWORD, "qa_lead")
        create_user(session, "sen", PASSWORD, "auditor", "AUD-SEN-01")
        create_user(session, "edu", PASSWORD, "auditor", "AUD-ED-01")
        create_user(session, "forum", PASSWORD, "parent_carer_auditor", "AUD-PCF-01")
        create_user(session, "board", PASSWORD, "board_member")
    app = create_app(settings)
    harness = contextvars.copy_context()  # the background task runs the flow against the test harness
    flows = []

    def continue_in_harness(s, cycle_id, finalise=False):
        flows.append(cycle_id)
        harness.copy().run(continue_cycle_flow, s, cycle_id, finalise)
        flows.append(f"done {cycle_id}")

    app.state.continue_cycle = continue_in_harness
    with served(app) as base:
        yield base, flows


def sign_in(page, base, pages, username, name, keyboard=False):
    browser_sign_in(page, base, pages, username, PASSWORD, name, keyboard)


def test_the_whole_journey_in_a_real_browser(server, browser):
    base, flows = server
    pages = Pages("journey")
    due = audit.clock.today() + timedelta(days=20)

    # QA lead: create and start a cycle.
    qa = browser.new_context().new_page()
    sign_in(qa, base, pages, "qa", "qa")
    pages.check(qa, "qa-home")
    click_and_wait(qa, "a.govuk-service-navigation__link[href='/cycles']")
    pages.check(qa, "qa-cycles")
    click_and_wait(qa, "text=Create a cycle")
    pages.check(qa, "qa-create-cycle")
    qa.fill("#name", "Journey audit")
    qa.check("input[name=rubric][value=whole-plan]")
    qa.fill("#sample_size", "1")
    qa.fill("#due-day", str(due.day))
    qa.fill("#due-month", str(due.month))
    qa.fill("#due-year", str(due.year))
    click_and_wait(qa, "button:has-text('Create cycle')")
    pages.check(qa, "qa-cycle-draft")
    click_and_wait(qa, "button:has-text('Start cycle')")
    assert "The cycle has started" in qa.content()
    pages.check(qa, "qa-cycle-open")
    cycle_url = qa.url.split("?")[0]

    # Education auditor, keyboard only: a weak grade without a comment first, then fixed.
    edu = browser.new_context().new_page()
    sign_in(edu, base, pages, "edu", "edu", keyboard=True)
    assert "My audits" in edu.content()
    pages.check(edu, "edu-my-audits")
    tab_to(edu, "el.getAttribute('href') && el.getAttribute('href').startsWith('/my-audits/')")
    enter_and_wait(edu)
    pages.check(edu, "edu-scorecard")
    criteria = edu.eval_on_selector_all("input[type=radio][value='4']", "els => els.map(e => e.name.slice(6))")
    assert criteria, "the education assignment has criteria"
    for i, cid in enumerate(criteria):
        tab_to(edu, f"el.name === 'grade-{cid}'")
        edu.keyboard.press("ArrowDown")  # Good
        if i == 0:
            edu.keyboard.press("ArrowDown")  # Requires Improvement, and no comment yet
    tab_to(edu, "el.tagName === 'BUTTON' && el.value === 'submit'")
    enter_and_wait(edu)
    assert "There is a problem" in edu.content()
    assert edu.is_checked(f"input[name='grade-{criteria[0]}'][value='2']"), "the typed grades are kept"
    pages.check(edu, "edu-scorecard-error")
    tab_to(edu, f"el.getAttribute('href') === '#comment-{criteria[0]}'")
    edu.keyboard.press("Enter")  # GOV.UK Frontend moves focus to the field the error is about
    assert edu.evaluate("() => document.activeElement.id") == f"comment-{criteria[0]}"
    edu.keyboard.type("Provision in F is not quantified: say how many hours and who delivers it.")
    tab_to(edu, "el.tagName === 'BUTTON' && el.value === 'submit'")
    enter_and_wait(edu)
    assert "Scorecard submitted" in edu.content()
    pages.check(edu, "edu-submitted")

    # QA lead: half-way progress.
    qa.goto(cycle_url)
    assert "1 of 3 scorecards submitted" in qa.content()

    # Parent carer forum auditor: their part of A and E, all Good.
    forum = browser.new_context().new_page()
    sign_in(forum, base, pages, "forum", "forum")
    click_and_wait(forum, "a[href^='/my-audits/']")
    pages.check(forum, "forum-scorecard")
    for radio in forum.eval_on_selector_all("input[type=radio][value='3']", "els => els.map(e => e.id)"):
        forum.check(f"#{radio}")
    click_and_wait(forum, "button[value=submit]")
    assert "Scorecard submitted" in forum.content()
    qa.goto(cycle_url)
    assert "2 of 3 scorecards submitted" in qa.content()

    # SEN team auditor: saves a draft, comes back, submits (the last scorecard of the cycle).
    sen = browser.new_context().new_page()
    sign_in(sen, base, pages, "sen", "sen")
    click_and_wait(sen, "a[href^='/my-audits/']")
    names = sen.eval_on_selector_all("input[type=radio][value='3']", "els => els.map(e => e.id)")
    sen.check(f"#{names[0]}")
    click_and_wait(sen, "button[value=draft]")
    assert "Your draft was saved" in sen.content()
    pages.check(sen, "sen-draft-saved")
    for radio in names:
        sen.check(f"#{radio}")
    click_and_wait(sen, "button[value=submit]")
    assert "Scorecard submitted" in sen.content()
    click_and_wait(sen, "text=View the submitted scorecard")
    assert "can no longer be changed" in sen.content() and sen.locator("button[value=submit]").count() == 0
    pages.check(sen, "sen-view-only")

    # The flow continues by itself; the QA lead sees the cycle complete.
    qa.goto(cycle_url)
    assert "All 3 scorecards are submitted" in qa.content()
    pages.check(qa, "qa-cycle-complete")

    # Board member: the summary appears once the flow has scored and reported.
    board = browser.new_context().new_page()
    sign_in(board, base, pages, "board", "board")
    pages.check(board, "board-home")
    click_and_wait(board, "a.govuk-service-navigation__link[href='/results']")
    deadline = time.time() + 240
    while "Journey audit" not in board.content() and time.time() < deadline:
        time.sleep(2)
        board.reload()
    assert "Journey audit" in board.content(), f"the flow did not produce results in time: {flows}"
    pages.check(board, "board-results")
    click_and_wait(board, "text=Journey audit")
    assert "By service" in board.content() and "Download the board summary" in board.content()
    pages.check(board, "board-summary")
    with board.expect_download() as download:
        board.click("text=Board summary (HTML)")
    assert download.value.suggested_filename.startswith("board-summary-cycle-")
