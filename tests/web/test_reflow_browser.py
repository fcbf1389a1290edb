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
