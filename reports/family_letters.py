"""Printable letters for family survey links (issue 21): one A4 page per link, with the short address, the code
to type, and a QR code of the full link (segno, drawn as inline SVG so the HTML and the PDF need no files)."""

from __future__ import annotations

from pathlib import Path

import segno
from markupsafe import Markup

from audit.family.links import AUDIENCE_LABELS, IssuedLink
from audit.words import day
from reports.templating import env


def qr_svg(url: str) -> Markup:
    """The link as a QR code (error correction M, which survives a crease or a smudge), as inline SVG."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=4, title="QR code for your survey link")
    return Markup(svg)  # nosec B704  # segno's own SVG of our URL; no user text inside


def letters_html(links: list[IssuedLink], base_url: str) -> str:
    base = base_url.rstrip("/")
    letters = [{"audience": AUDIENCE_LABELS[link.audience], "young": link.audience == "young_person",
                "plan_ref": link.plan_ref, "code": link.code, "short_address": f"{base}/survey",
                "expires": day(link.expires_at.date()), "qr": qr_svg(f"{base}/survey/{link.token}")}
               for link in links]
    return env.get_template("family_letters.html.jinja").render(letters=letters)


def write_letters(links: list[IssuedLink], base_url: str, out: Path) -> Path:
    """Letters as .html or .pdf (the existing PDF writer), by the file's suffix; readable by its owner only."""
    html = letters_html(links, base_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    if out.suffix.lower() == ".pdf":
        from reports.pdf import html_to_pdf

        out.write_bytes(html_to_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    return out
