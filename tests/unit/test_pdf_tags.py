"""Every PDF the product writes is tagged (PDF/UA-1): structure, language, title, figures with alt text (issue 18).

The board pack's sections are laid out apart and joined (reports.pdf_tags), so the joined file is checked
too: one structure tree holding every part's headings, each page's marked content found through it, the page
stamp an artifact, and nothing of GOV.UK's identity ("Crown copyright").
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from reports.pdf import html_to_pdf, join_pdfs

pytestmark = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs poppler-utils (make test installs it)")

PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4//8/AwAI/AL+p5qgoAAAAABJRU5Er"
       "kJggg==")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def info(data: bytes, tmp_path, *flags: str) -> str:
    path = tmp_path / f"doc-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(data)
    return run("pdfinfo", *flags, str(path))


def page(title: str, heading: str) -> str:
    return (f'<html lang="en-GB"><head><title>{title}</title></head><body><h1>{heading}</h1><p>Words of {heading}.</p>'
            f'<img src="{PNG}" alt="Chart of {heading}"></body></html>')


def test_a_pdf_is_tagged_with_its_language_title_and_figure_alternatives(tmp_path):
    data = html_to_pdf(page("Feedback for plan P-001", "Plan P-001"))
    text = info(data, tmp_path)
    assert re.search(r"Tagged:\s+yes", text) and re.search(r"Title:\s+Feedback for plan P-001", text)
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert catalog["/Lang"] == "en-GB" and catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert "Chart of Plan P-001" in structure_alts(data)


def structure_alts(data: bytes) -> list[str]:
    """Every /Alt of the document's structure elements."""
    found, seen = [], set()
    stack = [PdfReader(io.BytesIO(data)).trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if "/Alt" in node:
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if hasattr(kid, "keys") and "/S" in kid:
                stack.append(kid)
    return found


def test_parts_joined_keep_one_structure_tree_over_every_page_and_the_stamp_is_an_artifact(tmp_path):
    parts = [html_to_pdf(page("Board pack", name)) for name in ("Contents", "Timeliness", "Actions")]
    stamp = html_to_pdf('<html lang="en-GB"><head><title>s</title><style>h1 { break-before: page }</style></head><body>'
                        + "".join(f"<h1>Page {n} of 3</h1>" for n in (1, 2, 3)) + "</body></html>")
    joined = join_pdfs("SEND board pack: Cycle 1", parts, stamp)
    text = info(joined, tmp_path)
    assert re.search(r"Tagged:\s+yes", text) and re.search(r"Title:\s+SEND board pack: Cycle 1", text)
    assert re.search(r"Pages:\s+3", text)
    tree = info(joined, tmp_path, "-struct-text")
    for name in ("Contents", "Timeliness", "Actions"):  # every part's headings, in order, read from the one tree
        assert f'"{name}"' in tree, tree
    assert tree.index('"Contents"') < tree.index('"Timeliness"') < tree.index('"Actions"')
    assert "Page 1 of 3" not in tree, "the stamp is page furniture, not content"
    assert structure_alts(joined) == ["Chart of Actions", "Chart of Timeliness", "Chart of Contents"] or \
        sorted(structure_alts(joined)) == ["Chart of Actions", "Chart of Contents", "Chart of Timeliness"]
    reader = PdfReader(io.BytesIO(joined))
    keys = [p["/StructParents"] for p in reader.pages]
    assert len(set(keys)) == 3, "each page finds its marked content through its own parent tree entry"
    pages = {p.indirect_reference.idnum for p in reader.pages}
    tree_root = reader.trailer["/Root"]["/StructTreeRoot"]
    assert tree_root["/ParentTreeNextKey"] > max(keys)
    for n, p in enumerate(reader.pages, 1):
        assert f"Page {n} of 3" in p.extract_text(), "the stamp is still drawn on every page"
    assert all(e.raw_get("/Pg").idnum in pages for e in elements(tree_root) if "/Pg" in e)


def elements(root):
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if hasattr(kid, "keys") and "/S" in kid:
                out.append(kid)
                stack.append(kid)
    return out


@pytest.fixture(scope="module")
def pack_pdfs(board_pack_files):
    folder = board_pack_files[1]["pdf"].parent
    return sorted(folder.rglob("*.pdf"))


def test_every_board_pack_pdf_is_tagged_titled_and_free_of_crown_copyright(pack_pdfs, board_pack_files):
    assert pack_pdfs, "the fixture wrote the board pack"
    for path in pack_pdfs:
        text = run("pdfinfo", str(path))
        assert re.search(r"Tagged:\s+yes", text), path.name
        assert re.search(r"Title:\s+\S", text), path.name
        assert PdfReader(path).trailer["/Root"]["/Lang"] == "en-GB"
        words = run("pdftotext", str(path), "-")
        assert "crown copyright" not in words.lower() and "gov.uk" not in words.lower(), path.name
    tree = run("pdfinfo", "-struct-text", str(board_pack_files[1]["pdf"]))
    assert '"Timeliness"' in tree and "Figure" in tree, "the sections' headings and the charts are in the tree"
