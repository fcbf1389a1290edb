"""The board pack as an XLSX workbook: a contents sheet, one sheet per table, one sheet of charts.

Cells hold numbers where the pack shows numbers and the pack's text where it shows words ("<5",
"no data"); a suppressed number is never written. Text that a spreadsheet would read as a formula
(starting with = + - @, or a tab or carriage return) is prefixed with an apostrophe by audit.cells, the one
escape every export uses.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from audit.cells import escape_formula as safe_text
from audit.vocabulary import humanise
from audit.words import day, moment

_BAD_SHEET_CHARS = re.compile(r"[\[\]\*\?/\\:]")


def pack_workbook(pack: dict) -> bytes:
    """The workbook as bytes."""
    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    contents.append([safe_text(pack["title"])])
    contents["A1"].font = Font(bold=True, size=14)
    dates = f"as of {day(pack['as_of'])} · generated {moment(pack['generated_at'])}"
    contents.append([safe_text(f"{pack['area']['name']} · {dates}")])
    if "status" in pack:  # the paper's status and audience (issue 19), as on the cover
        contents.append([safe_text(pack["status"]["banner"])])
        contents.append([safe_text(pack["cover"]["audience_note"])])
    contents.append([safe_text(pack["suppression_note"])])
    for line in pack["headline"]:
        contents.append([safe_text(line)])
    contents.append([])
    contents.append(["Sheet", "Table"])
    contents.cell(contents.max_row, 1).font = contents.cell(contents.max_row, 2).font = Font(bold=True)
    used: set[str] = {"Contents", "Charts"}
    for section in pack["sections"]:
        for table in section["tables"]:
            name = _sheet_name(table["key"], used)
            _table_sheet(book.create_sheet(name), table, pack["suppression_note"])
            contents.append([name, safe_text(table["title"])])
    contents.column_dimensions["A"].width = 28
    contents.column_dimensions["B"].width = 90
    _charts_sheet(book.create_sheet("Charts"), pack["charts"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _table_sheet(sheet, table: dict, footnote: str) -> None:
    sheet.append([safe_text(table["title"])])
    sheet["A1"].font = Font(bold=True)
    sheet.append([safe_text(c["label"]) for c in table["columns"]])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        sheet.append([_value(cell, column["kind"]) for cell, column in zip(row["cells"], table["columns"])])
    sheet.append([])
    sheet.append([safe_text(footnote)])
    sheet.freeze_panes = "A3"
    for i, column in enumerate(table["columns"], start=1):
        wide = column["label"] == "Definition"
        sheet.column_dimensions[get_column_letter(i)].width = 80 if wide else max(12, min(45, len(column["label"]) + 4))
        if wide:
            for (cell,) in sheet.iter_rows(min_row=3, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _value(cell: dict, kind: str):
    """The stored number when the pack shows one; otherwise the text the pack shows."""
    value = cell["value"]
    if cell["suppressed"] or value is None:
        return safe_text(cell["text"])
    if kind == "count":
        return int(value)
    if kind == "percent":
        return round(float(value), 1)
    if kind == "interval":
        return safe_text(cell["text"])
    return safe_text(cell["text"])  # text: the words shown, never the code behind them


def _charts_sheet(sheet, charts: dict) -> None:
    row = 1
    for chart in charts.values():
        sheet.cell(row, 1, safe_text(chart["title"])).font = Font(bold=True)
        image = Image(io.BytesIO(chart["png"]))
        scale = 720 / image.width  # about 19 cm wide on screen
        image.width, image.height = int(image.width * scale), int(image.height * scale)
        sheet.add_image(image, f"A{row + 1}")
        row += int(image.height / 20) + 4


def _sheet_name(key: str, used: set[str]) -> str:
    """The table's key in words ('by_service' -> 'By service'), at most 31 characters, unique in the book."""
    base = _BAD_SHEET_CHARS.sub(" ", humanise(key))[:31]
    name, n = base, 2
    while name in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name
