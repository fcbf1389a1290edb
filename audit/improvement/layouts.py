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
This module knows nothing of the store: audit.improvement.files reads files and saves plans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.cells import text_problem
from audit.errors import Problem
from audit.improvement.milestones import DATE_FIX, MONTH_WORD, impossible_dates
from audit.improvement.scales import StatusScale
from audit.limits import DEFAULT_TEXT_CHARS
from audit.register.mapping import column_given_twice, column_letter

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
_AREA = re.compile(r"^area\s+([A-Za-z0-9][A-Za-z0-9.]*)\s*[:.\-–—]\s*(.+)$", re.I | re.S)
_NUMBERED = re.compile(r"^\s*(\d+|[ivxlc]+|[a-z])[.)]\s", re.I)
_SUPERSCRIPTS = str.maketrans("", "", "¹²³⁴⁵⁶⁷⁸⁹⁰")
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


@dataclass
class PlanTable:
    """A whole plan as a table: its areas, actions and how the file laid them out."""

    layout: str
    areas: list[tuple[str, str]]  # (reference, title) in order
    rows: list[ActionRow]
    options: dict  # header_rows, fields, periods, header ("once"/"per_area"), group cells, area headings


def normalise(heading: str) -> str:
    text = heading.translate(_SUPERSCRIPTS).replace("–", "-").replace("—", "-")
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


def _filled(row: list[str]) -> bool:
    return any(c for c in row)


def _trimmed(row: list[str]) -> list[str]:
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    return row[:end]


def _number(text: str, fallback: int) -> str:
    match = _NUMBERED.match(text)
    return match.group(1).lower() if match else str(fallback)


class _Parser:
    """State shared by both layouts' parsers: file name, scale and the problems found."""

    def __init__(self, layout: str, grid: list[list[str]], scale: StatusScale, file: str):
        self.layout, self.grid, self.scale, self.file = layout, grid, scale, file
        self.problems: list[Problem] = []
        self.fields: list[str | None] = []
        self.header_rows: list[list[str]] = []
        self.headings: list[str] = []  # the heading of each column, as written

    def problem(self, row: int | None, column: str | None, message: str, fix: str) -> None:
        self.problems.append(Problem(message, file=self.file, row=row, column=column, fix=fix))

    def read_header(self, index: int) -> int:
        """Resolve the header starting at grid[index]; returns how many rows it takes (1 or 2)."""
        first = self.grid[index]
        rows = [first]
        nxt = self.grid[index + 1] if index + 1 < len(self.grid) else []
        if self.layout == APP and nxt and not nxt[0] and _filled(nxt) and all(
                match_field(self.layout, c) in ("status", "rag") for c in nxt if c):
            rows.append(nxt)  # "SENDIB" above "Status" and "RAG rating"
        width = max(len(r) for r in rows)
        headings = [next((r[i] for r in reversed(rows) if i < len(r) and r[i]), "") for i in range(width)]
        fields: list[str | None] = []
        for position, heading in enumerate(headings):
            if not heading:
                fields.append(None)
                continue
            name = match_field(self.layout, heading)
            if name is None:
                known = ", ".join(WSOA_HEADER if self.layout == WSOA else [h for h in APP_HEADER[0] if h])
                self.problem(index + 1, heading, f"the heading '{heading}' is not a column of this layout",
                             f"use the {self.layout.upper()} columns ({known}) and nothing else")
            elif name in fields:  # the same check as every other import's header (audit.register.mapping)
                first = fields.index(name)
                target = name[7:] if name.startswith("period:") else f"'{self._canonical(name)}'"
                self.problems.append(column_given_twice(headings[first], first, heading, position, target,
                                                        self.file, index + 1))
            fields.append(name)
        for name in REQUIRED[self.layout]:
            if name not in fields:
                self.problem(index + 1, name, f"the {self.layout.upper()} column for '{ALIASES[self.layout][name][0]}' "
                             "is missing", f"add the column headed as in the source document, e.g. "
                             f"'{self._canonical(name)}'")
        self.fields, self.header_rows = fields, [list(r) + [""] * (width - len(r)) for r in rows]
        self.headings = headings
        return len(rows)

    def heading_of(self, name: str) -> str:
        """The column's heading as the file writes it (for problems), else the source documents' heading."""
        if name in self.fields and self.headings:
            return self.headings[self.fields.index(name)]
        return self._canonical(name)

    def _canonical(self, name: str) -> str:
        if self.layout == WSOA:
            return WSOA_HEADER[list(ALIASES[WSOA]).index(name)]
        return {"status": "Status", "rag": "RAG rating"}.get(name) or APP_HEADER[0][list(ALIASES[APP]).index(name)]

    def is_header(self, row: list[str]) -> bool:
        return bool(row) and bool(row[0]) and match_field(self.layout, row[0]) == ("finding" if self.layout == WSOA
                                                                                  else "ref")

    def cells(self, row: list[str]) -> dict[str, str]:
        return {name: (row[i] if i < len(row) else "") for i, name in enumerate(self.fields) if name}

    def status(self, text: str, row: int, column: str) -> str | None:
        if not text:
            return None
        status = self.scale.by_label(text)
        if status is None:
            self.problem(row, column, f"'{text}' is not a status on the {self.scale.title} scale",
                         f"use one of {', '.join(self.scale.labels())}")
            return None
        return status.key


