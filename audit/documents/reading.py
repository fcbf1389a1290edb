"""Reading a plan document's text, in order, as blocks: paragraphs (with whether they look like a heading)
and table rows (their cells). DOCX through python-docx; PDF through pypdf's text layer only."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader


@dataclass(frozen=True)
class Block:
    """A paragraph or a table row; `heading` when styled as a heading or set wholly in bold."""

    text: str
    heading: bool = False
    cells: tuple[str, ...] = field(default_factory=tuple)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _paragraph_block(paragraph: Paragraph) -> Block | None:
    text = _clean(paragraph.text)
    if not text:
        return None
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    runs = [r for r in paragraph.runs if r.text.strip()]
    bold = bool(runs) and all(r.bold for r in runs)
    return Block(text, heading=style.startswith(("Heading", "Title")) or (bold and len(text) < 120))


def _table_blocks(table: Table) -> list[Block]:
    blocks = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:  # merged cells repeat: keep each text once per row
            text = _clean(cell.text)
            if not cells or cells[-1] != text:
                cells.append(text)
        if any(cells):
            blocks.append(Block(" | ".join(c for c in cells if c), cells=tuple(cells)))
    return blocks


def read_docx(data: bytes) -> list[Block]:
    """Every paragraph and table row of a Word document, in the order they appear."""
    document = docx.Document(io.BytesIO(data))
    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            block = _paragraph_block(Paragraph(child, document))
            if block:
                blocks.append(block)
        elif tag == "tbl":
            blocks.extend(_table_blocks(Table(child, document)))
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
