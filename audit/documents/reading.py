"""Reading a plan document's text, in order, as blocks: paragraphs (with whether they look like a heading)
and table rows (their cells). DOCX through python-docx; PDF through pypdf's text layer only."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import docx
from pypdf import PdfReader


@dataclass(frozen=True)
class Block:
    """A paragraph or a table row; `heading` when styled as a heading or set wholly in bold."""

    text: str
    heading: bool = False
    cells: tuple[str, ...] = field(default_factory=tuple)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFF = {"0", "false", "off"}


def _text(element) -> str:
    """A paragraph's or cell's text: its runs' text, tabs and breaks as spaces."""
    parts = []
    for node in element.iter(W + "t", W + "tab", W + "br"):
        parts.append(node.text or "" if node.tag == W + "t" else " ")
    return _clean("".join(parts))


def _bold(run) -> bool:
    b = run.find(f"{W}rPr/{W}b")
    return b is not None and b.get(W + "val", "true").lower() not in _OFF


def _paragraph_block(p, style_names: dict[str, str]) -> Block | None:
    text = _text(p)
    if not text:
        return None
    style = p.find(f"{W}pPr/{W}pStyle")
    name = style_names.get(style.get(W + "val", ""), "") if style is not None else ""
    runs = [r for r in p.iter(W + "r") if any((t.text or "").strip() for t in r.iter(W + "t"))]
    bold = bool(runs) and all(_bold(r) for r in runs)
    return Block(text, heading=name.lower().startswith(("heading", "title")) or (bold and len(text) < 120))


def _table_blocks(table) -> list[Block]:
    blocks = []
    for row in table.iter(W + "tr"):
        cells: list[str] = []
        for cell in row.findall(W + "tc"):
            text = _text(cell)
            if not cells or cells[-1] != text:
                cells.append(text)
        if any(cells):
            blocks.append(Block(" | ".join(c for c in cells if c), cells=tuple(cells)))
    return blocks


def read_docx(data: bytes) -> list[Block]:
    """Every paragraph and table row of a Word document, in the order they appear.

    python-docx opens the package; the body is then walked as XML, which is several times faster than
    python-docx's paragraph and style objects (docs/documents.md, the benchmark)."""
    document = docx.Document(io.BytesIO(data))
    style_names = {}
    for style in document.styles.element.iter(W + "style"):
        name = style.find(W + "name")
        style_names[style.get(W + "styleId", "")] = name.get(W + "val", "") if name is not None else ""
    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        if child.tag == W + "p":
            block = _paragraph_block(child, style_names)
            if block:
                blocks.append(block)
        elif child.tag == W + "tbl":
            blocks.extend(_table_blocks(child))
    return blocks


_ENDS_SENTENCE = re.compile(r"[.!?:;\"”')]$")


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page by page ('' when it has none)."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def read_pdf_text(text: str, is_heading) -> list[Block]:
    """Lines of a PDF's text joined back into paragraphs; `is_heading(line)` keeps headings on their own."""
    blocks: list[Block] = []
    current: list[str] = []

    def close() -> None:
        if current:
            blocks.append(Block(_clean(" ".join(current))))
            current.clear()

    for raw in text.splitlines():
        line = _clean(raw)
        if not line:
            close()
            continue
        if is_heading(line):
            close()
            blocks.append(Block(line, heading=True))
            continue
        if re.match(r"^([-•*▪]|\d+[.)])\s", line):  # a list item starts a new paragraph
            close()
        current.append(line)
        if _ENDS_SENTENCE.search(line):
            close()
    close()
    return blocks
