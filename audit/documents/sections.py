"""Splitting a plan into its sections A to K (H1 and H2), whatever the heading style of the area's template.

A block starts a section when it reads as that section's heading: "Section F: ...", "Section F", "F. Special
educational provision" (a capital letter and the section's title words), a heading-styled or bold line
holding a section's title ("Special educational provision"), or a phrase from the area's heading mapping
file (YAML: `headings: {F: ["How I will be helped"]}`, a phrase or `re:` and a regular expression).
Everything before the first heading (cover page, plan reference) is the preamble and belongs to no section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from audit.documents.reading import Block
from audit.errors import InputRejected, Problem

LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "H1", "H2", "I", "J", "K")
# Title words of each section (SEND Regulations 2014, reg 12), as templates write them.
TITLES: dict[str, tuple[str, ...]] = {
    "A": ("views, interests and aspirations", "views interests and aspirations", "all about me", "views"),
    "B": ("special educational needs", "educational needs", "sen"),
    "C": ("health needs",),
    "D": ("social care needs",),
    "E": ("outcomes",),
    "F": ("special educational provision", "educational provision", "provision to meet"),
    "G": ("health provision",),
    "H1": ("chronically sick", "section 2", "csdpa"),
    "H2": ("other social care provision", "any other social care provision"),
    "H": ("social care provision",),
    "I": ("placement", "name of school", "name and type", "school or other institution"),
    "J": ("personal budget",),
    "K": ("advice and information",),
}
_SECTION_WORD = re.compile(r"^(?:section|part)\s+(H\s?[12]|[A-K])\b\s*[:.\-–—)]?\s*(.*)$", re.IGNORECASE)
_LETTER_FIRST = re.compile(r"^(H[12]|[A-K])\s*[:.\-–—)]\s*(.+)$")
MIN_SECTIONS = 3


@dataclass
class Section:
    letter: str
    heading: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)

    def items(self) -> list[str]:
        """Provision, needs or outcomes one by one: table rows below a header row, else paragraphs."""
        rows = [b for b in self.blocks if b.cells]
        if rows:
            body = [b for b in rows if not _is_header_row(b.cells)]
            return [b.text for b in body if len(b.text.split()) >= 3]
        return [b.text for b in self.blocks if len(b.text.split()) >= 4 and not b.text.endswith(":")]


_HEADER_WORDS = re.compile(r"^(provision|what|who|how often|frequency|duration|need|needs|outcome|outcomes|"
                           r"by whom|delivered by|review|staffing|support|time ?frame|when|area of need)\b", re.I)


def _is_header_row(cells: tuple[str, ...]) -> bool:
    return sum(bool(_HEADER_WORDS.match(c)) for c in cells if c) >= max(2, len([c for c in cells if c]) - 1)


@dataclass(frozen=True)
class HeadingMap:
    """Extra heading phrases or patterns per section letter, from an area's heading mapping file."""

    patterns: dict[str, tuple[re.Pattern, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> HeadingMap:
        if path is None:
            return cls()
        from audit.rubrics.loading import read_yaml_file

        content = read_yaml_file(Path(path), "Heading mapping file")
        headings = content.get("headings") if isinstance(content, dict) else None
        problems = []
        if not isinstance(headings, dict):
            problems.append(Problem("it needs a 'headings' map of section letters to lists of phrases",
                                    file=Path(path).name, fix="see docs/documents.md for an example"))
            headings = {}
        patterns: dict[str, tuple[re.Pattern, ...]] = {}
        for letter, phrases in headings.items():
            letter = str(letter).upper().replace(" ", "")
            if letter not in LETTERS or not isinstance(phrases, list):
                problems.append(Problem(f"'{letter}' is not a section letter with a list of phrases",
                                        file=Path(path).name, fix=f"use one of {', '.join(LETTERS)}"))
                continue
            compiled = []
            for phrase in phrases:
                text = str(phrase)
                try:
                    compiled.append(re.compile(text[3:].strip() if text.startswith("re:") else
                                               r"^\W*" + re.escape(text.strip()), re.IGNORECASE))
                except re.error as err:
                    problems.append(Problem(f"'{text}' is not a valid pattern ({err})", file=Path(path).name,
                                            fix="correct the regular expression"))
            patterns[letter] = tuple(compiled)
        if problems:
            raise InputRejected(f"Heading mapping file {Path(path).name}", problems)
        return cls(patterns)


def _title_letter(title: str) -> str | None:
    lowered = title.lower()
    for letter in ("H1", "H2", "H", "G", "F", "E", "D", "C", "B", "A", "I", "J", "K"):
        if any(re.search(rf"\b{re.escape(t)}\b", lowered) for t in TITLES[letter]):
            return letter
    return None


def heading_letter(text: str, styled: bool, mapping: HeadingMap) -> str | None:
    """The section a block starts, or None when it is not a section heading."""
    if len(text) > 120:
        return None
    for letter, patterns in mapping.patterns.items():
        if any(p.search(text) for p in patterns):
            return letter
    if m := _SECTION_WORD.match(text):
        letter = m.group(1).upper().replace(" ", "")
        if letter == "H" and (titled := _title_letter(m.group(2))) in ("H1", "H2"):
            return titled
        return letter
    if (m := _LETTER_FIRST.match(text)) and len(text) < 90 and not text.rstrip().endswith("."):
        titled = _title_letter(m.group(2))
        letter = m.group(1)
        if titled == letter or (letter == "H" and titled in ("H1", "H2", "H")) or styled:
            return titled if letter == "H" and titled in ("H1", "H2") else letter
    if styled and len(text) < 80 and not text.endswith("."):
        return _title_letter(text)
    return None


def pdf_heading_test(mapping: HeadingMap) -> Callable[[str], bool]:
    """For PDF lines, which carry no styles: a line is a heading only by its words."""
    return lambda line: heading_letter(line, False, mapping) is not None


def split(blocks: list[Block], mapping: HeadingMap | None = None) -> dict[str, Section]:
    """The document's sections by letter, in order; a repeated heading continues its section."""
    mapping = mapping or HeadingMap()
    sections: dict[str, Section] = {}
    current: Section | None = None
    for block in blocks:
        letter = None if block.cells else heading_letter(block.text, block.heading, mapping)
        if letter is not None and (current is None or letter != current.letter):
            current = sections.setdefault(letter, Section(letter, block.text))
            continue
        if current is not None and letter is None:
            current.blocks.append(block)
    return sections


def require_sections(name: str, sections: dict[str, Section]) -> list[Problem]:
    """The problem with a document whose headings could not be recognised, if it is one."""
    if len(sections) >= MIN_SECTIONS:
        return []
    return [Problem(f"no recognisable section headings (found {len(sections)}: "
                    f"{', '.join(sections) or 'none'})", file=name,
                    fix="check it is an EHC plan, or give a heading mapping file for the area's template "
                        "(--headings)")]
