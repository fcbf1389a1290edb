"""A figure of the inspection pack: the text of one cell of an evidence table (or a table's row count), with the
workbook sheet and cell it sits in, so every figure a paragraph quotes can be traced (reports/inspection.py)."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

FIRST_DATA_ROW = 3  # reports/xlsx.py: title, headings, then the rows


def cell_figure(table: dict, row: int, column: str) -> dict:
    """The figure in a table's row and column, with the workbook sheet and cell it is in."""
    j = [c["key"] for c in table["columns"]].index(column)
    cell = table["rows"][row]["cells"][j]
    return {"text": cell["text"], "value": None if cell["suppressed"] else cell["value"], "table": table["key"],
            "column": column, "row": row, "sheet": table.get("sheet", ""),
            "cell": f"{get_column_letter(j + 1)}{FIRST_DATA_ROW + row}"}


def rows_figure(table: dict) -> dict:
    """How many rows a table has, with the workbook rows they fill."""
    n = len(table["rows"])
    return {"text": str(n), "value": n, "table": table["key"], "column": "rows", "row": None,
            "sheet": table.get("sheet", ""), "rows": (FIRST_DATA_ROW, FIRST_DATA_ROW + n - 1)}
