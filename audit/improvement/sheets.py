"""Reading an improvement plan's workbook as boards keep it: the first sheet's cells as text with merged cells
filled (a sub finding or Ref merged down over its actions is read on every row it covers), each shaded cell's
fill colour (a BRAG status shown only by shading), and the other sheets (an initials and designation list).
CSV files have no shading or merges and are read by audit.register.table_files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audit.cells import unescape_formula
from audit.errors import InputRejected, Problem
from audit.register.table_files import cell_text, read_grid

# Office's default theme colours, by theme index (a fill chosen from the theme palette is stored this way).
_THEME = {0: "FFFFFF", 1: "000000", 2: "E7E6E6", 3: "44546A", 4: "4472C4", 5: "ED7D31", 6: "A5A5A5", 7: "FFC000",
          8: "5B9BD5", 9: "70AD47"}


@dataclass
class PlanCells:
    """A plan file's cells: the table's grid, shaded cells' fill colours, and other sheets' grids by name."""

    grid: list[list[str]]
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, column index) -> RGB hex
    sheets: dict[str, list[list[str]]] = field(default_factory=dict)


def read_cells(path: Path, what: str) -> PlanCells:
    """The cells of a CSV or XLSX plan file (unreadable files raise InputRejected naming the file)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        return PlanCells([[unescape_formula(cell_text(c)) for c in row] for row in read_grid(path, what)])
    read_grid(path, what)  # the same checks (exists, readable) and messages as every other import
    from openpyxl import load_workbook

    try:
        book = load_workbook(path)  # formulas as written, so the cell checks refuse them
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputRejected(what, [Problem(f"the workbook cannot be read ({type(exc).__name__})", file=path.name,
                                           fix="save it again as an Excel workbook (.xlsx)")]) from None
    sheets = book.worksheets
    grid, fills = _sheet(sheets[0])
    return PlanCells(grid, fills, {s.title: _sheet(s)[0] for s in sheets[1:]})


def _sheet(sheet) -> tuple[list[list[str]], dict[tuple[int, int], str]]:
    grid = [[unescape_formula(cell_text(c.value)) for c in row] for row in sheet.iter_rows()]
    fills: dict[tuple[int, int], str] = {}
    for r, row in enumerate(sheet.iter_rows()):
        for c, cell in enumerate(row):
            colour = _fill(cell)
            if colour:
                fills[(r, c)] = colour
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == merged.max_row:
            continue  # a heading spread across columns: read once, where it is written
        top, column = merged.min_row - 1, merged.min_col - 1
        for r in range(merged.min_row, merged.max_row):  # filled down the range's first column
            while len(grid[r]) <= column:
                grid[r].append("")
            grid[r][column] = grid[top][column] if column < len(grid[top]) else ""
            if (top, column) in fills:
                fills[(r, column)] = fills[(top, column)]
    return grid, fills


def _fill(cell) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    colour = fill.fgColor
    if colour.type == "rgb" and isinstance(colour.rgb, str):
        return colour.rgb[-6:].upper()
    if colour.type == "theme":
        return _THEME.get(colour.theme)
    if colour.type == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        return COLOR_INDEX[colour.indexed][-6:] if colour.indexed < len(COLOR_INDEX) else None
    return None
