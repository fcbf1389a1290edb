"""The area's own identity on every page: service and organisation names, the logo and the footer's links.

A local area's service may be built with GOV.UK Frontend but must not wear GOV.UK's identity: no crown, no
GOV.UK logotype, no royal coat of arms, no "Crown copyright" and no link to gov.uk. So the header is GOV.UK
Frontend's generic header (for services not on GOV.UK) with the organisation's name and optional logo, and
the footer is our own markup in the footer's classes without the crown, licence or copyright the
`govukFooter` macro always draws. Everything comes from settings (EHCP_AUDIT_SERVICE_NAME and friends).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup

from audit.settings import Settings

LOGO_PATH = "/branding/logo"
LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
LOGO_MAX_BYTES = 200_000
# The pages every public-sector service has, linked from every page's footer (web/help_pages.py).
SERVICE_PAGES = [("Help and contact", "/help"), ("Accessibility statement", "/accessibility"),
                 ("Privacy notice", "/privacy"), ("Cookies", "/cookies")]


def logo(settings: Settings) -> tuple[bytes, str] | None:
    """The configured logo's bytes and media type, or None when none is set or it cannot be used."""
    path = settings.logo_file
    if path is None:
        return None
    path = Path(path)
    kind = LOGO_TYPES.get(path.suffix.lower())
    if kind is None or not path.is_file() or path.stat().st_size > LOGO_MAX_BYTES:
        return None
    return path.read_bytes(), kind


def footer_links(settings: Settings) -> list[dict[str, str]]:
    """The service's own pages first, then the area's extra links from settings."""
    return [{"text": text, "href": href} for text, href in SERVICE_PAGES] + [
        {"text": link["text"], "href": link["href"]} for link in settings.footer_links]


def service_header(env: Environment, settings: Settings) -> Markup:
    """The generic header (GOV.UK Frontend 6.3) naming the organisation, with its logo when one is set."""
    source = ('{% from "govuk_frontend_jinja/components/generic-header/macro.html" import govukGenericHeader %}'
              '{% set html %}{% if logo %}<img class="app-logo" src="' + LOGO_PATH + '" alt="{{ alt }}"> {% endif %}'
              '<span class="app-organisation">{{ name }}</span>{% endset %}'
              '{{ govukGenericHeader({"logoHtml": html, "url": "/"}) }}')
    alt = settings.logo_alt or settings.organisation_name
    # The alt text repeats the name beside it only when the logo carries it; an empty alt avoids it read twice.
    html = env.from_string(source).render(logo=logo(settings) is not None, alt="" if alt == settings.organisation_name
                                          else alt, name=settings.organisation_name)
    return Markup(html)  # nosec B704  # autoescaped template, settings only
