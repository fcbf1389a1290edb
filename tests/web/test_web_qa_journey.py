"""A QA lead with only a browser, from an empty store: upload a register with an error, fix it, upload the
auditors, create a cycle, preview its sample, draw again and start it. In Debian's chromium; every page is
checked with axe-core (no serious or critical violations) and screenshotted (test-artifacts/screenshots/)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

import audit.clock
from audit.protection.users import DEMO_PASSWORD
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Assignment, Plan
from audit.synthetic.area import write_synthetic_area
from tests.databases import new_store_url
from tests.web.browser import Pages, click_and_wait, enter_and_wait, focused, served, sign_in, tab_to
from tests.web.conftest import web_settings
from tests.web.crawl_stores import build_empty_store
from web.app import create_app

pytestmark = [pytest.mark.browser]


@pytest.fixture
def empty_service(tmp_path):
    """A fresh install: accounts only, no area, no register; and the area's files as the QA lead has them."""
    settings = web_settings(tmp_path, new_store_url(tmp_path))
    accounts = build_empty_store(settings)
    files = write_synthetic_area(tmp_path / "files", seed=7, n_plans=60, as_of=audit.clock.today())
    lines = files["register"].read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[2].split(",")
    row[header.index("request_date")] = "31/02/2025"  # a day that does not exist, on spreadsheet row 3
    broken = tmp_path / "files" / "register-with-an-error.csv"
    broken.write_text("\n".join([*lines[:2], ",".join(row), *lines[3:]]) + "\n", encoding="utf-8")
    app = create_app(settings)
    app.state.continue_cycle = lambda *args, **kwargs: None
    with served(app) as base:
        yield base, settings, accounts, files, broken
    app.state.engine.dispose()


def test_a_qa_lead_goes_from_an_empty_store_to_a_started_cycle_in_the_browser(empty_service, browser):
    base, settings, accounts, files, broken = empty_service
    pages = Pages("qa-journey")
    qa = browser.new_context().new_page()
    sign_in(qa, base, pages, accounts["qa_lead"], DEMO_PASSWORD, "qa")
    assert "Nothing has been imported yet" in qa.inner_text("main")  # the QA lead's home page
    pages.check(qa, "home")
    click_and_wait(qa, "a[href='/cycles']")
    assert "There are no cycles yet" in qa.content()
    pages.check(qa, "no-cycles")

    click_and_wait(qa, "a:has-text('Import the register or auditors')")
    pages.check(qa, "imports")
    qa.set_input_files("#file", str(broken))
    click_and_wait(qa, "button:has-text('Check the register')")
    content = qa.content()
    assert "There is a problem" in content and "register-with-an-error.csv, row 3, column" in content
    pages.check(qa, "register-refused")

    qa.set_input_files("#file", str(files["register"]))
    click_and_wait(qa, "button:has-text('Check the register')")
    assert "60 plans not yet stored" in qa.content()
    pages.check(qa, "register-confirm")
    with transaction(engine_from_settings(settings)) as session:
        assert session.exec(select(func.count(Plan.id))).one() == 0, "nothing is stored before the QA lead confirms"
    click_and_wait(qa, "button:has-text('Import 60 plans')")
    assert "Imported 60 plans from register.csv: 60 new" in qa.content()
    pages.check(qa, "register-imported")

    qa.set_input_files("#auditors-file", str(files["auditors"]))
    click_and_wait(qa, "button:has-text('Check the auditor list')")
    pages.check(qa, "auditors-confirm")
    click_and_wait(qa, "button:has-text('Import')")
    assert re.search(r"Imported \d+ auditors from auditors.csv", qa.content())

    qa.goto(f"{base}/cycles/new")
    pages.check(qa, "create-cycle")
    due = audit.clock.today() + timedelta(days=30)
    qa.fill("#name", "Browser journey audit")
    qa.check("input[name='strata'][value='team']")
    qa.fill("#sample_size", "6")
    qa.fill("#due-day", str(due.day))
    qa.fill("#due-month", str(due.month))
    qa.fill("#due-year", str(due.year))
    click_and_wait(qa, "button:has-text('Create cycle')")
    content = qa.content()
    assert "Starting the cycle now would sample <strong>6</strong>" in content and "Plans left out" in content
    pages.check(qa, "sample-preview")
    first = qa.text_content(".govuk-details__text")

    click_and_wait(qa, "button:has-text('Draw again')")
    assert "A new sample was drawn" in qa.content() and qa.text_content(".govuk-details__text") != first
    pages.check(qa, "sample-drawn-again")
    click_and_wait(qa, "button:has-text('Start cycle')")
    content = qa.content()
    assert "The cycle has started" in content and 'class="app-progress"' in content and "Not started (6)" in content
    pages.check(qa, "cycle-started")
    with transaction(engine_from_settings(settings)) as session:
        assert session.exec(select(func.count(Assignment.id))).one() > 0

    click_and_wait(qa, "a.govuk-button:has-text('Close cycle')")
    assert "will not be counted" in qa.content()
    pages.check(qa, "confirm-close")


