"""The area's EHC plan register: read a CSV/XLSX file (or a mapped export), validate it whole, upsert plans.

All or nothing: every row is checked and every problem collected before anything is written; a file
with any problem is rejected whole and the store is left as it was. The formats are in docs/formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import insert, select, update
from sqlmodel import Session

from audit.cells import text_problem
from audit.codes import YEAR_GROUPS, AdviceType, NeedCode, Phase, PlanStatus
from audit.errors import InputRejected, Problem
from audit.limits import Limits
from audit.mapping import Mapping, cell_text, heading_key, load_mapping, read_table, write_table
from audit.models import LocalArea, Plan, utcnow

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
)
DATE_COLUMNS = ["request_date", "final_issued_date", *ADVICE_DATE_COLUMNS, "last_review_meeting_date",
                "review_decision_date", "decision_to_assess_date", "phase_transfer_date",
                "phase_transfer_amended_date", "transfer_in_notified_date", "transfer_in_received_date"]

PERSON_COLUMNS = {"case_officer", *AUTHOR_COLUMNS}  # people, by code: never a name (docs/data-protection.md)
CODED_COLUMNS = {"phase", "year_group", "primary_need", "status", "timescale_exception", "phase_transfer_to"}
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
    """A validated register: typed rows keyed by Plan field, and the register columns the file had."""

    file: str
    rows: list[dict[str, Any]]
    columns: list[str]
    warnings: list[str] = field(default_factory=list)


class BadCell(ValueError):
    """A cell that cannot be read; carries the message and the fix for the Problem."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message = message
        self.fix = fix


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
    "timescale_exception": parse_yes_no,
    "phase_transfer_to": code_parser(Phase.values(), "phase", separators=True),
    **{c: parse_date for c in DATE_COLUMNS},
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


