"""The board pack as PDF: its sections laid out side by side on every core, then joined and numbered.

WeasyPrint lays a document out on one core, and the pack's tables make the PDF by far its slowest format
(about 2 ms of layout per table cell). Every section starts on a new page, so each section is laid out as its
own document in a worker process (reports.pdf.html_to_pdfs). The front page (title, headline, contents) is
rendered once the sections' page counts are known, so the contents give the right page numbers; pypdf joins
the parts and stamps the running header and "Page n of m" on every page from one more small document.
The bookmarks (PDF outline) come from each part's headings; the contents list is text, not links.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter

from reports.pack import render_html, render_pages
from reports.pdf import html_to_pdfs


def packs_to_pdf(packs: list[dict]) -> list[bytes]:
    """Each pack as one PDF; every pack's sections are rendered in one pool, so five packs share the cores."""
    jobs = [(i, section["id"]) for i, pack in enumerate(packs) for section in pack["sections"]]
    parts = dict(zip(jobs, html_to_pdfs([render_html(packs[i], for_pdf=True, part=part) for i, part in jobs])))
    counts = {job: len(PdfReader(io.BytesIO(pdf)).pages) for job, pdf in parts.items()}
    fronts = html_to_pdfs([_front(i, pack, counts, first_page=2) for i, pack in enumerate(packs)])
    # A front page that runs to more pages moves every section on: render it again with the right numbers.
    lengths = [len(PdfReader(io.BytesIO(front)).pages) for front in fronts]
    again = [i for i, n in enumerate(lengths) if n != 1]
    for i, front in zip(again, html_to_pdfs([_front(i, packs[i], counts, lengths[i] + 1) for i in again])):
        fronts[i] = front
    totals = [lengths[i] + sum(counts[(i, s["id"])] for s in pack["sections"]) for i, pack in enumerate(packs)]
    stamps = html_to_pdfs([render_pages(pack, total) for pack, total in zip(packs, totals)])
    return [_join(pack, [fronts[i], *(parts[(i, s["id"])] for s in pack["sections"])], stamps[i])
            for i, pack in enumerate(packs)]


def _front(index: int, pack: dict, counts: dict, first_page: int) -> str:
    pages, page = {}, first_page
    for section in pack["sections"]:
        pages[section["id"]] = page
        page += counts[(index, section["id"])]
    return render_html(pack, for_pdf=True, part="front", pages=pages)


def _join(pack: dict, parts: list[bytes], stamp: bytes) -> bytes:
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    for page, numbers in zip(writer.pages, PdfReader(io.BytesIO(stamp)).pages):
        page.merge_page(numbers)
    writer.add_metadata({"/Title": pack["title"], "/Creator": "ehcp-audit"})
    writer.compress_identical_objects()  # one copy of the fonts and images the parts share
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
