"""Steps for branding.feature: the area's identity from settings, and the service's public pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pytest_bdd import given, parsers, scenarios, then, when

from audit.settings import Settings
from tests.web.crawl import branding_faults, crawl_as
from tests.web.crawl_stores import crawl_lifecycle, role_of  # noqa: F401  (fixture)
from web.app import create_app

scenarios("web/branding.feature")
WHO = {"board member": "board_member", "education auditor": "auditor-education", "admin": "admin"}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def ctx():
    context = {}
    yield context
    if "app" in context:
        context["app"].state.engine.dispose()


def area_settings(tmp_path, name: str, **more) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="k" * 48, cookie_secure=False, organisation_name=name,
                    contact_email="send-qa@northshire.example.org", contact_phone="01234 567890", **more)


@given(parsers.parse('the service is set up for "{name}" with its logo and a "{link}" link'))
def with_logo(ctx, tmp_path, name, link):
    logo = tmp_path / "logo.svg"
    logo.write_bytes(SVG)
    ctx["settings"] = area_settings(tmp_path, name, logo_file=logo, logo_alt=f"{name} logo",
                                    footer_links=[{"text": link, "href": "https://northshire.example.org/local-offer"}])


@given(parsers.parse('the service is set up for "{name}" with a known issue "{issue}"'))
def with_issue(ctx, tmp_path, name, issue):
    ctx["settings"] = area_settings(tmp_path, name, accessibility_issues=[issue])


@given(parsers.parse('the service is set up for "{name}" in Northern Ireland'))
def in_northern_ireland(ctx, tmp_path, name):
    ctx["settings"] = area_settings(tmp_path, name, accessibility_country="northern_ireland")


@given("a local area with a scored cycle, a cycle closed early, an open cycle and a calibration exercise")
def lifecycle(ctx, crawl_lifecycle):
    ctx["store"], ctx["accounts"] = crawl_lifecycle


def open_page(ctx, path: str):
    ctx["app"] = create_app(ctx["settings"])
    with TestClient(ctx["app"], follow_redirects=False) as client:
        ctx["response"] = client.get(path)
    assert ctx["response"].status_code == 200, ctx["response"].text[:500]
    ctx["html"] = ctx["response"].text


@when("someone who is not signed in opens the sign-in page")
def open_sign_in(ctx):
    open_page(ctx, "/sign-in")


@when(parsers.parse('someone who is not signed in opens "{path}"'))
def open_path(ctx, path):
    open_page(ctx, path)


@then(parsers.parse('the header names "{name}" beside its logo'))
def header_names(ctx, name):
    header = ctx["html"].split('<header class="govuk-template__header">')[1].split("</header>")[0]
    assert 'class="govuk-generic-header"' in header and name in header
    assert f'<img class="app-logo" src="/branding/logo" alt="{name} logo">' in header


def footer(ctx) -> str:
    return ctx["html"].split('<footer class="govuk-template__footer">')[1].split("</footer>")[0]


@then("the footer links to the accessibility statement, privacy notice, cookies and help")
def footer_pages(ctx):
    for href, text in (("/accessibility", "Accessibility statement"), ("/privacy", "Privacy notice"),
                       ("/cookies", "Cookies"), ("/help", "Help and contact")):
        assert f'href="{href}">{text}</a>' in footer(ctx)


@then(parsers.parse('the footer links to "{text}"'))
def footer_link(ctx, text):
    assert f'href="https://northshire.example.org/local-offer">{text}</a>' in footer(ctx)


@then("the page shows no crown, no GOV.UK logotype, no Crown copyright and no link to gov.uk")
def no_govuk(ctx):
    assert branding_faults(ctx["html"]) == []


@when(parsers.parse("the {role} follows every link, download and API address they can reach"))
def follow_everything(ctx, role):
    who = WHO[role]
    ctx["crawl"] = crawl_as(ctx["store"], ctx["accounts"][who], role_of(who), keep_pages=True)


@then("every page they reached links to the accessibility statement and the privacy notice")
def every_page_links(ctx):
    pages = ctx["crawl"].pages
    assert len(pages) > 5
    for url, html in pages.items():
        assert 'href="/accessibility">Accessibility statement</a>' in html, url
        assert 'href="/privacy">Privacy notice</a>' in html, url


@then("no page they reached shows the crown, the GOV.UK logotype, Crown copyright or a link to gov.uk")
def no_branding(ctx):
    assert not [f for f in ctx["crawl"].faults if " shows " in f], ctx["crawl"].faults
    assert all(branding_faults(html) == [] for html in ctx["crawl"].pages.values())


@then(parsers.parse("they see the headings {headings}"))
def headings(ctx, headings):
    found = [re.sub(r"\s+", " ", h).strip() for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", ctx["html"], re.DOTALL)]
    found = [h.replace("&#39;", "'") for h in found]
    for heading in re.findall(r'"([^"]+)"', headings):
        assert heading in found, (heading, found)


@then(parsers.parse('they see the contact details "{first}" and "{second}"'))
def see_both(ctx, first, second):
    assert first in ctx["html"] and second in ctx["html"]


@then(parsers.parse('they see "{text}"'))
def see(ctx, text):
    assert text in ctx["html"].replace("&#39;", "'")


@then(parsers.parse('they do not see "{text}"'))
def not_see(ctx, text):
    assert text not in ctx["html"]


@then("the only cookie set is the one the cookies page names")
def cookies(ctx):
    names = {c.split("=")[0] for c in ctx["response"].headers.get_list("set-cookie")}
    assert names == {"ehcp_session"}
    app = create_app(ctx["settings"])
    with TestClient(app) as client:
        page = client.get("/cookies").text
    app.state.engine.dispose()
    assert re.findall(r"<code>([^<]+)</code>", page) == ["ehcp_session"]


@when(parsers.parse('the area sets a footer link to "{href}"'))
def bad_link(ctx, tmp_path, href):
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, footer_links=[{"text": "Click", "href": href}])
    ctx["error"] = str(caught.value)


@then("the setting is refused, naming the link and how to write one")
def refused(ctx):
    assert "javascript:alert(1)" in ctx["error"] and "starting https://" in ctx["error"]
