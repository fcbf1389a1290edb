"""Every role's home page in Debian's chromium (axe-core: no serious or critical problem), and a moderator who
reaches a disagreement from their home page and settles it there."""

from __future__ import annotations

import pytest

import audit.clock
from audit.cycle.lifecycle import get_cycle
from audit.moderation.marking import ModerationRules, select_second_marking
from audit.protection.users import DEMO_PASSWORD
from audit.results.cycle_scores import score_cycle
from audit.store.db import transaction
from audit.vocabulary import Grade
from tests.databases import copy_store
from tests.factories import whole_plan_rubric
from tests.web.browser import Pages, click_and_wait, served, sign_in
from tests.web.conftest import web_settings
from tests.web.test_web_moderation import _grade
from web.app import create_app

pytestmark = [pytest.mark.browser]
ROLES = ["demo-qa-lead", "demo-moderator", "demo-board-member", "demo-service-lead", "demo-parent-carer-auditor",
         "demo-admin"]


@pytest.fixture(scope="module")
def app_with_dispute(template_db, tmp_path_factory):
    """The web tests' cycle, every piece double-marked two grades apart, then scored (so the board has results)."""
    folder = tmp_path_factory.mktemp("home-browser")
    app = create_app(web_settings(folder, copy_store(template_db, folder)))
    app.state.continue_cycle = lambda *args, **kwargs: None
    rubric = whole_plan_rubric()
    with transaction(app.state.engine) as session:
        cycle = get_cycle(session, 1)
        _grade(session, rubric, cycle, "first", Grade.GOOD)
        select_second_marking(session, cycle, ModerationRules(share=1.0), today=audit.clock.today())
        _grade(session, rubric, cycle, "second", Grade.INADEQUATE)
        score_cycle(session, cycle)
    return app


@pytest.fixture(scope="module")
def base(app_with_dispute):
    with served(app_with_dispute) as url:
        yield url


@pytest.mark.parametrize("username", ROLES)
def test_each_roles_home_page_is_accessible(base, browser, username):
    context = browser.new_context()
    page = context.new_page()
    pages = Pages(f"home-{username}")
    sign_in(page, base, pages, username, DEMO_PASSWORD, "home")
    assert page.url.rstrip("/") == base and page.locator("h1").inner_text() == "Home"
    pages.check(page, "home")
    context.close()


def test_a_moderator_settles_a_disagreement_from_their_home_page(base, browser):
    context = browser.new_context()
    page = context.new_page()
    pages = Pages("home-moderator-settles")
    sign_in(page, base, pages, "demo-moderator", DEMO_PASSWORD, "moderator")
    assert page.locator("a.govuk-service-navigation__link", has_text="Moderation").count() == 1
    link = page.locator("a", has_text="Moderate ").first
    click_and_wait(page, f"a[href='{link.get_attribute('href')}']")
    assert page.locator("h1").inner_text().startswith("Moderate plan")
    pages.check(page, "plan")
    form = page.locator("form[action^='/cycles/1/moderation/']").first
    form.locator("input[type=radio][value='2']").check()
    form.locator("textarea[name=rationale]").fill("Outcomes are not measurable; agreed at moderation.")
    with page.expect_navigation():
        form.locator("button").click()
    assert "The agreed grade was recorded" in page.content()
    pages.check(page, "recorded")
    context.close()


def test_the_qa_leads_new_pages_are_accessible(base, browser, app_with_dispute):
    from sqlmodel import select

    from audit.store.models import Plan, SampledPlan

    with transaction(app_with_dispute.state.engine) as session:
        ref = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)).first()
    context = browser.new_context()
    page = context.new_page()
    pages = Pages("issue17-pages")
    sign_in(page, base, pages, "demo-qa-lead", DEMO_PASSWORD, "qa")
    for path, name in ((f"/plans/{ref}", "plan"), ("/plans?ref=", "find-plan-error"), ("/moderation", "moderation"),
                       ("/cycles/1/moderation", "queue"), ("/timeliness?by=team", "timeliness"),
                       ("/trends?series=Service", "trends"), ("/programmes", "programmes"), ("/account", "account")):
        page.goto(f"{base}{path}")
        assert page.locator("h1").count() == 1, path
        pages.check(page, name)
    context.close()
