"""Reading a grid of cells as a WSoA or an APP table, as boards keep them (issue 25): per-area headers that differ
only in footnote marks or line breaks, a header repeated at a page break (skipped), footnote lines under a table
(skipped, with a note), a header written over two rows (joined), statuses from words, colour names or the cells'
fill colours mapped through the plan's status scale. Every problem names its row and column, with the fix.
"""

from __future__ import annotations

from audit.cells import text_problem
from audit.errors import Problem
from audit.improvement.layouts import (
    ALIASES,
    APP,
    APP_HEADER,
    AREA_ROW,
    FOOTNOTE,
    LAYOUTS,
    MILESTONE_FIELDS,
    REQUIRED,
    TEXT_FIELDS,
    WSOA,
    WSOA_HEADER,
    ActionRow,
    PlanTable,
    filled,
    match_field,
    numbered,
    trimmed,
)
from audit.improvement.milestones import DATE_FIX, impossible_dates
from audit.improvement.scales import StatusScale
from audit.improvement.status_words import accepted_words, by_colour, by_word, fill_colour
from audit.limits import DEFAULT_TEXT_CHARS
from audit.register.mapping import column_given_twice, column_letter


class _Parser:
    """State shared by both layouts' parsers: file name, scale and the problems found."""

    def __init__(self, layout: str, grid: list[list[str]], scale: StatusScale, file: str,
                 fills: dict[tuple[int, int], str] | None = None):
        self.layout, self.grid, self.scale, self.file = layout, grid, scale, file
        self.fills = fills or {}  # (row index, column index) -> fill colour (RGB hex) of a shaded cell
        self.problems: list[Problem] = []
        self.notes: list[str] = []
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
        if self.layout == APP and nxt and not nxt[0] and filled(nxt) and all(
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
                self.problem(index + 1, self._canonical(name),
                             f"the {self.layout.upper()} column for '{ALIASES[self.layout][name][0]}' is missing",
                             f"add the column headed as in the source document, e.g. '{self._canonical(name)}'")
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

    def header_fields(self, row: list[str]) -> list[str | None] | None:
        """The fields of a row whose every cell is a heading of this layout, starting with the first; else None."""
        if not self.is_header(row):
            return None
        names = [match_field(self.layout, c) if c else None for c in row]
        return None if any(c and n is None for c, n in zip(row, names, strict=True)) else names

    def join_split_header(self, i: int) -> bool:
        """Rows i and i+1 as one header written over two rows (a pasted Word table): joined in place."""
        if i + 1 >= len(self.grid) or self.header_fields(self.grid[i]) is not None:
            return False
        first, second = self.grid[i], self.grid[i + 1]
        width = max(len(first), len(second))
        joined = []
        for k in range(width):
            upper, lower = first[k] if k < len(first) else "", second[k] if k < len(second) else ""
            both = " ".join(x for x in (upper, lower) if x)
            # "Sub" over "finding" is one heading; "BRAG rating" spread over "Sept 2018 | Dec 2018" is a label
            # above the review months, which are the headings.
            period = (match_field(self.layout, lower) or "").startswith("period:")
            joined.append(lower if period and not match_field(self.layout, both) else both)
        if self.header_fields(joined) is None:
            return False
        self.grid[i], self.grid[i + 1] = joined, [""] * len(second)
        self.notes.append(f"Rows {i + 1} and {i + 2} are one header written over two rows; they were read as one.")
        return True

    def same_header(self, row: list[str]) -> bool:
        """A header naming the same columns as the first (footnote marks and line breaks aside)."""
        names = self.header_fields(row)
        return names is not None and trimmed(names) == trimmed(self.fields)

    def header_difference(self, row: list[str], number: int) -> None:
        names = [match_field(self.layout, c) if c else None for c in row]
        at = next((k for k in range(max(len(names), len(self.fields)))
                   if (names[k] if k < len(names) else None) != (self.fields[k] if k < len(self.fields) else None)),
                  0)
        written = row[at] if at < len(row) and row[at] else column_letter(at)
        self.problem(number, written, "this header names other columns than the first one (column "
                     f"{column_letter(at)})", "use the same columns, in the same order, in every area's table")

    def footnote(self, row: list[str], number: int) -> bool:
        """A footnote line under a table ("¹ ...", "* ...", "Note: ..."): skipped, with a note."""
        filled = [c for c in row if c]
        if len(filled) != 1 or not FOOTNOTE.match(filled[0]):
            return False
        text = " ".join(filled[0].split())
        self.notes.append(f"Row {number} is a footnote, not an action ('{text[:60]}'); it was skipped.")
        return True

    def position(self, name: str) -> int | None:
        return self.fields.index(name) if name in self.fields else None

    def cells(self, row: list[str]) -> dict[str, str]:
        return {name: (row[i] if i < len(row) else "") for i, name in enumerate(self.fields) if name}

    def status(self, text: str, row: int, column: str, position: int | None = None) -> str | None:
        """The status a cell gives by its label, a word, a colour name or (left blank) its fill colour."""
        if text:
            status = by_word(self.scale, text)
            if status is None:
                self.problem(row, column, f"'{text}' is not a status on the {self.scale.title} scale",
                             f"write {accepted_words(self.scale)}")
            return status.key if status else None
        fill = self.fills.get((row - 1, position)) if position is not None else None
        if not fill:
            return None
        colour = fill_colour(fill)
        status = by_colour(self.scale, colour) if colour else None
        if colour == "white":
            return None
        if status is None:
            shade = colour or f"#{fill[-6:].upper()}"
            self.problem(row, column, f"the cell is shaded {shade}, which is not a colour of the {self.scale.title} "
                         "scale", f"write the status in the cell, or shade it "
                         f"{', '.join(f'{s.colour} ({s.label})' for s in self.scale.statuses)}")
            return None
        self.notes.append(f"Row {row}, column '{column}': no status written; the cell's {colour} shading was read "
                          f"as '{status.label}'.")
        return status.key


def parse_table(layout: str, grid: list[list[str]], scale: StatusScale, file: str,
                max_chars: int = DEFAULT_TEXT_CHARS,
                fills: dict[tuple[int, int], str] | None = None) -> tuple[PlanTable, list[Problem]]:
    """Read a plan in the given layout from rows of cell text; returns the table and every problem found.

    Every cell passes the check every import uses (audit.cells.text_problem: formulas, markup, control
    characters, length), and a milestone with an impossible date is refused rather than kept with no due date.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout}")
    parser = _Parser(layout, [list(r) for r in grid], scale, file, fills)
    table = (_parse_wsoa if layout == WSOA else _parse_app)(parser)
    table.notes = parser.notes
    for r in table.rows:
        for name in MILESTONE_FIELDS:
            for written in impossible_dates(r.values.get(name, "")):
                parser.problem(r.row, parser.heading_of(name), f"'{written}' is not a date", DATE_FIX)
    parser.problems += _cell_problems(parser, max_chars)
    seen: dict[str, int] = {}
    for r in table.rows:
        if r.reference in seen:
            parser.problem(r.row, parser.heading_of("action"),
                           f"this action's reference {r.reference} is the same as row {seen[r.reference]}'s",
                           "number each action once within its " + ("sub finding" if layout == WSOA else "Ref"))
        seen.setdefault(r.reference, r.row)
    if not table.rows and not parser.problems:
        parser.problem(None, None, "the file has no actions", "add one row per action below the header")
    return table, sorted(parser.problems, key=lambda p: p.row or 0)  # reading order; no row (the file) first


def _cell_problems(p: _Parser, max_chars: int) -> list[Problem]:
    """Cells that would run as a formula, carry markup or control characters, or are too long."""
    problems = []
    for i, row in enumerate(p.grid):
        area_row = bool(row and row[0] and AREA_ROW.match(row[0]) and not filled(row[1:]))
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
        p.join_split_header(i)
        cells, number = p.grid[i], i + 1
        if not filled(cells) or p.footnote(cells, number):
            i += 1
            continue
        heading = AREA_ROW.match(cells[0]) if cells[0] and not filled(cells[1:]) else None
        if heading:
            ref, title = heading.group(1).rstrip("."), " ".join(heading.group(2).split())
            if any(ref == a[0] for a in areas):
                p.problem(number, cells[0], f"area {ref} appears twice", "give each area of weakness its own number")
            area = (ref, title)
            areas.append(area)
            headings[ref] = cells[0]
            finding, in_finding = "", 0
            i += 1
            continue
        if p.is_header(cells):
            if not headers:
                p.read_header(i)
                header_on_top = area is None
                headers += 1
            elif not p.same_header(cells):
                p.header_difference(cells, number)
            elif in_finding:  # the header again in the middle of an area's table: a page break
                p.notes.append(f"Row {number} repeats the header (a page break); it was skipped.")
            else:
                headers += 1
            i += 1
            continue
        if not headers:
            p.problem(number, cells[0] or column_letter(0), "an action comes before the header row",
                      f"start the table with the header row ({', '.join(WSOA_HEADER)}, then the review months)")
            i += 1
            continue
        if area is None:
            p.problem(number, p.heading_of("finding"), "an action comes before any area of weakness",
                      "put a row such as 'Area 1: The poor quality of EHC plans' above the area's actions")
            i += 1
            continue
        values = p.cells(cells)
        if values.get("finding"):
            if values["finding"] == finding and in_finding:
                repeated_group += 1
            else:
                finding = values["finding"]
                finding_no = numbered(finding, len({r.values["finding"] for r in rows if r.area_ref == area[0]}) + 1)
                in_finding = 0
        elif not finding:
            p.problem(number, p.heading_of("finding"), "the first action of an area has no sub finding",
                      "write the sub finding on the first row of its group")
        elif in_finding:
            blank_group += 1
        in_finding += 1
        if not values.get("action"):
            p.problem(number, p.heading_of("action"), "the action is empty", "write the action, or delete the row")
        values["finding"] = finding
        periods = {}
        for name, text in list(values.items()):
            if name.startswith("period:"):
                key = p.status(text, number, name[7:], p.position(name))
                if key:
                    periods[name[7:]] = key
                del values[name]
        reference = f"{area[0]}.{finding_no}.{numbered(values.get('action', ''), in_finding)}"
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
        if not seen_header:
            p.join_split_header(i)
        cells, number = p.grid[i], i + 1
        if not filled(cells) or p.footnote(cells, number):
            i += 1
            continue
        if p.is_header(cells) and not seen_header:
            i += p.read_header(i)
            seen_header = True
            continue
        if seen_header and (trimmed(cells) in [trimmed(h) for h in p.header_rows] or p.same_header(cells)
                            or _second_header_row(p, cells)):
            i += 1  # a header repeated (as on each printed page) adds nothing
            continue
        if not seen_header:
            p.problem(number, cells[0] or column_letter(0), "the first row is not the APP header",
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
            p.problem(number, p.heading_of("ref"), "the first action has no Ref",
                      "write the area's reference number (1, 2, ...)")
        if ref and title and ref in areas and areas[ref] != title:
            p.problem(number, p.heading_of("area"), f"Ref {ref} is '{areas[ref]}' above but '{title}' here",
                      "use one title for each Ref")
        if ref and ref not in areas:
            if not title:
                p.problem(number, p.heading_of("area"), f"Ref {ref} has no area of weakness",
                          "write the area of remaining weakness on the Ref's first row")
            areas[ref] = title
        if not values.get("action"):
            p.problem(number, p.heading_of("action"), "the action is empty", "write the action, or delete the row")
        rows.append(ActionRow(number, ref, areas.get(ref, ""), "", {f: values.get(f, "") for f in TEXT_FIELDS},
                              _app_status(p, values, number)))
        in_area = sum(1 for r in rows if r.area_ref == ref)
        rows[-1].reference = f"{ref}.{numbered(values.get('action', ''), in_area)}"
        i += 1
    if not seen_header:
        p.problem(1, column_letter(0), "the file has no APP header row",
                  "start the file with the header row: " + ", ".join(h for h in APP_HEADER[0] if h))
    options = {"header_rows": p.header_rows, "fields": p.fields,
               "group_cells": "first" if blank_group > repeated_group else "every"}
    return PlanTable(APP, list(areas.items()), rows, options)


def _second_header_row(p: _Parser, cells: list[str]) -> bool:
    """'Status | RAG rating' under 'SENDIB', repeated at a page break."""
    return not cells[0] and all(match_field(APP, c) in ("status", "rag") for c in cells if c)


def _app_status(p: _Parser, values: dict[str, str], number: int) -> str | None:
    """The SENDIB status from the Status column, else from the RAG rating (a colour name or the cell's shading);
    when both are given they must agree (a blank, unshaded RAG rating takes the status's colour)."""
    text, rag = values.get("status", ""), values.get("rag", "")
    status = p.status(text, number, p.heading_of("status"), p.position("status"))
    before = len(p.problems)
    from_rag = p.status(rag, number, p.heading_of("rag"), p.position("rag"))
    if text and not status:
        del p.problems[before:]  # the status cell is already refused; its RAG rating adds nothing
        return None
    if status and (rag or from_rag) and from_rag != status and len(p.problems) == before:
        colour = p.scale.status(status).colour_label
        p.problem(number, p.heading_of("rag"), f"the RAG rating '{rag}' does not match the status "
                  f"'{p.scale.status(status).label}'", f"write {colour}, the colour of that status")
    return status or from_rag
