"""The XLSX workbook: one sheet per table, charts as images, numbers as numbers, no formula injection."""

from __future__ import annotations

from openpyxl import load_workbook

from audit.vocabulary import humanise
from reports.xlsx import pack_workbook, safe_text


def test_formula_like_text_is_escaped():
    assert [safe_text(t) for t in ["=1+1", "+44", "-3", "@SUM(A1)", "North", "<5"]] == [
        "'=1+1", "'+44", "'-3", "'@SUM(A1)", "North", "<5"]


def test_one_sheet_per_table_and_charts(board_pack_files):
    pack, paths = board_pack_files
    book = load_workbook(paths["xlsx"])
    keys = [t["key"] for s in pack["sections"] for t in s["tables"]]
    assert book.sheetnames == ["Contents", *[humanise(k)[:31] for k in keys], "Charts"]  # named in words
    assert len(book["Charts"]._images) == len(pack["charts"])


def test_cells_hold_numbers_and_suppressed_text_only(board_pack_files):
    pack, paths = board_pack_files
    book = load_workbook(paths["xlsx"])
    table = next(t for s in pack["sections"] for t in s["tables"] if t["key"] == "by_service")
    sheet = book["By service"]
    assert [c.value for c in sheet[2]] == [c["label"] for c in table["columns"]]
    for r, row in enumerate(table["rows"], start=3):
        for c, cell in enumerate(row["cells"], start=1):
            got = sheet.cell(r, c).value
            if cell["suppressed"]:
                assert got == cell["text"]
            elif table["columns"][c - 1]["kind"] == "count":
                assert got == cell["value"] and isinstance(got, int)


def test_a_hostile_group_name_is_not_a_formula():
    pack = {"title": "=cmd", "area": {"name": "A"}, "as_of": "2026-11-01", "generated_at": "now",
            "suppression_note": "n", "headline": ["-1 plans"], "charts": {},
            "sections": [{"tables": [{"key": "t", "title": "T", "columns": [{"label": "Team", "kind": "text"}],
                                      "rows": [{"cells": [{"text": "=HYPERLINK(\"x\")", "value": "=HYPERLINK(\"x\")",
                                                           "suppressed": False}]}]}]}]}
    import io

    book = load_workbook(io.BytesIO(pack_workbook(pack)))
    assert book["T"]["A3"].value.startswith("'=") and book["Contents"]["A1"].value == "'=cmd"
