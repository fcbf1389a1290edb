"""The two action-plan tables of the source documents, read from and written to a grid of cells.

- **WSoA** (Written Statement of Action, 2018): one table per area of weakness, each under a row
  "Area 1: <title>", with the columns Sub finding | Action to address finding | Lead person | Evidence of
  success | Target date | Evidence of progress | <review month, e.g. "Sept 2018"> ... The sub finding is
  written on the first row of its group only; each review-month column holds that month's BRAG status.
- **APP** (Accelerated Progress Plan, 2021): Ref | Area of remaining weakness | Action | Lead (Governance) |
  Progress ... | Evidence – Output ... | Action Milestone | Evidence – Impact ... | Impact Milestone |
  SENDIB Status | RAG rating, with "SENDIB" written above Status and RAG rating in a second header row.

Parsing collects every problem (row, column, fix) and keeps how the file was laid out (headings as written,
repeated headers, group cells left blank) so that writing the plan back gives the same rows and columns.
This module holds the layouts' headings and shapes; audit.improvement.layout_reading parses a grid of cells
into them. Neither knows anything of the store: audit.improvement.files reads files and saves plans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.improvement.milestones import MONTH_WORD

WSOA, APP = "wsoa", "app"
LAYOUTS = (WSOA, APP)
WSOA_HEADER = ["Sub finding", "Action to address finding", "Lead person", "Evidence of success", "Target date",
               "Evidence of progress"]
APP_HEADER = [
    ["Ref", "Area of remaining weakness", "Action", "Lead (Governance)",
     "Progress Indicate if Complete & signed off by the SENDIB", "Evidence – Output (completion of actions)",
     "Action Milestone", "Evidence – Impact (Demonstrated through case studies, qualitative and quantitative "
     "feedback). Evaluation of impact tools to be co-produced.", "Impact Milestone", "SENDIB", ""],
    ["", "", "", "", "", "", "", "", "", "Status", "RAG rating"],
]
# Field -> headings people write (normalised); the longest heading that starts a column's heading wins.
ALIASES = {
    WSOA: {"finding": ["sub finding", "finding"], "action": ["action to address finding", "action"],
           "lead": ["lead person", "lead"], "output_evidence": ["evidence of success"],
           "action_milestone": ["target date", "target"], "progress": ["evidence of progress"]},
    APP: {"ref": ["ref", "reference"], "area": ["area of remaining weakness", "area of weakness"],
          "action": ["action"], "lead": ["lead"], "progress": ["progress"],
          "output_evidence": ["evidence - output", "evidence of output"], "action_milestone": ["action milestone"],
          "impact_evidence": ["evidence - impact", "evidence of impact"], "impact_milestone": ["impact milestone"],
          "status": ["status"], "rag": ["rag rating", "rag"]},
}
REQUIRED = {WSOA: list(ALIASES[WSOA]), APP: list(ALIASES[APP])}
TEXT_FIELDS = ("finding", "action", "lead", "progress", "output_evidence", "action_milestone", "impact_evidence",
               "impact_milestone")
_PERIOD = re.compile(rf"^{MONTH_WORD}\s+(\d{{4}}|\d{{2}})$", re.I)
AREA_ROW = re.compile(r"^area\s+([A-Za-z0-9][A-Za-z0-9.]*)\s*[:.\-–—]\s*(.+)$", re.I | re.S)
_NUMBERED = re.compile(r"^\s*(\d+|[ivxlc]+|[a-z])[.)]\s", re.I)
_SUPERSCRIPTS = str.maketrans("", "", "¹²³⁴⁵⁶⁷⁸⁹⁰*†‡§")
_MARKS = re.compile(r"\[\d+\]|\(\d+\)$")
# A line under a table that is a footnote, not an action: "¹ Evidence ...", "* see ...", "[2] ...", "Note: ..."
FOOTNOTE = re.compile(r"^\s*(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\*+|†|‡|§|\[\d+\]|notes?\s*[:.\-–]|footnotes?\b|key\s*:|source\s*:)",
                       re.I)
# "30 Feb 2027", "31st April 2027": only checked for days the month does not have (the month gives the due date).
MILESTONE_FIELDS = ("action_milestone", "impact_milestone")


@dataclass
class ActionRow:
    """One action as the table gives it, with the spreadsheet row it came from."""

    row: int
    area_ref: str
    area_title: str
    reference: str
    values: dict[str, str]  # TEXT_FIELDS
    status: str | None = None  # status key on the scale (the APP status column)
    periods: dict[str, str] = field(default_factory=dict)  # WSoA review column -> status key
    status_sources: dict[str, str] = field(default_factory=dict)  # column -> "word", "colour" or "fill" (not a label)


@dataclass
class PlanTable:
    """A whole plan as a table: its areas, actions and how the file laid them out."""

    layout: str
    areas: list[tuple[str, str]]  # (reference, title) in order
    rows: list[ActionRow]
    options: dict  # header_rows, fields, periods, header ("once"/"per_area"), group cells, area headings
    notes: list[str] = field(default_factory=list)  # rows skipped or joined, and why (shown before storing)
    people: dict[str, str] = field(default_factory=dict)  # initials -> designation, when the file carries the list


def normalise(heading: str) -> str:
    text = _MARKS.sub(" ", heading.translate(_SUPERSCRIPTS)).replace("–", "-").replace("—", "-")
    return " ".join(text.split()).casefold()


def match_field(layout: str, heading: str) -> str | None:
    """The field a heading names, or 'period:<heading>' for a WSoA review month; None if unknown."""
    key = normalise(heading)
    if layout == WSOA and _PERIOD.match(key):
        return f"period:{' '.join(heading.split())}"
    best, length = None, 0
    for name, aliases in ALIASES[layout].items():
        for alias in aliases:
            if (key == alias or key.startswith((alias + " ", alias + "("))) and len(alias) > length:
                best, length = name, len(alias)
    return best


def filled(row: list[str]) -> bool:
    return any(c for c in row)


def trimmed(row: list[str]) -> list[str]:
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def numbered(text: str, fallback: int) -> str:
    match = _NUMBERED.match(text)
    return match.group(1).lower() if match else str(fallback)
