"""A parent answers the family survey on a 320 px phone in Debian's chromium: one error first, then sends once;
the link is refused after; a guessed link gets the same page; axe-core finds nothing serious or critical."""

from __future__ import annotations

import pytest
from sqlmodel import select

from audit.family.links import make_links
from audit.family.surveys import load_surveys
from audit.store.db import engine_from_settings, transaction
from audit.store.models import SurveyResponse
from tests.family_data import family_cycle, family_settings
from tests.web.browser import Pages, click_and_wait, served
from web.app import create_app

pytestmark = [pytest.mark.browser]
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_a_parent_answers_on_a_small_phone(browser, tmp_path, database_url):
    settings = family_settings(tmp_path, database_url)
    cycle_id = family_cycle(settings, [{"plan_ref": "B-001", "year_group": "5", "grade": "Good"}])
    with transaction(engine_from_settings(settings)) as session:
        (issued,) = make_links(session, cycle_id, load_surveys(), days=42, young_person_from_year=7)
    app = create_app(settings)
    pages = Pages("family-survey")
    with served(app) as base:
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        link = f"{base}/survey/{issued.token}"
        assert page.goto(link).status == 200
        assert page.locator("script[src]").count() == 0  # nothing to download and run: the form needs no script
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        pages.check(page, "survey")
        for key in ("reflects_child", "listened_to", "provision_happening", "outcomes_right"):
            page.check(f"input[name='{key}'][value='2']")
        page.fill("textarea[name='comment']", "The speech therapy has not started")
        click_and_wait(page, "button:has-text('Send my answers')")
        summary = page.locator(".govuk-error-summary")
        assert summary.locator("li").count() == 1
        assert "Overall, the plan is good for my child" in summary.inner_text()
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        pages.check(page, "one-error")
        page.check("input[name='overall'][value='1']")
        click_and_wait(page, "button:has-text('Send my answers')")
        assert page.url.endswith("/survey/thank-you")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        pages.check(page, "thanks")
        used = page.goto(link)
        refused_text = page.locator("main").inner_text()
        assert used.status == 404
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        pages.check(page, "refused")
        guessed = page.goto(f"{base}/survey/{'a' * 32}")
        assert guessed.status == 404 and page.locator("main").inner_text() == refused_text
        assert page.goto(f"{base}/survey").status == 200
        pages.check(page, "start")
        context.close()
    app.state.engine.dispose()
    with transaction(engine_from_settings(settings)) as session:
        (response,) = session.exec(select(SurveyResponse)).all()
        assert response.answers["overall"] == 1 and response.comment == "The speech therapy has not started"
