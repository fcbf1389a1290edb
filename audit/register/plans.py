"""The area's EHC plan register: read a CSV/XLSX file (or a mapped export), validate it whole, upsert plans.

All or nothing: every row is checked and every problem collected before anything is written; a file
with any problem is rejected whole and the store is left as it was. The formats are in docs/formats.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select, update
from sqlmodel import Session

from audit.cells import text_problem
from audit.errors import InputRejected, Problem
from audit.limits import Limits
from audit.register.cell_checks import BadCell, ColumnRule, check_columns
from audit.register.clock_checks import (
    CLOCK_COLUMNS,
    CLOCK_DATE_COLUMNS,
    CLOCK_FLAG_COLUMNS,
    OUTCOMES,
    clock_problems,
)
from audit.register.mapping import Mapping, load_mapping, read_table
from audit.register.table_files import cell_text, write_table
from audit.store.bulk import insert_columns
from audit.store.models import LocalArea, Plan, utcnow
from audit.vocabulary import YEAR_GROUPS, AdviceType, NeedCode, Phase, PlanStatus

ADVICE_TYPES = AdviceType.values()

REQUIRED_COLUMNS = [
    "plan_ref", "team", "phase", "year_group", "primary_need", "setting_type", "status", "case_officer",
    "request_date",
]
ADVICE_DATE_COLUMNS = [f"{t}_advice_{k}" for t in ADVICE_TYPES for k in ("requested", "received")]
AUTHOR_COLUMNS = [f"{t}_advice_author" for t in ADVICE_TYPES]
# The Plan model's field order: per advice type, requested, received and (optional) author.
REGISTER_COLUMNS = (
    REQUIRED_COLUMNS
    + ["final_issued_date", "timescale_exception"]
    + [f"{t}_advice_{k}" for t in ADVICE_TYPES for k in ("requested", "received", "author")]
    + ["last_review_meeting_date", "review_decision_date"]
    + ["decision_to_assess_date", "phase_transfer_date", "phase_transfer_to", "phase_transfer_amended_date",
       "transfer_in_notified_date", "transfer_in_received_date"]  # optional clocks (issue 8)
    + CLOCK_COLUMNS  # optional clocks (issue 22, audit.register.clock_checks)
)
DATE_COLUMNS = ["request_date", "final_issued_date", *ADVICE_DATE_COLUMNS, "last_review_meeting_date",
                "review_decision_date", "decision_to_assess_date", "phase_transfer_date",
                "phase_transfer_amended_date", "transfer_in_notified_date", "transfer_in_received_date",
                *CLOCK_DATE_COLUMNS]
FLAG_COLUMNS = {"timescale_exception", *CLOCK_FLAG_COLUMNS}  # yes/no; an empty cell means no
# request_date's heading is required, but an assessment the area started itself has no request date.
REQUIRED_VALUES = [c for c in REQUIRED_COLUMNS if c != "request_date"]

PERSON_COLUMNS = {"case_officer", *AUTHOR_COLUMNS}  # people, by code: never a name (docs/data-protection.md)
CODED_COLUMNS = {"phase", "year_group", "primary_need", "status", "phase_transfer_to", "decision_to_assess_outcome",
                 *FLAG_COLUMNS}
DATE_FIX = "use YYYY-MM-DD or DD/MM/YYYY"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


@dataclass
class ImportReport:
    """What an import did: rows read, plans (or auditors) created, updated and left unchanged."""

    file: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.file}: {self.rows} rows; {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")


@dataclass
class RegisterRows:
    """A validated register, column by column: every register column's typed values, one per data row."""

    file: str
    values: dict[str, list[Any]]  # every REGISTER_COLUMNS name -> values (absent columns hold blanks)
    columns: list[str]  # the register columns the file had
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values["plan_ref"])

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """The same data as one dict per plan, keyed by Plan field."""
        names = list(self.values)
        return [dict(zip(names, row)) for row in zip(*self.values.values())]