def parse_table(layout: str, grid: list[list[str]], scale: StatusScale, file: str,
                max_chars: int = DEFAULT_TEXT_CHARS) -> tuple[PlanTable, list[Problem]]:
    """Read a plan in the given layout from rows of cell text; returns the table and every problem found.

    Every cell passes the check every import uses (audit.cells.text_problem: formulas, markup, control
    characters, length), and a milestone with an impossible date is refused rather than kept with no due date.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout}")
    parser = _Parser(layout, grid, scale, file)
    table = (_parse_wsoa if layout == WSOA else _parse_app)(parser)
    for r in table.rows:
        for name in MILESTONE_FIELDS:
            for written in impossible_dates(r.values.get(name, "")):
                parser.problem(r.row, parser.heading_of(name), f"'{written}' is not a date", DATE_FIX)
    parser.problems += _cell_problems(parser, max_chars)
    seen: dict[str, int] = {}
    for r in table.rows:
        if r.reference in seen:
            parser.problem(r.row, "Action", f"this action's reference {r.reference} is the same as row {seen[r.reference]}'s",
                           "number each action once within its " + ("sub finding" if layout == WSOA else "Ref"))
        seen.setdefault(r.reference, r.row)
    if not table.rows and not parser.problems:
        parser.problem(None, None, "the file has no actions", "add one row per action below the header")
    return table, sorted(parser.problems, key=lambda p: p.row or 0)  # reading order; no row (the file) first


def _cell_problems(p: _Parser, max_chars: int) -> list[Problem]:
    """Cells that would run as a formula, carry markup or control characters, or are too long."""
    problems = []
    for i, row in enumerate(p.grid):
        area_row = bool(row and row[0] and _AREA.match(row[0]) and not _filled(row[1:]))
        for position, text in enumerate(row):
            found = text_problem(text, max_chars) if text else None
            if found:
                heading = p.headings[position] if position < len(p.headings) and not area_row else ""
                problems.append(Problem(found[0], file=p.file, row=i + 1, column=heading or column_letter(position),
                                        fix=found[1]))
    return problems


def _parse_wsoa(p: _Parser) -> PlanTable:
    areas: list[tuple[str, str]] = []
    rows: list[ActionRow] = []
    headings: dict[str, str] = {}
    area: tuple[str, str] | None = None
    finding, finding_no, in_finding = "", "", 0
    headers, repeated_group, blank_group, header_on_top = 0, 0, 0, False
    i = 0
    while i < len(p.grid):
        cells, number = p.grid[i], i + 1
        if not _filled(cells):
            i += 1
            continue
        heading = _AREA.match(cells[0]) if cells[0] and not _filled(cells[1:]) else None
        if heading:
            ref, title = heading.group(1).rstrip("."), " ".join(heading.group(2).split())
            if any(ref == a[0] for a in areas):
                p.problem(number, None, f"area {ref} appears twice", "give each area of weakness its own number")
            area = (ref, title)
            areas.append(area)
            headings[ref] = cells[0]
            finding, in_finding = "", 0
            i += 1
            continue
        if p.is_header(cells):
            if headers and _trimmed(cells) != _trimmed(p.header_rows[0]):
                p.problem(number, None, "this header differs from the first one",
                          "use the same columns, with the same headings, in every area's table")
            elif not headers:
                p.read_header(i)
                header_on_top = area is None
            headers += 1
            i += 1
            continue
        if not headers:
            p.problem(number, None, "an action comes before the header row",
                      f"start the table with the header row ({', '.join(WSOA_HEADER)}, then the review months)")
            i += 1
            continue
        if area is None:
            p.problem(number, None, "an action comes before any area of weakness",
                      "put a row such as 'Area 1: The poor quality of EHC plans' above the area's actions")
            i += 1
            continue
        values = p.cells(cells)
        if values.get("finding"):
            if values["finding"] == finding and in_finding:
                repeated_group += 1
            else:
                finding = values["finding"]
                finding_no = _number(finding, len({r.values["finding"] for r in rows if r.area_ref == area[0]}) + 1)
                in_finding = 0
        elif not finding:
            p.problem(number, "Sub finding", "the first action of an area has no sub finding",
                      "write the sub finding on the first row of its group")
        elif in_finding:
            blank_group += 1
        in_finding += 1
        if not values.get("action"):
            p.problem(number, "Action to address finding", "the action is empty", "write the action, or delete the row")
        values["finding"] = finding
        periods = {}
        for name, text in list(values.items()):
            if name.startswith("period:"):
                key = p.status(text, number, name[7:])
                if key:
                    periods[name[7:]] = key
                del values[name]
        reference = f"{area[0]}.{finding_no}.{_number(values.get('action', ''), in_finding)}"
        rows.append(ActionRow(number, area[0], area[1], reference,
                              {f: values.get(f, "") for f in TEXT_FIELDS}, None, periods))
        i += 1
    options = {"header_rows": p.header_rows, "fields": p.fields,
               "periods": [f[7:] for f in p.fields if f and f.startswith("period:")],
               "header": "once" if headers == 1 and header_on_top else "per_area",
               "group_cells": "every" if repeated_group > blank_group else "first", "area_headings": headings}
    return PlanTable(WSOA, areas, rows, options)


def _parse_app(p: _Parser) -> PlanTable:
    areas: dict[str, str] = {}
    rows: list[ActionRow] = []
    ref, repeated_group, blank_group, seen_header = "", 0, 0, False
    i = 0
    while i < len(p.grid):
        cells, number = p.grid[i], i + 1
        if not _filled(cells):
            i += 1
            continue
        if p.is_header(cells) and not seen_header:
            i += p.read_header(i)
            seen_header = True
            continue
        if seen_header and _trimmed(cells) in [_trimmed(h) for h in p.header_rows]:
            i += 1  # a header repeated (as on each printed page) adds nothing
            continue
        if not seen_header:
            p.problem(number, None, "the first row is not the APP header",
                      "start the file with the header row: " + ", ".join(h for h in APP_HEADER[0] if h))
            return PlanTable(APP, [], [], {})
        values = p.cells(cells)
        row_ref, title = values.get("ref", "").rstrip("."), " ".join(values.get("area", "").split())
        if row_ref:
            if row_ref == ref and rows:
                repeated_group += 1
            ref = row_ref
        elif ref:
            blank_group += 1
        else:
            p.problem(number, "Ref", "the first action has no Ref", "write the area's reference number (1, 2, ...)")
        if ref and title and ref in areas and areas[ref] != title:
            p.problem(number, "Area of remaining weakness", f"Ref {ref} is '{areas[ref]}' above but '{title}' here",
                      "use one title for each Ref")
        if ref and ref not in areas:
            if not title:
                p.problem(number, "Area of remaining weakness", f"Ref {ref} has no area of weakness",
                          "write the area of remaining weakness on the Ref's first row")
            areas[ref] = title
        if not values.get("action"):
            p.problem(number, "Action", "the action is empty", "write the action, or delete the row")
        status = p.status(values.get("status", ""), number, "Status")
        rag = values.get("rag", "")
        if status:
            colour = p.scale.status(status).colour_label
            if rag.casefold() != colour.casefold():
                p.problem(number, "RAG rating", f"the RAG rating '{rag}' does not match the status "
                          f"'{p.scale.status(status).label}'", f"write {colour}, the colour of that status")
        elif rag and not values.get("status"):
            p.problem(number, "RAG rating", "a RAG rating is given without a status",
                      f"write the status ({', '.join(p.scale.labels())}) or clear the RAG rating")
        in_area = sum(1 for r in rows if r.area_ref == ref) + 1
        rows.append(ActionRow(number, ref, areas.get(ref, ""), f"{ref}.{_number(values.get('action', ''), in_area)}",
                              {f: values.get(f, "") for f in TEXT_FIELDS}, status))
        i += 1
    if not seen_header:
        p.problem(1, None, "the file has no APP header row",
                  "start the file with the header row: " + ", ".join(h for h in APP_HEADER[0] if h))
    options = {"header_rows": p.header_rows, "fields": p.fields,
               "group_cells": "first" if blank_group > repeated_group else "every"}
    return PlanTable(APP, list(areas.items()), rows, options)