def choose_file_by_keyboard(page, path: str) -> None:
    """Open the focused file input's chooser from the keyboard (Space, or Enter if Chromium let Space pass) and
    give it the file, as a person picks it in the dialog."""
    from playwright.sync_api import TimeoutError as NoChooser

    for key in ("Space", "Enter", "Space"):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
        except NoChooser:
            continue
        chooser.value.set_files(path)
        return
    raise AssertionError("the file input's chooser never opened from the keyboard")


def test_the_same_journey_by_keyboard_alone(empty_service, browser):
    base, _, accounts, files, _ = empty_service
    pages = Pages("qa-journey-keyboard")
    qa = browser.new_context().new_page()
    sign_in(qa, base, pages, accounts["qa_lead"], DEMO_PASSWORD, "qa", keyboard=True)
    tab_to(qa, "el.tagName === 'A' && el.getAttribute('href') === '/imports'")
    enter_and_wait(qa)
    for path, button, expected in ((files["register"], "Check the register", "60 plans not yet stored"),
                                   (files["auditors"], "Check the auditor list", "auditors not yet stored")):
        field = "file" if button == "Check the register" else "auditors-file"
        tab_to(qa, f"el.id === '{field}'")
        choose_file_by_keyboard(qa, str(path))
        tab_to(qa, f"el.tagName === 'BUTTON' && el.textContent.includes({button!r})")
        enter_and_wait(qa)
        assert expected in qa.content()
        pages.check(qa, f"confirm-{field}")
        tab_to(qa, "el.tagName === 'BUTTON' && el.textContent.includes('Import')")
        enter_and_wait(qa)
        assert "Imported" in qa.content()

    tab_to(qa, "el.tagName === 'A' && el.getAttribute('href') === '/cycles'")
    enter_and_wait(qa)
    tab_to(qa, "el.tagName === 'A' && el.getAttribute('href') === '/cycles/new'")
    enter_and_wait(qa)
    due = audit.clock.today() + timedelta(days=30)
    tab_to(qa, "el.id === 'name'")
    qa.keyboard.type("Keyboard journey audit")
    tab_to(qa, "el.id === 'sample_size'")
    qa.keyboard.type("5")
    for field, value in (("due-day", due.day), ("due-month", due.month), ("due-year", due.year)):
        tab_to(qa, f"el.id === '{field}'")
        qa.keyboard.type(str(value))
    tab_to(qa, "el.tagName === 'BUTTON' && el.textContent.includes('Create cycle')")
    enter_and_wait(qa)
    assert "Starting the cycle now would sample <strong>5</strong>" in qa.content()
    tab_to(qa, "el.tagName === 'BUTTON' && el.textContent.includes('Draw again')")
    enter_and_wait(qa)
    assert "A new sample was drawn" in qa.content()
    tab_to(qa, "el.tagName === 'BUTTON' && el.textContent.includes('Start cycle')")
    assert focused(qa, "el.textContent.includes('Start cycle')")
    enter_and_wait(qa)
    assert "The cycle has started" in qa.content() and "Not started (5)" in qa.content()
    pages.check(qa, "started-by-keyboard")
