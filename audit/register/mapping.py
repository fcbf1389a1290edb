"""Tables in and out: reading a CSV or XLSX file, through an optional mapping file, into our columns.

A mapping file lets an area import its case-management export as it is: it maps the export's
headings to ours and the export's words to our codes. Both the register and the auditors import
read (and write) their files here, so the rules (header row = row 1, blank rows skipped, extra
columns ignored with a warning) are the same everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from audit.errors import InputRejected, Problem
from audit.limits import DEFAULT_YAML_BYTES, Limits, check_file_size, check_row_count
from audit.register.table_columns import Column
from audit.register.table_files import cell_text, filled, read_csv_file, read_xlsx_file, readable_suffix
from audit.text_files import TEXT_FIX, YAML_ENCODINGS, read_text


def heading_key(text: str) -> str:
    """How headings and mapped words are compared: surrounding space and case do not matter."""
    return " ".join(text.split()).casefold()


@dataclass
class Mapping:
    """A parsed mapping file: export heading -> our column, and per column export word -> our word."""

    name: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # heading_key(export heading) -> our column
    headings: dict[str, str] = field(default_factory=dict)  # our column -> export heading as written
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # our column -> {heading_key(word): ours}


def load_mapping(
    path: Path,
    known_columns: list[str],
    check_value: Callable[[str, str], str | None] | None = None,
    max_bytes: int = DEFAULT_YAML_BYTES,
) -> Mapping:
    """Read and validate a mapping file; raise InputRejected naming the mapping file."""
    path = Path(path)
    name = path.name
    what = f"Mapping file {name}"

    def reject(message: str, fix: str | None = None) -> InputRejected:
        return InputRejected(what, [Problem(message, file=name, fix=fix)])

    check_file_size(path, what, max_bytes, "EHCP_AUDIT_MAX_YAML_BYTES")
    if not path.is_file():
        raise reject("the file does not exist", "check the path to the mapping file")
    text = read_text(path, what, encodings=YAML_ENCODINGS, fix=TEXT_FIX)
    try:
        # BaseLoader keeps every scalar a string, so `Yes:` or `07:` stay the words the export uses.
        data = yaml.load(text, Loader=NoAliasLoader)  # nosec B506  # a BaseLoader: every value stays a string
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" near line {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or ""
        if "alias" in reason:
            raise reject(f"the file uses YAML aliases (*name){where}", "write each value out in full") from None
        if "appears twice" in reason:  # a heading or word listed twice: YAML would silently keep the last
            again = f", and again at line {mark.line + 1}" if mark is not None else ""
            raise reject(f"{reason}{again}", "list each heading (or word) once") from None
        raise reject(f"this is not valid YAML{where}", "check indentation and quote headings that contain ':'") from None

    structure_fix = "see docs/formats.md, 'Mapping file': a 'columns:' and/or 'values:' section"
    if data in (None, ""):
        raise reject("the file is empty", structure_fix)
    if not isinstance(data, dict):
        raise reject("the file must be a set of sections, not a list or a single value", structure_fix)

    problems: list[Problem] = []

    def problem(message: str, fix: str | None = None) -> None:
        problems.append(Problem(message, file=name, fix=fix))

    def column_fix(target: str) -> str:
        close = difflib.get_close_matches(target, known_columns, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"{hint}use one of: {', '.join(known_columns)}"

    for key in data:
        if key not in ("columns", "values"):
            problem(f"unknown section '{key}'", "the sections are 'columns' and 'values'")

    mapping = Mapping(name=name)
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        problem("'columns' must map each export heading to one of our column names", structure_fix)
        columns = {}
    for heading, target in columns.items():
        if not isinstance(target, str):
            problem(f"columns: '{heading}' must map to a single column name", structure_fix)
            continue
        target = target.strip()
        if target not in known_columns:
            problem(f"columns: '{heading}' maps to '{target}', which is not one of our columns", column_fix(target))
        elif target in mapping.headings:
            problem(f"columns: '{mapping.headings[target]}' and '{heading}' both map to '{target}'",
                    "map one export heading to each column")
        elif heading_key(heading) in mapping.columns:
            problem(f"columns: the heading '{heading}' is listed twice", "list each heading once")
        else:
            mapping.columns[heading_key(heading)] = target
            mapping.headings[target] = heading.strip()

    values = data.get("values") or {}
    if not isinstance(values, dict):
        problem("'values' must list, for each of our columns, the export's words and our codes", structure_fix)
        values = {}
    for column, words in values.items():
        if column not in known_columns:
            problem(f"values: '{column}' is not one of our columns", column_fix(column))
            continue
        if not isinstance(words, dict):
            problem(f"values: '{column}' must map each export word to our word", structure_fix)
            continue
        table: dict[str, str] = {}
        for word, ours in words.items():
            if not isinstance(ours, str):
                problem(f"values: {column}: '{word}' must map to a single word", structure_fix)
                continue
            error = check_value(column, ours) if check_value else None
            if error:
                problem(f"values: {column}: '{word}' maps to '{ours}', {error}")
                continue
            if heading_key(word) in table:
                problem(f"values: {column}: '{word}' is listed twice (case does not matter)", "list each word once")
            table[heading_key(word)] = ours
        mapping.values[column] = table

    if problems:
        raise InputRejected(what, problems)
    return mapping


class NoAliasLoader(yaml.BaseLoader):
    """BaseLoader without aliases (a few lines of "*a" references can expand to billions of values) and
    without a key written twice in one block (PyYAML would silently keep the last, as the rubric loader says)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "found an alias, which is not allowed", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' appears twice in the same block (first at line {seen[key] + 1})",
                    key_node.start_mark)
            if isinstance(key, str):
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