def _memo(parser: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """Remember each text's parsed value: a register repeats the same dates and codes thousands of times."""
    if parser is None:
        return None
    seen: dict[str, Any] = {}

    def parse(cell: Any) -> Any:
        if type(cell) is not str:
            return parser(cell)
        try:
            return seen[cell]
        except KeyError:
            value = seen[cell] = parser(cell)  # a BadCell propagates and is not remembered
            return value

    return parse


def text_cell_checker(max_chars: int, person_code: bool = False) -> Callable[[str], tuple[str, str] | None]:
    """audit.cells.text_problem for one column's cells, remembering values already accepted (they repeat).

    A `person_code` column (case officer, advice author, auditor) refuses what looks like a name or an email
    address (a space or an '@'): people are known by codes only.
    """
    accepted: set[str] = set()

    def check(text: str) -> tuple[str, str] | None:
        if text in accepted:
            return None
        problem = text_problem(text, max_chars, allow_newlines=False)
        if problem is None and person_code and (" " in text or "@" in text):
            problem = ("looks like a name or an email address, but people are known by codes only",
                       "use the person's staff or auditor code (for example CO-07), never their name")
        if problem is None:
            accepted.add(text)
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
    problems = list(table.problems)
    name, display = table.file, table.display
    present = [c for c in REGISTER_COLUMNS if c in table.index]
    words = mapped.values if mapped else {}
    # One (column, position, parser or text check, value map, required, parsed) tuple per column: the loop
    # below runs 100,000 times.
    plan = [(c, table.index[c], _memo(PARSERS.get(c)) or text_cell_checker(limits.cell_chars, c in PERSON_COLUMNS),
             words.get(c), c in REQUIRED_COLUMNS, c in PARSERS) for c in present]
    fix_suffix = f", or map the export's word under 'values:' in {mapped.name}" if mapped else ""
    blank = {c: (False if c == "timescale_exception" else None) for c in REGISTER_COLUMNS}

    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = dict(blank)
        failed: set[str] = set()
        for column, position, parser, value_map, required, parsed in plan:
            cell = cells[position]
            if value_map and not isinstance(cell, date):
                cell = value_map.get(heading_key(cell_text(cell)), cell)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if required:
                    problems.append(Problem(f"is empty; every plan needs a {column}", name, number,
                                            display[column], "fill in the value"))
                continue
            if not parsed:  # free text (references, codes, teams, settings): checked, not parsed
                text = cell_text(cell)
                bad = parser(text)
                if bad is not None:
                    failed.add(column)
                    problems.append(Problem(bad[0], name, number, display[column], bad[1]))
                row[column] = text
                continue
            try:
                row[column] = parser(cell)
            except BadCell as bad:
                failed.add(column)
                fix = bad.fix + (fix_suffix if column in CODED_COLUMNS else "")
                problems.append(Problem(bad.message, name, number, display[column], fix))
        problems.extend(_row_problems(row, failed, number, name, display))
        ref = row["plan_ref"]
        if ref is not None:
            if ref in seen:
                problems.append(Problem(f"plan reference '{ref}' is already on row {seen[ref]}", name, number,
                                        display["plan_ref"], "give each plan one row"))
            else:
                seen[ref] = number
        rows.append(row)

    if problems:
        raise InputRejected(what, problems)
    return RegisterRows(name, rows, present, table.warnings)


def _row_problems(
    row: dict[str, Any], failed: set[str], number: int, name: str, display: dict[str, str]
) -> list[Problem]:
    """Checks across the dates of one row: advice received after it was requested, final after request."""
    problems = []
    for advice in ADVICE_TYPES:
        requested, received = row[f"{advice}_advice_requested"], row[f"{advice}_advice_received"]
        if received is None or f"{advice}_advice_requested" in failed:
            continue  # an unreadable request date is already reported
        if requested is None:
            column = f"{advice}_advice_requested"
            problems.append(Problem(
                f"{advice.replace('_', ' ')} advice was received ({received:%d/%m/%Y}) but no request date is given",
                name, number, display.get(column, column),
                "add the date the advice was requested, or clear the received date"))
        elif received < requested:
            problems.append(Problem(
                f"advice received {received:%d/%m/%Y} is before it was requested ({requested:%d/%m/%Y})",
                name, number, display[f"{advice}_advice_received"], "check both dates"))
    final, request = row["final_issued_date"], row["request_date"]
    if final is not None and request is not None and final < request:
        problems.append(Problem(
            f"the final plan ({final:%d/%m/%Y}) is dated before the request ({request:%d/%m/%Y})",
            name, number, display["final_issued_date"], "check both dates"))
    return problems


def import_register(
    session: Session, area: LocalArea, path: Path, mapping: Path | None = None, limits: Limits | None = None
) -> ImportReport:
    """Validate a register file whole, then create or update the area's plans by plan_ref in one transaction."""
    parsed = read_register(path, mapping, limits)
    area_id = area.id
    compare = [c for c in parsed.columns if c != "plan_ref"]  # absent optional columns keep stored values
    query = select(Plan.id, Plan.plan_ref, *(getattr(Plan, c) for c in compare)).where(Plan.area_id == area_id)
    existing = {r[1]: (r[0], tuple(r[2:])) for r in session.execute(query)}

    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    unchanged = 0
    for row in parsed.rows:
        stored = existing.get(row["plan_ref"])
        if stored is None:
            inserts.append({**row, "area_id": area_id, "imported_at": now})
        elif stored[1] == tuple(row[c] for c in compare):
            unchanged += 1
        else:
            updates.append({"id": stored[0], **{c: row[c] for c in compare}, "imported_at": now})

    warnings = list(parsed.warnings)
    kept = len(existing.keys() - {r["plan_ref"] for r in parsed.rows})
    if kept:
        warnings.append(f"{kept} stored plan(s) are not in this file; they were kept as they are")
    try:
        _write(session, inserts, updates)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportReport(parsed.file, len(parsed.rows), len(inserts), len(updates), unchanged, warnings)


def _write(session: Session, inserts: list[dict], updates: list[dict]) -> None:
    # Bulk statements, not one ORM object per plan. The ORM's bulk insert splits rows by which values
    # are None (nearly one INSERT per plan), so new plans go in as one executemany on the table.
    if inserts:
        connection = session.connection()
        if connection.dialect.name == "sqlite" and connection.dialect.paramstyle == "qmark":
            _sqlite_insert(connection, inserts)
        else:
            session.execute(insert(Plan.__table__), inserts)
    if updates:
        session.execute(update(Plan), updates)


def _sqlite_insert(connection: Any, rows: list[dict]) -> None:
    """executemany straight to sqlite3 with SQLAlchemy's own value conversions, remembered per value.

    Converting 1.4 million dates one by one is most of the cost of a 100,000-plan import on SQLite;
    a register has only a few thousand distinct dates.
    """
    table = Plan.__table__
    # SQLAlchemy writes the statement (qmark placeholders), so no SQL is built from strings here.
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(rows[0]))
    columns = list(compiled.positiontup)  # the order of its placeholders
    values = []  # column by column: map() over a list is much cheaper than a per-value generator
    for column in columns:
        process = table.c[column].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        cells = [row[column] for row in rows]
        values.append(list(map(_memo_values(process), cells)) if process else cells)
    connection.exec_driver_sql(str(compiled), list(zip(*values)))


def _memo_values(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            result = seen[value] = process(value)
            return result

    return convert


def write_register(rows: Any, path: Path) -> None:
    """Write plans (dicts or a DataFrame) as a register CSV/XLSX with our column names and ISO dates."""
    write_table(rows, path, REGISTER_COLUMNS)
