"""The PDF pack: an A4 document with page numbers and a contents list, rows never split, suppression shown."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (make test installs it)")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def parts_pdf(board_pack_files, tmp_path_factory):
    """The same pack laid out in parts on the workers, joined and stamped (how a big pack with idle workers is)."""
    from unittest import mock

    from reports import pack_pdf
    from reports.pack_files import write_pack

    with mock.patch.object(pack_pdf, "whole_packs", return_value=False):
        return write_pack(board_pack_files[0], tmp_path_factory.mktemp("parts"))["pdf"]


@pytest.fixture(scope="module")
def beside_pdf(board_store, tmp_path_factory):
    """The same pack with its charts drawn beside the layout, by the worker and this process (`ehcp-audit
    board-pack`, reports.pack_charts)."""
    from tests_board_data import write_board_pack

    return write_board_pack(board_store, folder=tmp_path_factory.mktemp("beside"), draw_charts=False)[1]["pdf"]


@pytest.fixture(scope="module", params=["whole", "in parts", "charts drawn beside"])
def pdf(request, board_pack_files):
    """The pack's PDF every way it is laid out (reports.pack_pdf): as one document (a worker per pack, or a pack too
    small to split, as this one), in parts, and whole with its charts drawn while it is laid out."""
    if request.param == "whole":
        return board_pack_files[1]["pdf"]
    return request.getfixturevalue({"in parts": "parts_pdf", "charts drawn beside": "beside_pdf"}[request.param])


def test_both_layouts_give_the_same_pages(parts_pdf, board_pack_files):
    from pypdf import PdfReader

    whole, parts = PdfReader(board_pack_files[1]["pdf"]), PdfReader(parts_pdf)
    assert len(parts.pages) == len(whole.pages)
    for reader in (whole, parts):
        assert "/StructTreeRoot" in reader.trailer["/Root"], "tagged for screen readers"
    assert _titles(parts.outline) == _titles(whole.outline), "the same bookmarks"
    assert any("Timeliness" in title for title in _titles(whole.outline))


def test_charts_drawn_beside_the_layout_give_the_same_document(beside_pdf, board_pack_files):
    from pypdf import PdfReader

    whole, beside = PdfReader(board_pack_files[1]["pdf"]), PdfReader(beside_pdf)
    assert len(beside.pages) == len(whole.pages)
    assert _titles(beside.outline) == _titles(whole.outline)
    assert _images(beside) == _images(whole) > 0, "every chart in its place, the same size"


def _images(reader) -> int:
    return sum(1 for page in reader.pages for image in page.images if image.image.width > 100)


def _titles(outline: list) -> list[str]:
    """Bookmark titles in order; pypdf gives a nested list for the bookmarks under a bookmark."""
    return [t for item in outline for t in (_titles(item) if isinstance(item, list) else [item.title])]


def test_it_is_an_a4_document_of_several_pages(pdf):
    info = run("pdfinfo", str(pdf))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 5


def test_every_page_is_numbered_and_the_contents_give_page_numbers(pdf):
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in run("pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-")
    # The cover paper (at most two pages) comes first, then the contents.
    first = next(text for text in (run("pdftotext", "-f", str(p), "-l", str(p), "-layout", str(pdf), "-")
                                   for p in (1, 2, 3)) if "Contents" in text)
    timeliness_page = int(re.search(r"Timeliness\s*\.*\s*(\d+)", first).group(1))
    text = run("pdftotext", "-f", str(timeliness_page), "-l", str(timeliness_page), str(pdf), "-")
    assert "Timeliness\nOver the whole register" in text  # the section's heading is on the page listed


def test_suppression_is_applied_and_said(pdf):
    text = " ".join(run("pdftotext", "-layout", str(pdf), "-").split())
    assert "<5" in text and text.count("Small numbers: a group of fewer than 5 plans") == 1  # said once


def test_no_table_row_is_cut_across_pages(pdf, board_pack_files):
    pack = board_pack_files[0]
    # Every row of the PDF's tables whose first cell is a few words long (the list of actions is in the workbook).
    rows = [row for s in pack["sections"] for t in s["tables"] if not t.get("workbook_only") for row in t["rows"]
            if len(row["cells"][0]["text"].split()) >= 4]
    assert len(rows) > 20
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))
    texts = [" ".join(run("pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-").split()) for p in range(1, pages + 1)]
    for row in rows:
        words = row["cells"][0]["text"].split()
        # A wrapped cell interleaves with its neighbours in extracted text, so compare its two ends.
        start, end = " ".join(words[:3]), " ".join(words[-2:])
        assert any(start in page and end in page for page in texts), f"row split across pages: {start} ... {end}"


def test_pages_render_to_images(pdf, tmp_path):
    run("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page"))
    assert len(list(tmp_path.glob("page-*.png"))) == 2
