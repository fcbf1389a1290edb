"""The error pages in Debian's chromium: accessible (axe-core), under the Content-Security-Policy, and signing out
really ends the session (the browser's copy of the cookie, put back, is refused)."""

from __future__ import annotations

import re

import pytest

from audit.protection.users import DEMO_PASSWORD
from tests.databases import copy_store
from tests.web.browser import Pages, click_and_wait, served, sign_in
from tests.web.conftest import web_settings
from web.app import create_app

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def base(template_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("error-pages")
    app = create_app(web_settings(folder, copy_store(template_db, folder)))
    app.state.continue_cycle = lambda *args, **kwargs: None
    with served(app) as url:
        yield url


def test_the_error_pages_are_accessible_and_signing_out_ends_the_session(base, browser, monkeypatch):
    context = browser.new_context()
    page = context.new_page()
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    pages = Pages("errors")
    assert page.goto(f"{base}/no-such-page").status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    pages.check(page, "not-found")

    sign_in(page, base, pages, "demo-board-member", DEMO_PASSWORD, "board")
    assert page.goto(f"{base}/cycles").status == 403
    assert page.locator("h1").inner_text() == "You do not have permission"
    pages.check(page, "forbidden")

    def broken(*args, **kwargs):
        raise RuntimeError("a fault for the test")

    monkeypatch.setattr("web.board.cycles_with_results", broken)
    assert page.goto(f"{base}/results").status == 500
    assert page.locator("h1").inner_text() == "Sorry, there is a problem with the service"
    assert re.search(r"reference [A-Z0-9]{4}-[A-Z0-9]{4}", page.locator("main").inner_text())
    pages.check(page, "server-error")
    monkeypatch.undo()

    page.goto(f"{base}/results")
    kept = [c for c in context.cookies() if c["name"] == "ehcp_session"]
    click_and_wait(page, "button:has-text('Sign out')")
    assert page.url.endswith("/sign-in")
    context.add_cookies(kept)  # the cookie from before sign-out, put back
    page.goto(f"{base}/results")
    assert "/sign-in" in page.url and "You were signed out" in page.content()
    assert blocked == [], blocked
    context.close()
