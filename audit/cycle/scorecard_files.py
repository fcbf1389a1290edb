"""Scorecard spreadsheets: generate one per auditor (descriptors included), import it back all or nothing.

One row per criterion of every plan assigned to the auditor, so a health auditor with six plans fills in
one workbook. Rows of a plan left entirely blank are skipped (that plan stays "not started"); a plan
partly graded is an error unless saved as a draft.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import Session, select

from audit.cells import escape_formula, unescape_formula
from audit.cycle.assignment import cycle_rubric
from audit.cycle.scorecards import GradeEntry, assignments_for, check_entries, load_entries, save_scorecard
from audit.errors import Conflict, InputRejected, NotFound, Problem
from audit.limits import Limits, check_file_size, check_row_count
from audit.register.mapping import heading_key, resolve_headings
from audit.register.table_columns import read_csv_text
from audit.safe_files import path_inside, safe_name_part
from audit.store.models import Assignment, Auditor, Cycle, Scorecard
from audit.text_files import read_text
from audit.vocabulary import GRADE_LABELS, Agency, Grade

COLUMNS = [
    "cycle_id", "assignment_id", "auditor", "plan_ref", "section", "section_title", "criterion_id",
    "criterion", "outstanding", "good", "requires_improvement", "inadequate", "grade", "comment",
]
REQUIRED = ["assignment_id", "auditor", "criterion_id", "grade", "comment"]


def template_rows(session: Session, cycle: Cycle, auditor: Auditor) -> list[dict]:
    rubric = cycle_rubric(session, cycle)
    rows = []
    for assignment, plan in assignments_for(session, cycle, auditor):
        card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).first()
        saved = load_entries(session, card) if card else {}
        skipped = set(assignment.skipped_criteria or ())
        for section in rubric.units:  # sections, and this agency's part of a shared section ("E:health")
            if section.code not in assignment.sections:
                continue
            for crit in section.criteria:
                if crit.id in skipped:  # its register conditions do not hold for this plan
                    continue
                entry = saved.get(crit.id)
                d = {g.label: crit.descriptors[g] for g in Grade}
                rows.append({
                    "cycle_id": cycle.id, "assignment_id": assignment.id, "auditor": auditor.code,
                    "plan_ref": plan.plan_ref, "section": section.code, "section_title": _title(section),
                    "criterion_id": crit.id, "criterion": crit.text + (NOT_APPLICABLE_HINT if crit.allow_not_applicable
                                                                       else ""),
                    "outstanding": d["Outstanding"], "good": d["Good"],
                    "requires_improvement": d["Requires Improvement"], "inadequate": d["Inadequate"],
                    "grade": NOT_APPLICABLE_LABEL if entry and entry.not_applicable else
                    entry.grade.label if entry and entry.grade else "",
                    "comment": entry.comment if entry else "",
                })
    return rows


def template_path(folder: Path, cycle: Cycle, auditor: Auditor, fmt: str) -> Path:
    """Where the auditor's template goes in `folder`: scorecard-cycle-N-<code>.<fmt>, never outside it, whatever
    the stored code holds (audit.safe_files)."""
    return path_inside(folder, f"scorecard-cycle-{cycle.id}-{safe_name_part(auditor.code)}.{fmt}")
NOT_APPLICABLE_LABEL = "Not applicable"
NOT_APPLICABLE_WORDS = {"not applicable", "n/a", "na", "not_applicable"}
NOT_APPLICABLE_HINT = " (may be marked Not applicable, with the reason as the comment)"


def _title(section) -> str:
    if section.parent is None:
        return section.title
    return f"{section.title} ({Agency(section.agency).label}'s part)"


def write_template(session: Session, cycle: Cycle, auditor: Auditor, path: Path) -> int:
    """Write the auditor's scorecard for the cycle as .xlsx or .csv; returns the number of criterion rows."""
    rows = template_rows(session, cycle, auditor)
    if not rows:
        raise NotFound(f"{auditor.code} has no active assignments in cycle {cycle.id}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows({c: escape_formula(row[c]) for c in COLUMNS} for row in rows)
        return len(rows)
    _write_xlsx(rows, path, cycle, auditor)
    return len(rows)


def _write_xlsx(rows: list[dict], path: Path, cycle: Cycle, auditor: Auditor) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Scorecard"
    ws.append(COLUMNS)
    for row in rows:
        ws.append([escape_formula(row[c]) for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = {"criterion": 50, "outstanding": 40, "good": 40, "requires_improvement": 40, "inadequate": 40,
              "grade": 22, "comment": 50, "section_title": 30}
    for idx, name in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=idx).column_letter
        ws.column_dimensions[letter].width = widths.get(name, 12)
        if name in widths:
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    grade_col = ws.cell(row=1, column=COLUMNS.index("grade") + 1).column_letter
    allowed = GRADE_LABELS + ([NOT_APPLICABLE_LABEL] if any(NOT_APPLICABLE_HINT in r["criterion"] for r in rows) else [])
    choices = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True)
    choices.error = "Choose " + ", ".join(allowed)
    ws.add_data_validation(choices)
    choices.add(f"{grade_col}2:{grade_col}{len(rows) + 1}")
    fill = PatternFill("solid", fgColor="FFF2CC")
    for col_name in ("grade", "comment"):
        letter = ws.cell(row=1, column=COLUMNS.index(col_name) + 1).column_letter
        for cell in ws[letter][1:]:
            cell.fill = fill
    ws.freeze_panes = "H2"
    about = wb.create_sheet("About")
    for line in [
        [f"Scorecard for {auditor.code}, cycle {cycle.id} ({cycle.name}); due {cycle.due_date:%d %B %Y}."],
        ["Grade every criterion in the yellow 'grade' column, using the descriptors beside it."],
        ["A comment is required for Requires Improvement and Inadequate."],
        ["Where a criterion says it may be marked Not applicable, choose that and give the reason as the comment."],
        ["Leave a plan's rows all blank if you have not audited it yet; do not change other columns."],
        ["Return it with: ehcp-audit scorecards import FILE"],
    ]:
        about.append(line)
    wb.save(path)


def read_rows(path: Path, limits: Limits | None = None) -> list[tuple[int, dict]]:
    """(spreadsheet row number, row by our column name) pairs; header is row 1. Text our export escaped is read
    back as it was. Headings are matched ignoring case and surrounding spaces; a column given twice is refused."""
    limits = limits or Limits()
    what = f"Scorecard {path.name}"
    if not path.exists():
        raise InputRejected(what, [Problem("the file does not exist", file=path.name)])
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise InputRejected(what, [Problem(
            f"'{suffix}' files are not scorecards", file=path.name, fix="use the .xlsx or .csv file generated for you")])
    check_file_size(path, what, limits.file_bytes)
    text = read_text(path, what) if suffix == ".csv" else None  # the one reader: UTF-16 and the like named
    try:
        if text is not None:
            table = read_csv_text(text)
        else:
            wb = load_workbook(path, read_only=True, data_only=False)  # a formula is read as its text and refused
            ws = wb["Scorecard"] if "Scorecard" in wb.sheetnames else wb.worksheets[0]
            table = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
            wb.close()
    except Exception as exc:  # csv and openpyxl raise assorted errors on damaged files
        raise InputRejected(what, [Problem(
            f"the file cannot be read ({exc.__class__.__name__})", file=path.name,
            fix="save it again as .xlsx or UTF-8 .csv from the generated scorecard")]) from None
    if not table:
        raise InputRejected(what, [Problem("the file is empty", file=path.name)])
    ours = {heading_key(c): c for c in COLUMNS}
    headings = resolve_headings(table[0], path.name, ours.get)
    missing = [c for c in REQUIRED if c not in headings.index]
    problems = headings.problems + [
        Problem("the column is missing", file=path.name, column=c, fix="use the scorecard generated for you")
        for c in missing]
    if problems:
        raise InputRejected(what, problems)
    out = []
    for number, raw in enumerate(table[1:], start=2):
        if not any(str(v).strip() for v in raw):
            continue
        out.append((number, {c: unescape_formula(str(raw[i]).strip()) if i < len(raw) else ""
                             for c, i in headings.index.items()}))
    check_row_count(len(out), limits.rows, path.name, what)
    return out


@dataclass
class ScorecardImport:
    file: str
    submitted: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)


