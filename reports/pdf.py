"""HTML to an A4 PDF with WeasyPrint: page numbers, a contents list with page numbers, unbroken table rows.

The page rules live in the pack template (`for_pdf=True`): `@page` A4 margins, "Page n of m" in the
bottom margin (its font set inside `@page`, since margin boxes do not inherit the body's), `thead`
repeated on every page, `break-inside: avoid` on rows and charts, each section on a new page.

WeasyPrint lays out on one core, so several documents are rendered side by side in the worker processes
of reports.workers: `start_pdfs` hands them over and returns at once with a future for each. `join_pdfs`
puts parts laid out separately together (pypdf), in a worker too.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from concurrent.futures import Future
from functools import cache

from reports import workers
from reports.pack_charts import ChartJob, ChartNotDrawn, chart_fetcher

# PDF/UA-1 (ISO 14289-1): WeasyPrint tags the structure, sets the language and title and embeds the fonts.
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML document (images as data URIs) to a tagged PDF."""
    return html_to_pdf_pages(html)[0]


def html_to_pdf_pages(html: str, tagged: bool = True, charts_from: str | None = None,
                      charts: dict[str, ChartJob] | None = None) -> tuple[bytes, int]:
    """The PDF and its number of pages (WeasyPrint knows it; reading the PDF back to count costs more).

    Tagged for PDF/UA (headings, tables, figures with the images' alt text, the language of the HTML's
    `lang` and the title of its `<title>`), so screen readers can navigate it; `tagged=False` only for the
    page stamps that reports.pdf_tags lays over tagged pages as artifacts. `charts_from`: the folder the HTML's
    `chart:KEY` images are put in while this lays out, by the process that built the pack and by this worker
    (`charts`: one nobody has taken when the layout needs it, reports.pack_charts)."""
    from weasyprint.urls import FatalURLFetchingError

    from reports.weasy import HTML  # imported here: it loads pango, which only PDF output needs

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    options = {}
    if charts_from is not None:
        options["url_fetcher"] = chart_fetcher(charts_from, charts)
    try:
        document = HTML(string=html, base_url=".", **options).render(font_config=_font_config())
    except FatalURLFetchingError as error:  # a BaseException, WeasyPrint's; the chart's own error is its cause
        raise ChartNotDrawn(str(error.__cause__ or error)) from None
    return document.write_pdf(pdf_variant=PDF_VARIANT if tagged else None), len(document.pages)


def prepare_worker() -> None:
    """A board pack worker's first step (reports.workers.warm_up): WeasyPrint with its fonts set up, and
    matplotlib for the charts, imported once before its first job; the garbage collector set for its
    allocation-heavy layouts (reports.heap; a worker forked from the command has it already)."""
    from reports import weasy  # noqa: F401
    from reports.charts import load_matplotlib
    from reports.heap import collect_less_often

    collect_less_often()

    load_matplotlib()

    _font_config()


@cache
def _font_config():
    """One font configuration per process: WeasyPrint otherwise sets up fontconfig and Pango again for every
    document (about 5% of the pack's layout time, which is a dozen documents per pack). It only gathers
    @font-face rules, and the templates have none."""
    from weasyprint.text.fonts import FontConfiguration  # after reports.weasy loaded WeasyPrint (prepare_worker)

    return FontConfiguration()


def start_pdfs(documents: Iterable[str], tagged: bool = True, charts_from: str | None = None,
               charts: dict[str, ChartJob] | None = None) -> list[Future[tuple[bytes, int]]]:
    """Start rendering documents in the worker processes, in the order given; each future gives a PDF and
    its number of pages.

    Each document is handed over as soon as it is taken from `documents`, so a generator of HTML keeps the
    workers busy while the rest is rendered to HTML."""
    return [workers.submit(html_to_pdf_pages, html, tagged, charts_from, charts) for html in documents]


def join_pdfs(title: str, parts: list[bytes], stamp: bytes) -> bytes:
    """The parts as one tagged PDF, each page overlaid with the same page of `stamp` (running header, page numbers)
    marked as an artifact (reports.pdf_tags).

    Here rather than in reports.pack_pdf so a worker process that joins imports only these light modules."""
    from reports.pdf_tags import join_tagged  # pypdf: only the worker that joins loads it

    writer = join_tagged(title, parts, stamp)
    writer.compress_identical_objects()  # one copy of the fonts and images the parts share
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
