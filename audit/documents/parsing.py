"""From an accepted file to its sections: read the blocks (DOCX or PDF), split them by the headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from audit.documents.intake import Incoming
from audit.documents.reading import Block, pdf_text, read_docx, read_pdf_text
from audit.documents.sections import HeadingMap, Section, pdf_heading_test, require_sections, split
from audit.errors import Problem

# "Plan reference: DEMO-ABC12345", "EHCP ref DEMO-...", "Plan number: ..." on a plan's cover page.
REFERENCE_LINE = re.compile(r"\b(?:plan|ehcp|ehc plan)\s*(?:ref(?:erence)?|no\.?|number|id)\s*[:#]?\s*"
                            r"([A-Za-z0-9][A-Za-z0-9\-_/]{2,40})", re.IGNORECASE)


@dataclass
class ParsedDocument:
    name: str
    kind: str
    blocks: list[Block]
    sections: dict[str, Section]

    def stated_reference(self) -> str | None:
        """The plan reference the document states about itself, if any, from its first lines."""
        for block in self.blocks[:40]:
            if m := REFERENCE_LINE.search(block.text):
                return m.group(1)
        return None


def read_blocks(incoming: Incoming, mapping: HeadingMap) -> list[Block]:
    if incoming.kind == "docx":
        return read_docx(incoming.data)
    text = incoming.text if incoming.text is not None else pdf_text(incoming.data)
    return read_pdf_text(text, pdf_heading_test(mapping))


def parse(incoming: Incoming, mapping: HeadingMap | None = None) -> tuple[ParsedDocument | None, list[Problem]]:
    """The document's sections, or why it cannot be split (named by file)."""
    mapping = mapping or HeadingMap()
    try:
        blocks = read_blocks(incoming, mapping)
    except Exception as err:  # a malformed file from outside: say so, by name, rather than crash the import
        return None, [Problem(f"the document cannot be read ({type(err).__name__})", file=incoming.name,
                              fix="open it and save it again, or export it again")]
    sections = split(blocks, mapping)
    problems = require_sections(incoming.name, sections)
    return (None if problems else ParsedDocument(incoming.name, incoming.kind, blocks, sections)), problems
