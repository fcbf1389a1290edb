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

from audit.cells import escape_formula, unescape_formula
from audit.errors import InputRejected, Problem
from audit.improvement.layout_render import default_options, render_table
from audit.improvement.layouts import APP, WSOA, ActionRow, PlanTable, parse_table
from audit.improvement.milestones import milestone_dates
from audit.improvement.plans import actions_of, add_action, add_event, create_plan, ensure_area
from audit.improvement.scales import StatusScale
from audit.limits import Limits, check_file_size, check_row_count
from audit.register.table_files import cell_text, read_grid
from audit.store.models import ActionStatusChange, ImprovementAction, ImprovementPlan, LocalArea, WeaknessArea, utcnow


@dataclass
class PlanImport:
    plan: ImprovementPlan
    areas: int
    actions: int
    statuses: int

    def __str__(self) -> str:
        return (f"Imported plan {self.plan.id} '{self.plan.name}' ({self.plan.layout.upper()}): {self.areas} areas "
                f"of weakness, {self.actions} actions, {self.statuses} statuses")


def read_plan_file(path: Path, layout: str, scale: StatusScale, limits: Limits | None = None) -> PlanTable:
    """Parse a plan file; InputRejected lists every problem (cells are checked as every import checks them)."""
    path = Path(path)
    what = f"Improvement plan {path.name}"
    limits = limits or Limits()
    check_file_size(path, what, limits.file_bytes)
    # Our own export's apostrophe before a formula-like cell is taken off; what is left is checked like any cell.
    grid = [[unescape_formula(cell_text(c)) for c in row] for row in read_grid(path, what)]
    check_row_count(len(grid), limits.rows, path.name, what)
    table, problems = parse_table(layout, grid, scale, path.name, limits.text_chars)
    if problems:
        raise InputRejected(what, problems)
    return table


def import_plan(session: Session, area: LocalArea, path: Path, *, layout: str, scale: StatusScale, name: str,
                by: str, now: datetime | None = None, limits: Limits | None = None) -> PlanImport:
    """Create a plan from a file; nothing is written unless the whole file is valid."""
    path = Path(path)
    table = read_plan_file(path, layout, scale, limits)
    now = now or utcnow()
    plan = create_plan(session, area, name, scale, layout, by, table.options, path.name)
    areas = {ref: ensure_area(session, plan, ref, title) for ref, title in table.areas}
    statuses = 0
    for row in table.rows:
        action = add_action(session, plan, areas[row.area_ref], reference=row.reference, by=by, now=now,
                            reason=f"imported from {path.name} row {row.row}",
                            **dict(row.values.items()))
        add_event(session, action, "imported", by, f"imported from {path.name}", {"file": path.name, "row": row.row},
                  now=now)
        changes = list(row.periods.items()) if layout == WSOA else [(None, row.status)] if row.status else []
        for period, key in changes:
            session.add(ActionStatusChange(
                action_id=action.id, status=key, previous=action.status, period=period, source="import",
                changed_by=by, changed_at=now,
                reason=f"imported from {path.name} row {row.row}" + (f", column '{period}'" if period else "")))
            action.status = key
            statuses += 1
        session.add(action)
    session.flush()
    return PlanImport(plan, len(areas), len(table.rows), statuses)


def plan_table(session: Session, plan: ImprovementPlan, layout: str | None = None) -> PlanTable:
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
                layout: str | None = None) -> Path:
    """Write the plan as CSV or XLSX (by the file's extension) in its layout."""
    path = Path(path)
    table = plan_table(session, plan, layout)
    grid = render_table(table, scale)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputRejected(f"Export {path.name}", [Problem(f"'{suffix or 'no extension'}' files cannot be written",
                                                            file=path.name, fix="name the file .csv or .xlsx")])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if suffix == ".csv":
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([[escape_formula(c) for c in row] for row in grid])
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
