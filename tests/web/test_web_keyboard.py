"""Keyboard alone, in Debian's chromium: the QA lead's, the board member's and an admin's journeys.

The QA lead creates a cycle, starts it, reads its progress, records reminders and withdraws a plan; the
board member opens the latest summary, downloads it and opens a previous cycle; an admin adds a service
lead and opens their account page. Only Tab, arrow keys, Space, typing and Enter are used. Every page is
screenshotted (test-artifacts/screenshots/) and
checked with axe-core: no serious or critical violations. (The auditor's keyboard journey is in
test_web_journey.py, with the real cycle flow.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, get_cycle, open_cycle
from audit.protection.users import DEMO_PASSWORD
from audit.results.cycle_scores import score_cycle
from audit.store.db import engine_from_settings, transaction
from audit.synthetic.submissions import submit_simulated
from tests.databases import copy_store
from tests.factories import whole_plan_rubric
from tests.web.browser import Pages, enter_and_wait, focused, served, sign_in, tab_to
from tests.web.conftest import web_settings
from web.app import create_app

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def two_scored_cycles(template_db, tmp_path_factory):
    """The web test area with cycle 1 and a second cycle scored (so results have a latest and a previous)."""
    folder = tmp_path_factory.mktemp("keyboard")
    settings = web_settings(folder, copy_store(template_db, folder))
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        submit_simulated(session, get_cycle(session, 1), seed=2)
        score_cycle(session, get_cycle(session, 1))
        second = create_cycle(session, get_area(session, settings.area_code), whole_plan_rubric(),
                              name="Keyboard spring audit", sample_size=3, due_date=audit.clock.today() + timedelta(days=7),
                              seed=5)
        open_cycle(session, second)
    with transaction(engine) as session:
        submit_simulated(session, get_cycle(session, 2), seed=3)
        score_cycle(session, get_cycle(session, 2))
    engine.dispose()
    app = create_app(settings)
    app.state.continue_cycle = lambda *args, **kwargs: None  # no flow: these journeys only read and manage
    with served(app) as base:
        yield base


def button(text: str) -> str:
    return f"el.tagName === 'BUTTON' && el.textContent.includes({text!r})"


def link(href: str) -> str:
    return f"el.tagName === 'A' && el.getAttribute('href') === {href!r}"


def test_a_qa_lead_runs_a_cycle_by_keyboard_alone(two_scored_cycles, browser):
    base, pages = two_scored_cycles, Pages("keyboard-qa")
    due = audit.clock.today() + timedelta(days=30)
    qa = browser.new_context().new_page()
    sign_in(qa, base, pages, "demo-qa-lead", DEMO_PASSWORD, "qa", keyboard=True)
    assert "Cycles in progress" in qa.content()  # the QA lead's home page
    pages.check(qa, "home")
    tab_to(qa, link("/cycles"))
    enter_and_wait(qa)
    assert "Audit cycles" in qa.content()
    pages.check(qa, "cycles")

    tab_to(qa, link("/cycles/new"))
    enter_and_wait(qa)
    pages.check(qa, "create-cycle")
    tab_to(qa, "el.id === 'name'")
    qa.keyboard.type("Keyboard summer audit")
    tab_to(qa, "el.name === 'rubric'")
    assert focused(qa, "el.checked && el.value === 'whole-plan'"), "Tab lands on the chosen rubric"
    tab_to(qa, "el.id === 'sample_size'")
    qa.keyboard.type("2")
    tab_to(qa, "el.name === 'strata' && el.value === 'team'")
    qa.keyboard.press("Space")
    for field, value in (("due-day", due.day), ("due-month", due.month), ("due-year", due.year)):
        tab_to(qa, f"el.id === '{field}'")
        qa.keyboard.type(str(value))
    tab_to(qa, button("Create cycle"))
    enter_and_wait(qa)
    assert "Keyboard summer audit" in qa.content() and "Stratified by" in qa.content()
    pages.check(qa, "cycle-draft")

    tab_to(qa, button("Start cycle"))
    enter_and_wait(qa)
    content = qa.content()
    assert "The cycle has started" in content and "By agency" in content and "not started" in content
    pages.check(qa, "cycle-progress")

    tab_to(qa, button("Record reminders"))
    enter_and_wait(qa)
    assert "Recorded only" in qa.content()
    pages.check(qa, "reminders-recorded")

    tab_to(qa, "el.id === 'plan_ref'")
    qa.keyboard.press("ArrowDown")  # the first sampled plan
    chosen = qa.evaluate("() => document.getElementById('plan_ref').value")
    assert chosen, "the arrow key chose a plan"
    tab_to(qa, "el.id === 'reason'")
    qa.keyboard.type("ceased")
    tab_to(qa, button("Continue"))
    enter_and_wait(qa)
    assert f"Withdraw plan {chosen} from the cycle?" in qa.content()
    pages.check(qa, "confirm-withdrawal")
    tab_to(qa, button("Withdraw plan"))
    enter_and_wait(qa)
    content = qa.content()
    assert "The plan was withdrawn" in content and "Withdrawn: ceased" in content and "Replacement" in content
    pages.check(qa, "plan-withdrawn")


def test_a_board_member_reads_and_downloads_summaries_by_keyboard_alone(two_scored_cycles, browser):
    base, pages = two_scored_cycles, Pages("keyboard-board")
    board = browser.new_context(accept_downloads=True).new_page()
    refused = []
    board.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(board, base, pages, "demo-board-member", DEMO_PASSWORD, "board", keyboard=True)
    # GOV.UK Frontend ran under the Content-Security-Policy: its inline check and its module both executed.
    assert board.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")
    board.wait_for_selector("[data-govuk-button-init]", state="attached")
    assert "Latest results: " in board.content()  # the board member's home page
    pages.check(board, "home")
    tab_to(board, link("/results"))
    enter_and_wait(board)
    content = board.content()
    assert "Latest summary" in content and "Previous cycles" in content
    pages.check(board, "results")

    tab_to(board, link("/results/2"))
    enter_and_wait(board)
    assert "Keyboard spring audit" in board.content() and "By service" in board.content()
    pages.check(board, "latest-summary")

    tab_to(board, link("/results/2/download/html"))
    with board.expect_download() as download:
        board.keyboard.press("Enter")
    assert download.value.suggested_filename == "board-summary-cycle-2.html"

    tab_to(board, link("/results"))  # Shift+Tab would do too; Tab wraps round to the back link
    enter_and_wait(board)
    tab_to(board, link("/results/1"))
    enter_and_wait(board)
    assert "Web test cycle" in board.content()
    pages.check(board, "previous-summary")
    assert refused == [], "the Content-Security-Policy blocked something the pages need"


def test_an_admin_adds_a_service_lead_by_keyboard_alone(two_scored_cycles, browser):
    base, pages = two_scored_cycles, Pages("keyboard-admin")
    admin = browser.new_context().new_page()
    sign_in(admin, base, pages, "demo-admin", DEMO_PASSWORD, "admin", keyboard=True)
    tab_to(admin, link("/admin/users"))  # from the home page
    enter_and_wait(admin)
    assert "Add a user" in admin.content()
    pages.check(admin, "users")
    tab_to(admin, "el.id === 'username'")
    admin.keyboard.type("health-lead")
    tab_to(admin, "el.id === 'password'")
    admin.keyboard.type("a-long-password-1")
    tab_to(admin, "el.id === 'role'")
    admin.keyboard.type("Service lead")  # typing a label chooses it in a closed select
    tab_to(admin, "el.id === 'service'")
    admin.keyboard.type("Health")
    tab_to(admin, button("Add user"))
    enter_and_wait(admin)
    assert "The user was added" in admin.content() and "health-lead" in admin.content()
    pages.check(admin, "user-added")

    tab_to(admin, link("/account"))
    enter_and_wait(admin)
    assert "Sign out everywhere" in admin.content()
    pages.check(admin, "account")
