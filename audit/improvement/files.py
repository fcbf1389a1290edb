"""Import an improvement plan from a CSV/XLSX file laid out as a WSoA or an APP, and export it the same way.

All or nothing: the whole file is checked (headings, areas, statuses, RAG colours, references) before
anything is written; a file with any problem is rejected with every problem listed (file, row, column,
fix). Export writes the plan's rows in the layout and with the headings it was imported with, so an
import followed by an export gives back the same rows and columns. Statuses accepted since the import
appear in a WSoA as new review-month columns.

Spreadsheet safety: a CSV cell that a spreadsheet would run as a formula (starting with = + - @, tab or
carriage return) is written with a leading apostrophe, which import removes again; XLSX cells are always
written as text, never as formulas.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from audit.cells import escape_formula
from audit.errors import AuditError, Conflict, InputRejected, Problem
from audit.improvement.evidence_out import evidence_lines, with_evidence, without_evidence
from audit.improvement.layout_reading import parse_table
from audit.improvement.layout_render import default_options, render_table
from audit.improvement.layouts import APP, MILESTONE_FIELDS, WSOA, ActionRow, PlanTable
from audit.improvement.milestones import milestone_dates, read_milestone
from audit.improvement.people import area_people, people_start, read_people, unknown_leads
from audit.improvement.plans import actions_of, add_action, add_event, create_plan, ensure_area, get_plan, plans_of
from audit.improvement.revisions import Changes, Version, apply_revision, compare, record_revision
from audit.improvement.scales import StatusScale
from audit.improvement.sheets import read_cells
from audit.limits import Limits, check_file_size, check_row_count
from audit.store.models import ActionStatusChange, ImprovementAction, ImprovementPlan, LocalArea, WeaknessArea, utcnow


@dataclass
class PlanImport:
    plan: ImprovementPlan
    areas: int
    actions: int
    statuses: int
    revision: int = 1
    changes: Changes | None = None

    def __str__(self) -> str:
        if self.changes is not None:
            return (f"Updated plan {self.plan.id} '{self.plan.name}' to revision {self.revision} (version "
                    f"{self.plan.version}): {self.actions} actions, {len(self.changes.added)} added, "
                    f"{len(self.changes.removed)} removed")
        return (f"Imported plan {self.plan.id} '{self.plan.name}' ({self.plan.layout.upper()}): {self.areas} areas "
                f"of weakness, {self.actions} actions, {self.statuses} statuses")


_KIND_WORDS = {"date": "a date", "range": "a period", "recurring": "recurring, no end", "none": "no date"}


@dataclass
class Preview:
    """A plan file read and checked, with what storing it would do: shown for confirmation first."""

    table: PlanTable
    name: str
    plan: ImprovementPlan | None = None  # the plan a revision updates
    changes: Changes | None = None

    def undated(self) -> list[str]:
        """Every action the file leaves without a due date, with what its milestones say."""
        out = []
        for r in self.table.rows:
            read = [(f, r.values[f], read_milestone(r.values[f])) for f in MILESTONE_FIELDS]
            if all(m.due is None for _, _, m in read):
                said = "; ".join(f"{f.replace('_', ' ')} '{text}' ({_KIND_WORDS[m.kind]})" for f, text, m in read
                                 if text) or "no milestone written"
                out.append(f"{r.reference} (row {r.row}): {said}")
        return out

    def warnings(self) -> list[str]:
        undated = self.undated()
        head = ([f"{len(undated)} action(s) have no due date, so they can never be overdue:"] +
                [f"  {line}" for line in undated]) if undated else []
        return [*self.table.notes, *head]


def read_plan_file(path: Path, layout: str, scale: StatusScale, limits: Limits | None = None,
                   people_file: Path | None = None) -> PlanTable:
    """Parse a plan file (and its initials and designation list); InputRejected lists every problem."""
    path = Path(path)
    what = f"Improvement plan {path.name}"
    limits = limits or Limits()
    check_file_size(path, what, limits.file_bytes)
    # Our own export's apostrophe before a formula-like cell is taken off; what is left is checked like any cell.
    cells = read_cells(path, what)
    grid = cells.grid
    check_row_count(len(grid), limits.rows, path.name, what)
    people, problems = {}, []
    cut = people_start(grid)
    if cut is not None:  # the list written under the plan's table
        people, problems = read_people(grid, cut, path.name)
        grid = grid[:cut] + [[] for _ in grid[cut:]]
    for sheet, rows in cells.sheets.items():
        start = people_start(rows)
        if start is not None and not people:
            people, problems = read_people(rows, start, f"{path.name} (sheet '{sheet}')")
    if people_file is not None:
        people_file = Path(people_file)
        check_file_size(people_file, f"People list {people_file.name}", limits.file_bytes)
        rows = read_cells(people_file, f"People list {people_file.name}").grid
        start = people_start(rows)
        if start is None:
            problems.append(Problem("there is no header row 'Initials | Designation'", file=people_file.name, row=1,
                                    column="A", fix="head the list's two columns Initials and Designation"))
        else:
            found, more = read_people(rows, start, people_file.name)
            people, problems = {**people, **found}, problems + more
    table, found = parse_table(layout, grid, scale, path.name, limits.text_chars, cells.fills)
    problems += found
    if problems:
        raise InputRejected(what, sorted(problems, key=lambda p: (p.file or "", p.row or 0)))
    for row in table.rows:
        row.values["progress"] = without_evidence(row.values["progress"])
    table.people = people
    if path.suffix.lower() == ".csv":
        head = path.read_bytes()[:65536]
        table.options |= {"csv_newline": "\r\n" if b"\r\n" in head or b"\n" not in head else "\n",
                          "csv_bom": head.startswith(b"\xef\xbb\xbf")}
    return table


def preview_import(session: Session, area: LocalArea, path: Path, *, layout: str, scale: StatusScale, name: str,
                   revision: bool = False, limits: Limits | None = None, people_file: Path | None = None) -> Preview:
    """Read a plan file and say what storing it would do; nothing is written. A revision names an existing plan."""
    table = read_plan_file(path, layout, scale, limits, people_file)
    existing = session.exec(select(ImprovementPlan).where(ImprovementPlan.area_id == area.id,
                                                          ImprovementPlan.name == name.strip())).first()
    known = area_people(plans_of(session, area.id)) | table.people  # lists kept on the area's plans serve too
    unknown = unknown_leads([r.values["lead"] for r in table.rows], known)
    if unknown:
        table.notes.append(f"Leads not in the initials and designation list: {', '.join(unknown)}.")
    if existing is None:
        if revision:
            get_plan(session, area.id, name)  # NotFound listing the plans there are
        return Preview(table, name.strip())
    if not revision:
        raise Conflict(f"An improvement plan named '{name}' already exists (plan {existing.id}); import this file as "
                       "its next revision (--revision), or choose another name.")
    if existing.layout != layout or existing.scale != scale.key:
        raise AuditError(f"Plan '{existing.name}' is a {existing.layout.upper()} on the {existing.scale} scale; import "
                         f"its revision with --layout {existing.layout} --scale {existing.scale}.")
    return Preview(table, existing.name, existing, compare(session, existing, table, scale))


def import_plan(session: Session, area: LocalArea, path: Path, *, layout: str, scale: StatusScale, name: str,
                by: str, now: datetime | None = None, limits: Limits | None = None, revision: bool = False,
                people_file: Path | None = None, version: Version | None = None) -> PlanImport:
    """Create a plan from a file (or update it with its next revision); nothing is written unless all is valid."""
    preview = preview_import(session, area, path, layout=layout, scale=scale, name=name, revision=revision,
                             limits=limits, people_file=people_file)
    return store_import(session, area, preview, scale=scale, file=Path(path).name, by=by, now=now, version=version)


def store_import(session: Session, area: LocalArea, preview: Preview, *, scale: StatusScale, file: str, by: str,
                 now: datetime | None = None, version: Version | None = None) -> PlanImport:
    """Store what a preview showed: a new plan, or the revision of the plan it names."""
    table, now, version = preview.table, now or utcnow(), version or Version()
    if preview.plan is not None:
        stored = apply_revision(session, preview.plan, table, preview.changes, scale, by=by, file=file,
                                version=version, now=now)
        return PlanImport(preview.plan, len(table.areas), len(table.rows), len(preview.changes.status),
                          stored.number, preview.changes)
    plan = create_plan(session, area, preview.name, scale, table.layout, by, table.options, file)
    plan.people = dict(table.people)
    areas = {ref: ensure_area(session, plan, ref, title) for ref, title in table.areas}
    statuses = 0
    for row in table.rows:
        action = add_action(session, plan, areas[row.area_ref], reference=row.reference, by=by, now=now,
                            reason=f"imported from {file} row {row.row}",
                            **dict(row.values.items()))
        add_event(session, action, "imported", by, f"imported from {file}", {"file": file, "row": row.row},
                  now=now)
        changes = list(row.periods.items()) if table.layout == WSOA else [(None, row.status)] if row.status else []
        for period, key in changes:
            session.add(ActionStatusChange(
                action_id=action.id, status=key, previous=action.status, period=period, source="import",
                changed_by=by, changed_at=now,
                reason=f"imported from {file} row {row.row}" + (f", column '{period}'" if period else "")))
            action.status = key
            statuses += 1
        session.add(action)
    record_revision(session, plan, version, file, {}, by, now)
    session.flush()
    return PlanImport(plan, len(areas), len(table.rows), statuses)


def plan_table(session: Session, plan: ImprovementPlan, layout: str | None = None,
               scale: StatusScale | None = None) -> PlanTable:
    """The stored plan as a table in its own layout (or another one, with the source documents' headings)."""
    layout = layout or plan.layout
    rows, areas = [], []
    periods: dict[int, dict[str, str]] = {}
    changes = session.exec(select(ActionStatusChange)
                           .join(ImprovementAction, ImprovementAction.id == ActionStatusChange.action_id)
                           .where(ImprovementAction.plan_id == plan.id)
                           .order_by(ActionStatusChange.changed_at, ActionStatusChange.id)).all()
    for change in changes:
        if change.period:
            periods.setdefault(change.action_id, {})[change.period] = change.status
    seen_areas: set[int] = set()
    for action, area in actions_of(session, plan.id):
        if area.id not in seen_areas:
            seen_areas.add(area.id)
            areas.append((area.reference, area.title))
        values = {f: getattr(action, f) for f in ("finding", "action", "lead", "progress", "output_evidence",
                                                  "action_milestone", "impact_evidence", "impact_milestone")}
        if scale is not None:  # what the audits found, under the board's own progress text
            values["progress"] = with_evidence(values["progress"], evidence_lines(session, action, scale))
        rows.append(ActionRow(0, area.reference, area.title, action.reference, values, action.status,
                              periods.get(action.id, {}) if layout == WSOA else {}))
    _add_empty_areas(session, plan, areas)
    if layout == plan.layout and plan.layout_options:
        options = dict(plan.layout_options)
    else:
        options = default_options(layout, sorted({p for r in rows for p in r.periods}, key=_period_order))
    if layout == WSOA:
        known = options.get("periods", [])
        later = sorted({p for r in rows for p in r.periods} - set(known), key=_period_order)
        for row in rows:  # keep the imported columns first, then the later reviews in date order
            row.periods = {p: row.periods[p] for p in [*known, *later] if p in row.periods}
    return PlanTable(layout, areas, rows, options)


def _add_empty_areas(session: Session, plan: ImprovementPlan, areas: list[tuple[str, str]]) -> None:
    for area in session.exec(select(WeaknessArea).where(WeaknessArea.plan_id == plan.id)
                             .order_by(WeaknessArea.position)).all():
        if (area.reference, area.title) not in areas:
            areas.append((area.reference, area.title))


def _period_order(label: str):
    dates = milestone_dates(label)
    return (dates[0] if dates else datetime.max.date(), label)


def export_plan(session: Session, plan: ImprovementPlan, scale: StatusScale, path: Path,
                layout: str | None = None, evidence: bool = True) -> Path:
    """Write the plan as CSV or XLSX (by the file's extension) in its layout, with the audit evidence in its
    progress column (an action with none is written as imported)."""
    path = Path(path)
    table = plan_table(session, plan, layout, scale if evidence else None)
    grid = render_table(table, scale)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputRejected(f"Export {path.name}", [Problem(f"'{suffix or 'no extension'}' files cannot be written",
                                                            file=path.name, fix="name the file .csv or .xlsx")])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if suffix == ".csv":
        # Line endings and a byte order mark as the imported file had them, so an unchanged plan comes back byte
        # for byte; a plan that was not imported from CSV gets the CSV standard's CRLF.
        options = table.options if layout in (None, plan.layout) else {}
        with tmp.open("w", newline="", encoding="utf-8-sig" if options.get("csv_bom") else "utf-8") as handle:
            csv.writer(handle, lineterminator=options.get("csv_newline", "\r\n")).writerows(
                [[escape_formula(c) for c in row] for row in grid])
    else:
        _write_xlsx(tmp, grid, table, scale)
    tmp.replace(path)
    return path


def _write_xlsx(path: Path, grid: list[list[str]], table: PlanTable, scale: StatusScale) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "WSoA" if table.layout == WSOA else "APP"
    header_rows = table.options["header_rows"]
    fills = {s.label: PatternFill("solid", fgColor=s.hex) for s in scale.statuses}
    fills |= {s.colour_label: PatternFill("solid", fgColor=s.hex) for s in scale.statuses}
    for r, row in enumerate(grid, start=1):
        is_header = row in header_rows
        for c, text in enumerate(row, start=1):
            if not text:
                continue
            cell = sheet.cell(r, c, value=text)
            cell.data_type = "s"  # text, never a formula, whatever it starts with
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if is_header or (table.layout == WSOA and c == 1 and not any(row[1:])):
                cell.font = Font(bold=True)
            elif text in fills and c > 1:
                cell.fill = fills[text]
        if table.layout == APP and len(header_rows) == 2 and row == header_rows[0]:
            below = header_rows[1]
            for c, text in enumerate(row, start=1):  # "SENDIB" spans Status and RAG rating
                span = c
                while text and span < len(row) and not row[span] and below[span]:
                    span += 1
                if span > c:
                    sheet.merge_cells(start_row=r, start_column=c, end_row=r, end_column=span)
    for c in range(1, max(len(r) for r in grid) + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 28
    book.save(path)
