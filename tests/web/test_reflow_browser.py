"""Every page of the crawl, for every role, at 320 CSS px: no sideways page scroll, and axe-core's WCAG 2.2 AA
rules find nothing serious or critical (issue 18; WCAG 1.4.10 Reflow).

The crawler (tests/web/crawl.py) finds what each role can reach on the lifecycle store (a scored cycle with
moderation, actions, an improvement plan, an open cycle with safeguarding flags); one address per route is
opened in chromium 320 px wide, signed in as that role, and measured. A wide table may scroll inside its own
region (templates/_tables.html), never the page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.web.browser import AXE, Pages, served
from tests.web.crawl import crawl_as, route_templates, template_of
from tests.web.crawl_stores import EVERYONE, crawl_lifecycle, role_of  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
WIDTH = 320
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DOWNLOAD = re.compile(r"\.(html|md|json|csv|xlsx|pdf|nope)$|/download|/export")


def pages_of(result, app) -> list[str]:
    """One address per route the role opened as a page (not the API, downloads or static files)."""
    templates, chosen = route_templates(app), {}
    for answer in result.answers:
        path = urlsplit(answer.url).path
        if (answer.status != 200 or not answer.kind.startswith("text/html") or path.startswith(("/api", "/static/",
                                                                                                  "/assets/"))
                or DOWNLOAD.search(path)):
            continue
        chosen.setdefault(template_of(templates, answer.url), answer.url)
    return list(chosen.values())


def too_wide(page) -> list[str]:
    """The elements that stick out past the viewport (for the failure message)."""
    return page.evaluate(f"""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > {WIDTH} + 1 && !el.closest('.app-table-scroll'))
        .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")


@pytest.mark.parametrize("who", EVERYONE + ["anonymous"])
def test_every_page_reflows_at_320_px_and_meets_wcag_22_aa(crawl_lifecycle, browser, who):
    from web.app import create_app

    settings, accounts = crawl_lifecycle
    username = accounts.get(who)
    result = crawl_as(settings, username, role_of(who) if username else None)
    app = create_app(settings)
    app.state.continue_cycle = lambda *args, **kwargs: None
    urls = pages_of(result, app)
    assert len(urls) >= 4, urls  # sign-in or the role's pages, and the four footer pages
    pages, faults = Pages(f"reflow-{who}"), []
    with served(app) as base:
        context = browser.new_context(viewport={"width": WIDTH, "height": 640})
        page = context.new_page()
        if username:
            page.goto(f"{base}/sign-in")
            page.fill("#username", username)
            page.fill("#password", "demo-password-2026")
            with page.expect_navigation():
                page.click("button:has-text('Sign in')")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        for url in urls:
            page.goto(base + url)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > WIDTH:
                pages.shoot(page, re.sub(r"\W+", "-", url))
                faults.append(f"{url} is {width} px wide: {too_wide(page)}")
            if not page.evaluate("() => typeof axe !== 'undefined'"):
                page.evaluate(AXE.read_text(encoding="utf-8"))
            found = page.evaluate("async (tags) => (await axe.run({runOnly: {type: 'tag', values: tags}})).violations",
                                  TAGS)
            faults += [f"{url}: {v['id']} ({v['impact']}) {v['help']} {[n['target'] for n in v['nodes']][:3]}"
                       for v in found if v["impact"] in ("serious", "critical")]
        context.close()
    app.state.engine.dispose()
    assert not faults, "\n".join(faults)


def axe_faults(page) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async (tags) => (await axe.run({runOnly: {type: 'tag', values: tags}})).violations", TAGS)
    return [f"{v['id']} ({v['impact']}) {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def test_the_measure_finds_a_page_wider_than_320_px_and_a_table_region_keeps_the_page_narrow(settings, browser):
    """The check above can fail: a wide element makes the page scroll; the same width inside a region does not."""
    from web.app import create_app

    app = create_app(settings)
    with served(app) as base:
        context = browser.new_context(viewport={"width": WIDTH, "height": 640})
        page = context.new_page()
        page.goto(f"{base}/cookies")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
        page.evaluate("() => { document.querySelector('.app-table-scroll table').style.minWidth = '900px'; }")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH, "the region scrolls, not the page"
        region = page.evaluate("() => { const r = document.querySelector('.app-table-scroll');"
                               " return [r.scrollWidth, r.clientWidth, r.getAttribute('aria-label')]; }")
        assert region[0] > region[1] and region[2] == "Essential cookies"
        page.evaluate("() => { const d = document.createElement('div'); d.style.width = '900px';"
                      " d.textContent = 'wide'; document.querySelector('main').appendChild(d); }")
        assert page.evaluate("() => document.documentElement.scrollWidth") > WIDTH
        context.close()
    app.state.engine.dispose()


def test_the_account_pages_reached_by_email_reflow_and_meet_wcag_22_aa(settings, browser):
    """The set-password page (reached only from an emailed link) and the role confirmation, at 320 px."""
    from datetime import timedelta

    from sqlmodel import select

    from audit import clock
    from audit.protection.account_links import invite
    from audit.store.db import transaction
    from audit.store.models import User
    from web.app import create_app

    app = create_app(settings)
    with transaction(app.state.engine) as session:
        _, token = invite(session, "pat", "pat@example.org", "board_member", None, None, "test", clock.now(),
                          timedelta(hours=1))
        pat_id = session.exec(select(User).where(User.username == "pat")).one().id
    faults = []
    with served(app) as base:
        context = browser.new_context(viewport={"width": WIDTH, "height": 640})
        page = context.new_page()
        for url in (f"/account/set-password?token={token}", "/account/set-password?token=nonsense", "/forgot-password"):
            page.goto(base + url)
            faults += [f"{url}: {f}" for f in axe_faults(page)]
            if page.evaluate("() => document.documentElement.scrollWidth") > WIDTH:
                faults.append(f"{url} is too wide")
        page.click("button:has-text('Send a reset link')")
        faults += [f"forgot-password error: {f}" for f in axe_faults(page)]
        page.goto(f"{base}/sign-in")
        page.fill("#username", "demo-admin")
        page.fill("#password", "demo-password-2026")
        with page.expect_navigation():
            page.click("button:has-text('Sign in')")
        page.goto(f"{base}/admin/users/{pat_id}/role")
        page.check("input[value='moderator']")
        with page.expect_navigation():
            page.click("button:has-text('Continue')")
        assert "Board member → Moderator" in page.content()
        faults += [f"role confirmation: {f}" for f in axe_faults(page)]
        if page.evaluate("() => document.documentElement.scrollWidth") > WIDTH:
            faults.append("the role confirmation is too wide")
        context.close()
    app.state.engine.dispose()
    assert not faults, "\n".join(faults)
