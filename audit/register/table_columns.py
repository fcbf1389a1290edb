"""A file's data as factorised columns: per column, each row's code into the column's distinct cells.

A 100,000-row register holds a few thousand distinct values per column. Holding codes (numpy) and the
distinct cells lets the checks parse each distinct cell once and find blank or bad rows with numpy,
instead of looping over three million cells in Python.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    """codes[i] indexes `cells` for data row i; -1 means no cell (a short row)."""

    codes: np.ndarray
    cells: list[Any]

    def values(self) -> list[Any]:
        """The column's cells, one per row (None where a row had no cell)."""
        lookup = np.empty(len(self.cells) + 1, dtype=object)
        lookup[:-1] = self.cells
        return lookup[self.codes].tolist()  # code -1 takes the last slot: None

    def take(self, keep: np.ndarray) -> Column:
        return Column(self.codes[keep], self.cells)


def factorise(cells: Any) -> Column:
    """Codes and distinct cells; cells of different types never merge (1, 1.0 and True are equal in Python)."""
    array = np.empty(len(cells), dtype=object)
    array[:] = cells
    if pd.api.types.infer_dtype(array, skipna=True) in ("string", "empty"):  # text (None = no cell)
        codes, uniques = pd.factorize(array)
        return Column(codes.astype(np.int64), list(uniques))
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault((type(c), c), len(index)) if c is not None else -1 for c in array),
                        dtype=np.int64, count=len(array))
    return Column(codes, [c for _, c in index])


def blank_cells(column: Column) -> np.ndarray:
    """True for each row whose cell is missing, empty or only spaces."""
    blank = np.array([c is None or (isinstance(c, str) and not c.strip()) for c in column.cells] + [True], dtype=bool)
    return blank[column.codes]


def csv_columns(text: str) -> tuple[list[Any], list[Column], int] | None:
    """(header cells, data columns, data rows) from CSV text with pandas' C reader; None when pandas cannot
    read it the way the csv module does (rows longer than the header, NUL bytes), so the caller falls back."""
    if "\x00" in text:
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=object, na_filter=False, skip_blank_lines=False,
                            engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    header = frame.iloc[0].tolist() if len(frame) else []
    return header, [factorise(frame[c].to_numpy()[1:]) for c in frame.columns], len(frame) - 1


def row_columns(rows: list[list[Any]], width: int) -> tuple[list[Column], np.ndarray]:
    """Data columns from rows (a spreadsheet, or CSV the pandas reader refused), and which rows are blank.

    A row is blank only if every cell in it is, including cells beyond the header's width.
    """
    blank = np.fromiter((_blank_row(r) for r in rows), dtype=bool, count=len(rows))
    padded = [r[:width] if len(r) >= width else list(r) + [None] * (width - len(r)) for r in rows]
    columns = list(zip(*padded)) if padded else [()] * width
    return [factorise(c) for c in columns], blank


def _blank_row(cells: list[Any]) -> bool:
    try:  # a CSV row is all text: one join tells whether anything but spaces is in it
        return not "".join(cells).strip()
    except TypeError:  # a spreadsheet row holds numbers, dates and empty (None) cells too
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_csv_text(text: str) -> list[list[str]]:
    """Rows with the csv module (the fallback reader); raises csv.Error."""
    return list(csv.reader(io.StringIO(text, newline="")))