def import_scorecard_file(session: Session, path: Path, *, submit: bool = True, auditor_code: str | None = None,
                          limits: Limits | None = None) -> ScorecardImport:
    """Import every graded plan in the file in one transaction, or nothing with every problem listed."""
    name = path.name
    limits = limits or Limits()
    rows = read_rows(path, limits)
    problems: list[Problem] = []
    groups: dict[int, list[tuple[int, dict]]] = {}
    for number, row in rows:
        try:
            groups.setdefault(int(float(row["assignment_id"])), []).append((number, row))
        except ValueError:
            problems.append(Problem(f"'{row['assignment_id']}' is not an assignment number", file=name, row=number,
                                    column="assignment_id", fix="do not edit the assignment_id column"))
    plan_work = []
    for assignment_id, group in groups.items():
        assignment = session.get(Assignment, assignment_id)
        first_row = group[0][0]
        if assignment is None:
            problems.append(Problem(f"assignment {assignment_id} does not exist", file=name, row=first_row,
                                    column="assignment_id", fix="use the scorecard generated for you"))
            continue
        auditor = session.get(Auditor, assignment.auditor_id)
        claimed = {r["auditor"] for _, r in group}
        if claimed != {auditor.code} or (auditor_code and auditor_code != auditor.code):
            who = auditor_code or ", ".join(sorted(claimed))
            problems.append(Problem(f"assignment {assignment_id} is not assigned to {who}", file=name, row=first_row,
                                    column="auditor", fix="only the assigned auditor can submit this scorecard"))
            continue
        entries: dict[str, GradeEntry] = {}
        row_of: dict[str, int] = {}
        for number, r in group:
            cid = r["criterion_id"]
            if cid in entries:
                problems.append(Problem(f"criterion {cid} appears twice", file=name, row=number, column="criterion_id",
                                        fix="keep one row per criterion"))
                continue
            row_of[cid] = number
            grade = None
            if r["grade"].strip().casefold() in NOT_APPLICABLE_WORDS:
                entries[cid] = GradeEntry(None, r.get("comment", ""), not_applicable=True)
                continue
            if r["grade"]:
                try:
                    grade = Grade.parse(r["grade"])
                except ValueError as exc:
                    problems.append(Problem(str(exc), file=name, row=number, column="grade",
                                            fix="choose a grade from the list"))
                    continue
            entries[cid] = GradeEntry(grade, r.get("comment", ""))
        if all(e.grade is None and not e.not_applicable for e in entries.values()) and not any(
                e.comment for e in entries.values()):
            plan_work.append((assignment, auditor, None, first_row))
            continue
        rubric = cycle_rubric(session, session.get(Cycle, assignment.cycle_id))
        for cid, p in check_entries(rubric, assignment, entries, submit):
            problems.append(Problem(p.message, file=name, row=row_of.get(cid, first_row), column=p.column, fix=p.fix))
        plan_work.append((assignment, auditor, (rubric, entries), first_row))
    if problems:
        raise InputRejected(f"Scorecard {name}", problems)

    result = ScorecardImport(file=name)
    try:
        for assignment, auditor, payload, first_row in plan_work:
            if payload is None:
                result.skipped.append(assignment.id)
                continue
            rubric, entries = payload
            try:
                card = save_scorecard(session, assignment, auditor, rubric, entries, submit=submit, source="file",
                                      what=f"Scorecard {name}")
            except Conflict as exc:
                raise InputRejected(f"Scorecard {name}", [Problem(str(exc), file=name, row=first_row,
                                                                  column="assignment_id")]) from None
            (result.submitted if submit else result.drafts).append(assignment.id)
            if card.late:
                result.late.append(assignment.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result
