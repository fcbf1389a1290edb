"""The area's auditor pool: import a CSV/XLSX of auditor codes and agencies, all or nothing, upsert by code.

People are codes here, never names: a name column in the file is ignored (with a warning) and never stored.
A code follows the one pattern in audit.vocabulary (AUD-HE-01), so it is safe wherever it is used, file names included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from audit.errors import InputRejected, Problem
from audit.limits import Limits
from audit.register.mapping import read_table
from audit.register.plans import BadCell, ImportReport, code_parser, parse_yes_no, text_cell_checker
from audit.register.table_files import cell_text, write_table
from audit.store.models import Auditor, LocalArea
from audit.vocabulary import Agency, auditor_code_problem

AUDITOR_COLUMNS = ["code", "agency", "team", "email", "active"]
AUDITOR_REQUIRED = ["code", "agency"]
_DEFAULTS = {"team": "", "email": None, "active": True}

_agency = code_parser(Agency.values(), "agency", separators=True)


def _email(cell: Any) -> str:
    text = cell_text(cell)
    local, at, domain = text.partition("@")
    if not (local and at and "." in domain) or " " in text or "@" in domain:
        raise BadCell(f"'{text}' is not an email address", "use an address like ed-01@example.org, or leave it empty")
    return text


_PARSERS = {"agency": _agency, "email": _email, "active": parse_yes_no}


def read_auditors(path: Path, limits: Limits | None = None) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Parse and validate an auditors file: (rows, columns present, warnings); raise InputRejected."""
    path = Path(path)
    what = f"Auditors file {path.name}"
    limits = limits or Limits()
    table = read_table(path, what, AUDITOR_COLUMNS, AUDITOR_REQUIRED, limits=limits)
    check_text = text_cell_checker(limits.cell_chars)

    def check_code(text: str) -> tuple[str, str] | None:  # free-text checks first (formula, markup), then the pattern
        return check_text(text) or auditor_code_problem(text)

    problems = list(table.problems)
    present = [c for c in AUDITOR_COLUMNS if c in table.index]
    warnings = [
        w + "; auditors are known by code only, so names are not stored" if "name" in w.casefold() else w
        for w in table.warnings
    ]
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row: dict[str, Any] = {"code": None, "agency": None, **_DEFAULTS}
        for column in present:
            cell = cells[table.index[column]]
            where = dict(file=table.file, row=number, column=table.display[column])
            if not cell_text(cell):
                if column in AUDITOR_REQUIRED:
                    problems.append(Problem(f"is empty; every auditor needs a {column}", fix="fill in the value",
                                            **where))
                continue
            bad = (check_code if column == "code" else check_text)(cell_text(cell))
            if bad is not None:
                problems.append(Problem(bad[0], fix=bad[1], **where))
                continue
            parser = _PARSERS.get(column, cell_text)
            try:
                row[column] = parser(cell)
            except BadCell as bad:
                problems.append(Problem(bad.message, fix=bad.fix, **where))
        code = row["code"]
        if code is not None:
            if code in seen:
                problems.append(Problem(f"auditor code '{code}' is already on row {seen[code]}", table.file, number,
                                        table.display["code"], "give each auditor one row"))
            else:
                seen[code] = number
        rows.append(row)
    if problems:
        raise InputRejected(what, problems)
    return rows, present, warnings


def import_auditors(session: Session, area: LocalArea, path: Path, limits: Limits | None = None) -> ImportReport:
    """Validate an auditors file whole, then create or update the area's auditors by code in one transaction."""
    rows, present, warnings = read_auditors(path, limits)
    area_id = area.id
    compare = [c for c in present if c != "code"]  # absent optional columns keep stored values
    query = select(Auditor.id, Auditor.code, *(getattr(Auditor, c) for c in compare)).where(
        Auditor.area_id == area_id
    )
    existing = {r[1]: (r[0], tuple(r[2:])) for r in session.execute(query)}
    inserts, updates, unchanged = [], [], 0
    for row in rows:
        stored = existing.get(row["code"])
        if stored is None:
            inserts.append({**row, "area_id": area_id})
        elif stored[1] == tuple(row[c] for c in compare):
            unchanged += 1
        else:
            updates.append({"id": stored[0], **{c: row[c] for c in compare}})
    try:
        if inserts:
            session.execute(insert(Auditor), inserts)
        if updates:
            session.execute(update(Auditor), updates)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportReport(Path(path).name, len(rows), len(inserts), len(updates), unchanged, warnings)


def write_auditors(rows: Any, path: Path) -> None:
    """Write auditors (dicts or a DataFrame) as a CSV/XLSX auditors file with our column names."""
    write_table(rows, path, AUDITOR_COLUMNS)