def _shown(cell: Any) -> str:
    text = cell_text(cell)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_date(cell: Any) -> date:
    """A date from a date cell, YYYY-MM-DD or DD/MM/YYYY text; raises BadCell."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _UK.fullmatch(text)
        if not match:
            raise BadCell(f"'{_shown(cell)}' is not a date", DATE_FIX)
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise BadCell(f"'{_shown(cell)}' is not a date", DATE_FIX) from None


def parse_yes_no(cell: Any) -> bool:
    """yes/no, y/n, true/false or 1/0 in any case; raises BadCell."""
    key = cell_text(cell).casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise BadCell(f"'{_shown(cell)}' is not yes or no", "use yes or no (y/n, true/false and 1/0 are read too)")


def code_parser(values: list[str], what: str, separators: bool = False) -> Callable[[Any], str]:
    """A parser for a coded column that forgives case (and, for word codes, spaces or hyphens)."""
    table = {v.casefold(): v for v in values}

    def parse(cell: Any) -> str:
        key = cell_text(cell).casefold()
        if separators:
            key = re.sub(r"[\s\-]+", "_", key)
        try:
            return table[key]
        except KeyError:
            raise BadCell(f"'{_shown(cell)}' is not a {what}", f"use one of {', '.join(values)}") from None

    return parse


def _year_group(cell: Any) -> str:
    text = cell_text(cell).upper()
    if text.isascii() and text.isdigit():  # isdigit alone accepts "¹" and other Unicode digits
        text = str(int(text))  # "07" is year 7
    if text in YEAR_GROUPS:
        return text
    raise BadCell(f"'{_shown(cell)}' is not a year group", f"use one of {', '.join(YEAR_GROUPS)}")


PARSERS: dict[str, Callable[[Any], Any]] = {
    "phase": code_parser(Phase.values(), "phase", separators=True),
    "year_group": _year_group,
    "primary_need": code_parser(NeedCode.values(), "primary need code"),
    "status": code_parser(PlanStatus.values(), "plan status", separators=True),
    "phase_transfer_to": code_parser(Phase.values(), "phase", separators=True),
    "decision_to_assess_outcome": code_parser(OUTCOMES, "decision whether to assess", separators=True),
    **dict.fromkeys(FLAG_COLUMNS, parse_yes_no),
    **dict.fromkeys(DATE_COLUMNS, parse_date),
}


def _check_mapped_value(column: str, value: str) -> str | None:
    """Why a mapping target is not a value of our column, or None when it is (empty means missing)."""
    parser = PARSERS.get(column)
    if parser is None or not value.strip():
        return None
    try:
        parser(value)
    except BadCell as bad:
        return f"which is not allowed: {bad.fix}"
    return None


def text_cell_checker(max_chars: int, person_code: bool = False) -> Callable[[str], tuple[str, str] | None]:
    """audit.cells.text_problem for one column's cells.

    A `person_code` column (case officer, advice author, auditor) refuses what looks like a name or an email
    address (a space or an '@'): people are known by codes only.
    """

    def check(text: str) -> tuple[str, str] | None:
        problem = text_problem(text, max_chars, allow_newlines=False)
        if problem is None and person_code and (" " in text or "@" in text):
            problem = ("looks like a name or an email address, but people are known by codes only",
                       "use the person's staff or auditor code (for example CO-07), never their name")
        return problem

    return check


def read_mapping(path: Path, limits: Limits | None = None) -> Mapping:
    """Load and validate a register mapping file; raise InputRejected naming it."""
    return load_mapping(path, REGISTER_COLUMNS, _check_mapped_value, (limits or Limits()).yaml_bytes)


def read_register(path: Path, mapping: Path | None = None, limits: Limits | None = None) -> RegisterRows:
    """Parse and validate a register file; raise InputRejected listing every problem."""
    path = Path(path)
    what = f"Plan register {path.name}"
    limits = limits or Limits()
    mapped = read_mapping(mapping, limits) if mapping is not None else None
    table = read_table(path, what, REGISTER_COLUMNS, REQUIRED_COLUMNS, mapped, limits)
    present = [c for c in REGISTER_COLUMNS if c in table.index]
    words = mapped.values if mapped else {}
    suffix = f", or map the export's word under 'values:' in {mapped.name}" if mapped else ""
    # Free text (references, codes, teams, settings) is checked, not parsed: length, markup, formulas, names.
    rules = [ColumnRule(c, PARSERS.get(c), c in REQUIRED_VALUES, _blank(c), words.get(c),
                        suffix if c in CODED_COLUMNS else "",
                        None if c in PARSERS else text_cell_checker(limits.cell_chars, c in PERSON_COLUMNS))
             for c in present]
    checked = check_columns(table, rules)
    numbers = table.numbers
    values = {c: checked.values[c] if c in checked.values else [_blank(c)] * len(numbers) for c in REGISTER_COLUMNS}
    problems = checked.problems + _row_problems(values, checked.failed, numbers, table.file, table.display)
    problems += clock_problems(values, checked.failed, numbers, table.file, table.display, present)
    problems += _duplicate_refs(values["plan_ref"], numbers, table.file, table.display)
    if table.problems or problems:
        raise InputRejected(what, table.problems + [p for _, p in sorted(problems, key=lambda x: x[0])])
    return RegisterRows(table.file, values, present, table.warnings)


def _blank(column: str) -> Any:
    return False if column in FLAG_COLUMNS else None


def _duplicate_refs(refs: list[Any], numbers: list[int], name: str, display: dict[str, str]) -> list:
    """A plan reference on a second row names the row that already has it."""
    series = pd.Series(refs, dtype=object)
    again = np.flatnonzero(series.duplicated(keep="first").to_numpy() & series.notna().to_numpy())
    if not len(again):
        return []
    repeated = set(series.iloc[again])
    first: dict[Any, int] = {}
    for i, ref in enumerate(refs):
        if ref in repeated:
            first.setdefault(ref, numbers[i])
    return [((int(i), 2, 0), Problem(f"plan reference '{refs[i]}' is already on row {first[refs[i]]}", name,
                                     numbers[i], display["plan_ref"], "give each plan one row")) for i in again]


def _row_problems(values: dict[str, list[Any]], failed: dict[str, set[int]], numbers: list[int], name: str,
                  display: dict[str, str]) -> list:
    """Checks across the dates of each row: advice received after it was requested, final after request.

    Compared as day numbers over whole columns; only rows that break a rule become Problems.
    """
    problems = []
    for k, advice in enumerate(ADVICE_TYPES):
        asked, got = f"{advice}_advice_requested", f"{advice}_advice_received"
        requested, received = _days(values[asked]), _days(values[got])
        skip = np.zeros(len(numbers), dtype=bool)
        skip[list(failed.get(asked, ()))] = True  # an unreadable request date is already reported
        no_request = ~np.isnan(received) & np.isnan(requested) & ~skip
        early = received < requested  # False wherever either is missing (NaN)
        for i in np.flatnonzero(no_request | early):
            req, rec = values[asked][i], values[got][i]
            if req is None:
                problem = Problem(
                    f"{advice.replace('_', ' ')} advice was received ({rec:%d/%m/%Y}) but no request date is given",
                    name, numbers[i], display.get(asked, asked),
                    "add the date the advice was requested, or clear the received date")
            else:
                problem = Problem(f"advice received {rec:%d/%m/%Y} is before it was requested ({req:%d/%m/%Y})",
                                  name, numbers[i], display[got], "check both dates")
            problems.append(((int(i), 1, k), problem))
    final, request = values["final_issued_date"], values["request_date"]
    for i in np.flatnonzero(_days(final) < _days(request)):
        problems.append(((int(i), 1, len(ADVICE_TYPES)), Problem(
            f"the final plan ({final[i]:%d/%m/%Y}) is dated before the request ({request[i]:%d/%m/%Y})",
            name, numbers[i], display["final_issued_date"], "check both dates")))
    return problems


def _days(dates: list[date | None]) -> np.ndarray:
    """Dates as day numbers (NaN when missing), each distinct date converted once."""
    ordinal = {d: (np.nan if d is None else d.toordinal()) for d in dict.fromkeys(dates)}
    return np.array([ordinal[d] for d in dates], dtype=float)


def import_register(
    session: Session, area: LocalArea, path: Path, mapping: Path | None = None, limits: Limits | None = None
) -> ImportReport:
    """Validate a register file whole, then create or update the area's plans by plan_ref in one transaction."""
    parsed = read_register(path, mapping, limits)
    values, refs = parsed.values, parsed.values["plan_ref"]
    compare = [c for c in parsed.columns if c != "plan_ref"]  # absent optional columns keep stored values
    query = select(Plan.id, Plan.plan_ref, *(getattr(Plan, c) for c in compare)).where(Plan.area_id == area.id)
    existing = {r[1]: (r[0], tuple(r[2:])) for r in session.execute(query)}

    now = utcnow()
    new = list(range(len(refs)))
    updates: list[dict[str, Any]] = []
    unchanged = 0
    if existing:  # a first import of an area skips the comparison entirely
        new = []
        for i, (ref, row) in enumerate(zip(refs, zip(*(values[c] for c in compare)))):
            stored = existing.get(ref)
            if stored is None:
                new.append(i)
            elif stored[1] == row:
                unchanged += 1
            else:
                updates.append({"id": stored[0], **dict(zip(compare, row)), "imported_at": now})
    inserts = values if len(new) == len(refs) else {c: [v[i] for i in new] for c, v in values.items()}

    warnings = list(parsed.warnings)
    kept = len(existing.keys() - set(refs))
    if kept:
        warnings.append(f"{kept} stored plan(s) are not in this file; they were kept as they are")
    try:
        _write(session, inserts, updates, {"area_id": area.id, "imported_at": now})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportReport(parsed.file, len(refs), len(new), len(updates), unchanged, warnings)


def _write(session: Session, inserts: dict[str, list[Any]], updates: list[dict], constants: dict[str, Any]) -> None:
    # Bulk statements, never one ORM object per plan (audit.store.bulk: executemany on SQLite, COPY on PostgreSQL).
    insert_columns(session, Plan.__table__, inserts, constants)
    if updates:
        session.execute(update(Plan), updates)


def write_register(rows: Any, path: Path) -> None:
    """Write plans (dicts or a DataFrame) as a register CSV/XLSX with our column names and ISO dates."""
    write_table(rows, path, REGISTER_COLUMNS)