@dataclass
class Table:
    """A file's data rows with its headings resolved to our column names; blank rows left out."""

    file: str
    index: dict[str, int]  # our column -> position in each row
    display: dict[str, str]  # our column -> the heading as written in the file (for messages)
    columns: list[Column]  # the data by file position, factorised (audit.register.table_columns)
    numbers: list[int]  # spreadsheet row number of each data row (header = 1)
    warnings: list[str]
    problems: list[Problem]

    @property
    def rows(self) -> list[tuple[int, list[Any]]]:
        """(spreadsheet row number, cells) per data row, for readers that go row by row."""
        values = [c.values() for c in self.columns]
        return [(number, list(cells)) for number, cells in zip(self.numbers, zip(*values))] if values else []


def read_table(
    path: Path,
    what: str,
    known_columns: list[str],
    required_columns: list[str],
    mapping: Mapping | None = None,
    limits: Limits | None = None,
) -> Table:
    """Read a CSV/XLSX file's header and rows; unreadable, oversized or empty files raise InputRejected."""
    path = Path(path)
    name = path.name
    limits = limits or Limits()

    def reject(message: str, fix: str | None = None) -> InputRejected:
        return InputRejected(what, [Problem(message, file=name, fix=fix)])

    suffix = readable_suffix(path, reject)
    check_file_size(path, what, limits.file_bytes)
    header, columns, blank = read_csv_file(path, what, reject) if suffix == ".csv" else read_xlsx_file(path, reject)

    if not any(filled(c) for c in header):
        raise reject("the file is empty or its first row (the header) is blank",
                     "put the column headings in row 1 and one plan per row below")

    mapping = mapping or Mapping()
    ours = {heading_key(c): c for c in known_columns}
    headings = resolve_headings(header, name, lambda key: mapping.columns.get(key) or ours.get(key))
    index, display, problems = headings.index, headings.display, headings.problems
    warnings = [f"column '{heading}' is not one we use and was ignored" for heading in headings.ignored]

    for column in required_columns:
        if column not in index:
            heading = mapping.headings.get(column, column)
            label = heading if heading == column else f"{heading}' (our '{column}')"
            problems.append(Problem(
                f"the required column '{label}' is missing", file=name, column=heading,
                fix=f"add a column headed '{heading}' with a value on every row"))

    keep = np.flatnonzero(~blank)
    if not len(keep):
        raise reject("the file has a header row but no data rows", "add one row per plan below the header")
    check_row_count(len(keep), limits.rows, name, what)
    return Table(name, index, display, [c.take(keep) for c in columns], (keep + 2).tolist(), warnings, problems)


@dataclass
class Headings:
    """A header row resolved: our column -> its position and its heading as written, headings we do not use,
    and a problem for every column given twice."""

    index: dict[str, int] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def resolve_headings(header: list[Any], file: str, target_of: Callable[[str], str | None], row: int = 1) -> Headings:
    """Match a header row to our columns (`target_of` takes a `heading_key`); every import reads its header here.

    A column given twice (the same heading again, or two headings that mean one column) is refused: reading
    both would let one silently replace the other.
    """
    out = Headings()
    for position, cell in enumerate(header):
        heading = cell_text(cell)
        if not heading:
            continue  # spreadsheets often carry empty trailing columns
        target = target_of(heading_key(heading))
        if target is None:
            out.ignored.append(heading)
        elif target in out.index:
            out.problems.append(column_given_twice(out.display[target], out.index[target], heading, position,
                                                   target, file, row))
        else:
            out.index[target] = position
            out.display[target] = heading
    return out


def column_given_twice(first: str, first_position: int, heading: str, position: int, target: str, file: str,
                       row: int = 1) -> Problem:
    """The one problem for a column a file gives twice (positions count from 0; shown as spreadsheet letters)."""
    where = f"columns {column_letter(first_position)} and {column_letter(position)}"
    if heading_key(first) == heading_key(heading):
        return Problem(f"the column '{heading}' appears twice ({where})", file=file, row=row, column=heading,
                       fix=f"keep one '{heading}' column and delete the other, so no value is silently replaced")
    return Problem(f"columns '{first}' and '{heading}' both give {target} ({where})", file=file, row=row,
                   column=heading, fix="remove one of them, or correct the heading")


def column_letter(position: int) -> str:
    """A spreadsheet column's letters from its position counted from 0: 0 -> A, 26 -> AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
