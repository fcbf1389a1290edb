"""Table files read and written: a CSV or XLSX file as a header and factorised columns (workbook formulas
refused, the active sheet read, encodings named), and rows written back with formula cells escaped."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from audit.cells import escape_formula
from audit.errors import InputRejected, Problem
from audit.register.table_columns import Column, blank_cells, csv_columns, read_csv_text, row_columns
from audit.text_files import read_text

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def read_grid(path: Path, what: str) -> list[list[Any]]:
    """Every row of a CSV file or of a workbook's first sheet, cells as read; unreadable files raise InputRejected."""
    path = Path(path)

    def reject(message: str, fix: str | None = None) -> InputRejected:
        return InputRejected(what, [Problem(message, file=path.name, fix=fix)])

    if readable_suffix(path, reject) != ".csv":
        return _xlsx_rows(path, reject)
    try:
        return read_csv_text(_csv_text(path, what))
    except csv.Error as exc:
        raise reject(f"the file is not a readable CSV ({exc})", "save it again as CSV from your spreadsheet program") from None


def readable_suffix(path: Path, reject) -> str:
    """The file's lower-case suffix, once it is known to exist and to be a kind we read."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise reject(f"'{suffix or 'no extension'}' files cannot be read",
                     "save the file as CSV (.csv) or Excel workbook (.xlsx)")
    if not path.is_file():
        raise reject("the file does not exist", "check the path and file name")
    return suffix


def _csv_text(path: Path, what: str) -> str:
    return read_text(path, what)  # UTF-8 or cp1252; UTF-16, workbooks and binary data refused by name


def read_csv_file(path: Path, what: str, reject) -> tuple[list[Any], list[Column], np.ndarray]:
    text = _csv_text(path, what)
    fast = csv_columns(text)  # pandas' C reader; the csv module reads what it refuses
    if fast is not None:
        header, columns, _ = fast
        blank = np.logical_and.reduce([blank_cells(c) for c in columns]) if columns else np.zeros(0, bool)
        return header, columns, blank
    try:
        raw = read_csv_text(text)
    except csv.Error as exc:
        raise reject(f"the file is not a readable CSV ({exc})", "save it again as CSV from your spreadsheet program") from None
    return _split(raw)


def _split(raw: list[list[Any]]) -> tuple[list[Any], list[Column], np.ndarray]:
    header = raw[0] if raw else []
    columns, blank = row_columns(raw[1:], len(header))
    return header, columns, blank


def read_xlsx_file(path: Path, reject) -> tuple[list[Any], list[Column], np.ndarray]:
    return _split(_xlsx_rows(path, reject))


def _xlsx_rows(path: Path, reject) -> list[list[Any]]:
    # calamine gives a formula's cached result (or nothing), so a workbook with formulas goes to openpyxl,
    # which reads them as their text and the checks refuse them by name.
    rows = None if _has_formulas(path) else _calamine_rows(path)
    # python-calamine missing or unable: openpyxl reads it (ten times slower) or says why not
    return rows if rows is not None else _openpyxl_rows(path, reject)


def _openpyxl_rows(path: Path, reject) -> list[list[Any]]:
    import openpyxl  # imported here: CSV-only callers should not pay for it

    try:
        # Formulas are read as their text ("=..."), never as a cached result: they are refused, not trusted.
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged file
        raise reject("the file is not a readable Excel workbook",
                     "open it in Excel and save it again as .xlsx, or export it as CSV") from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    except Exception:
        raise reject("the workbook's first sheet cannot be read",
                     "open it in Excel and save it again as .xlsx, or export it as CSV") from None
    finally:
        workbook.close()


def _calamine_rows(path: Path) -> list[list[Any]] | None:
    """The active sheet's rows read by python-calamine (Rust); empty cells as None, as openpyxl gives them."""
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(min(_active_tab(path), len(workbook.sheet_names) - 1))
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:
        return None
    return [[None if c == "" else c for c in row] for row in rows]


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet holds a formula (an <f> element), read in chunks: the XML may be large."""
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not (member.startswith("xl/worksheets/") and member.endswith(".xml")):
                    continue
                with archive.open(member) as sheet:
                    tail = b""
                    while chunk := sheet.read(1 << 20):
                        if _FORMULA_TAG.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, KeyError):
        return True  # damaged: let openpyxl say so clearly
    return False


def _active_tab(path: Path) -> int:
    """The sheet the workbook was saved on (what openpyxl calls `active`), from xl/workbook.xml."""
    with zipfile.ZipFile(path) as archive:
        head = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    found = re.search(r'<(?:\w+:)?workbookView\b[^>]*\bactiveTab="(\d+)"', head)
    return int(found.group(1)) if found else 0


def filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def cell_text(cell: Any) -> str:
    """A cell as trimmed text; spreadsheet numbers like 7.0 read as '7', date cells as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time(0) else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def write_table(rows: Any, path: Path, columns: list[str]) -> None:
    """Write dicts (or a DataFrame, or models) as CSV or XLSX by extension: our headings, ISO dates, yes/no."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(f"cannot write '{suffix}': use .csv or .xlsx")
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        rows = rows.to_dict("records")
    records = [r if isinstance(r, dict) else r.model_dump() for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for record in records:
                writer.writerow([escape_formula(_out_text(_plain(record.get(c)))) for c in columns])
        return

    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(columns)
    for record in records:
        cells = []
        for column in columns:
            value = _plain(record.get(column))
            if isinstance(value, date):
                # A real date cell, shown as YYYY-MM-DD, as an area's own workbook would hold it.
                cell = WriteOnlyCell(sheet, value=value if not isinstance(value, datetime) else value.date())
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(escape_formula(_out_text(value)))
        sheet.append(cells)
    workbook.save(path)


def _plain(value: Any) -> Any:
    """Turn pandas/numpy scalars and missing markers (NaN, NaT) into plain Python values."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, date)):
        value = value.item()  # a numpy scalar
    if isinstance(value, (float, datetime)) and value != value:  # NaN and NaT are not equal to themselves
        return None
    if isinstance(value, datetime):
        return value.date()
    return value


def _out_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return value
