"""A council's own service: the area's identity from settings, and none of GOV.UK's (issue 18).

Every crawled page is scanned by tests/web/crawl.py's `branding_faults` (test_crawl.py, every role, three
stores); here: the scanner finds what GOV.UK Frontend's own header and footer draw, the settings reach the
header, footer and titles, the logo is served, and GOV.UK's images are not.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from audit.settings import Settings
from tests.web.crawl import branding_faults
from web.app import create_app
from web.deps import make_templates

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
       b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def govuk_macro(name: str, component: str) -> str:
    env = make_templates().env
    return env.from_string(f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {name} %}}'
                           f"{{{{ {name}({{}}) }}}}").render()


def test_the_scanner_finds_what_govuk_frontends_header_and_footer_draw():
    assert {"the crown or GOV.UK logotype", "the GOV.UK header"} <= set(branding_faults(govuk_macro("govukHeader", "header")))
    footer = set(branding_faults(govuk_macro("govukFooter", "footer")))
    assert {"the crown or GOV.UK logotype", "the royal coat of arms", '"Crown copyright"', "a link to gov.uk",
            "the Open Government Licence"} <= footer
    assert branding_faults('<a href="https://www.gov.uk/">x</a>') == ["a link to gov.uk"]
    assert branding_faults('<a href="https://www.legislation.gov.uk/uksi/2018/952">x</a>') == ["a link to gov.uk"]
    assert branding_faults('<a href="https://example.org/gov.uk-guide">x</a>') == []


@pytest.fixture
def branded(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    settings = Settings(data_dir=tmp_path, secret_key="k" * 48, cookie_secure=False, service_name="Plan quality checks",
                        organisation_name="Northshire County Council", organisation_url="https://northshire.example.org",
                        logo_file=logo, logo_alt="Northshire County Council crest",
                        footer_links=[{"text": "Local offer", "href": "https://northshire.example.org/local-offer"}],
                        contact_email="send-qa@northshire.example.org", contact_phone="01234 567890")
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.engine.dispose()


def test_the_areas_identity_comes_from_settings(branded):
    html = branded.get("/sign-in").text
    assert "<title>Sign in – Plan quality checks</title>" in html
    assert 'class="govuk-generic-header"' in html and "Northshire County Council" in html
    assert '<img class="app-logo" src="/branding/logo" alt="Northshire County Council crest">' in html
    assert 'href="https://northshire.example.org/local-offer">Local offer</a>' in html
    assert 'href="https://northshire.example.org">Northshire County Council</a>' in html
    assert branding_faults(html) == []
    logo = branded.get("/branding/logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png" and logo.content == PNG


def test_without_a_logo_the_header_names_the_organisation_and_the_logo_address_is_not_found(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, secret_key="k" * 48, cookie_secure=False))
    with TestClient(app, follow_redirects=False) as client:
        html = client.get("/help").text
        assert "app-logo" not in html and "Local area SEND partnership" in html
        assert client.get("/branding/logo").status_code == 404
    app.state.engine.dispose()


@pytest.mark.parametrize("path", ["/assets/images/govuk-crest.svg", "/assets/images/favicon.ico",
                                  "/assets/images/govuk-icon-180.png", "/assets/manifest.json"])
def test_govuks_crown_icons_and_crest_are_not_served(branded, path):
    assert branded.get(path).status_code == 404


def test_govuks_fonts_are_still_served(branded):
    css = branded.get("/static/govuk/govuk-frontend.min.css").text
    font = css.split("/assets/fonts/")[1].split(")")[0].strip("\"'")
    assert branded.get(f"/assets/fonts/{font}").status_code == 200


def test_a_footer_link_that_could_run_script_is_refused(tmp_path):
    with pytest.raises(ValueError, match="needs a 'text' and an 'href'"):
        Settings(data_dir=tmp_path, footer_links=[{"text": "x", "href": "javascript:alert(1)"}])


def test_every_template_table_scrolls_inside_a_region_named_by_its_caption():
    from pathlib import Path

    from tests.web.crawl import unscrolled_tables
    from web.deps import caption_text

    for template in (Path(__file__).parents[2] / "web" / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert text.count("<table") == text.count("{% call scrolling_table() %}<table"), template.name
    env = make_templates().env
    html = env.from_string('{% from "_tables.html" import scrolling_table %}{% call scrolling_table() %}<table>'
                           '<caption class="x">Plans  <span>by</span>\n team</caption></table>{% endcall %}'
                           '<table><caption>bare</caption></table>').render()
    assert '<div class="app-table-scroll" role="region" aria-label="Plans by team" tabindex="0">' in html
    assert unscrolled_tables(html) == 1, "the crawl's check finds the bare table"
    assert caption_text("<table></table>") == "Table"
