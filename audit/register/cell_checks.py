"""A table's cells checked column by column: each distinct value read once, problems kept where they are.

A 100,000-plan register repeats a few thousand dates and a few dozen codes in every column. Reading each
distinct value once and looking the others up keeps a whole-file check to C-speed lookups, and every
problem still names its row, column and fix. The caller sorts problems into reading order (row by row,
left to right) with the `order` each one carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from audit.errors import Problem
from audit.register.mapping import Table, heading_key
from audit.register.table_files import cell_text


class BadCell(ValueError):
    """A cell that cannot be read; carries the message and the fix for the Problem."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message = message
        self.fix = fix


_BLANK = object()  # what `ColumnRule.read` returns for an empty cell


@dataclass(frozen=True)
class ColumnRule:
    """How one column is read: its parser (None = text), whether it must be filled, its blank value."""

    column: str
    parser: Callable[[Any], Any] | None = None
    required: bool = False
    blank: Any = None
    words: dict[str, str] | None = None  # a mapping file's export word -> our word, by heading_key
    fix_suffix: str = ""  # added to a bad cell's fix (e.g. "or map the word in the mapping file")
    check: Callable[[str], tuple[str, str] | None] | None = None  # a text column's (message, fix) or None


    def read(self, cell: Any) -> Any:
        """The cell's value, `_BLANK`, or the BadCell saying why it cannot be read (returned, not raised)."""
        if self.words and not isinstance(cell, date):
            cell = self.words.get(heading_key(cell_text(cell)), cell)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return _BLANK
        if self.parser is None:
            text = cell_text(cell)
            problem = self.check(text) if self.check else None
            return text if problem is None else BadCell(*problem)
        try:
            return self.parser(cell)
        except BadCell as bad:
            return bad


@dataclass
class Checked:
    """Parsed values by column (one per data row), the rows where a column could not be read, and problems."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    failed: dict[str, set[int]] = field(default_factory=dict)
    problems: list[tuple[tuple, Problem]] = field(default_factory=list)  # (order, problem)


def check_columns(table: Table, rules: list[ColumnRule]) -> Checked:
    """Read every rule's column of `table`; problems are ordered (row index, 0, column position)."""
    out = Checked()
    for position, rule in enumerate(rules):
        column = table.columns[table.index[rule.column]]
        outcome = np.empty(len(column.cells) + 1, dtype=object)  # the last slot: a row with no cell
        special: dict[int, Any] = {}  # codes of cells that are blank or unreadable
        cells = [*column.cells, None]
        if rule.parser is None and not rule.words and rule.check is None:  # plain unchecked text
            read = [c.strip() or _BLANK if type(c) is str else rule.read(c) for c in cells]
        else:
            read = [rule.read(c) for c in cells]
        for code, value in enumerate(read):
            if value is _BLANK or isinstance(value, BadCell):
                special[code] = value
                value = rule.blank
            outcome[code] = value
        out.values[rule.column] = outcome[column.codes].tolist()
        if any(v is not _BLANK or rule.required for v in special.values()):
            _report(out, table, rule, position, column.codes, special)
    return out


def _report(out: Checked, table: Table, rule: ColumnRule, position: int, codes: np.ndarray, special: dict) -> None:
    """Problems for the rows whose cell is unreadable (or blank in a required column)."""
    failed = out.failed.setdefault(rule.column, set())
    shown = table.display[rule.column]
    last = len(table.columns[table.index[rule.column]].cells)
    wanted = [c for c, v in special.items() if v is not _BLANK or rule.required]
    rows = np.flatnonzero(np.isin(np.where(codes < 0, last, codes), wanted))
    for i in rows.tolist():
        value = special[last if codes[i] < 0 else int(codes[i])]
        number = table.numbers[i]
        if value is _BLANK:
            out.problems.append(((i, 0, position), Problem(
                f"is empty; every plan needs a {rule.column}", table.file, number, shown, "fill in the value")))
            continue
        failed.add(i)
        out.problems.append(((i, 0, position), Problem(value.message, table.file, number, shown,
                                                       value.fix + rule.fix_suffix)))
