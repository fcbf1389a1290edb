"""HTML to an A4 PDF with WeasyPrint: page numbers, a contents list with page numbers, unbroken table rows.

The page rules live in the pack template (`for_pdf=True`): `@page` A4 margins, "Page n of m" in the
bottom margin (its font set inside `@page`, since margin boxes do not inherit the body's), `thead`
repeated on every page, `break-inside: avoid` on rows and charts, each section on a new page.
"""

from __future__ import annotations

import logging


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML document (images as data URIs) to PDF bytes."""
    from weasyprint import HTML  # imported here: it loads pango, which only PDF output needs

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return HTML(string=html, base_url=".").write_pdf()
