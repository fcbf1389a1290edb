"""Small-number suppression, applied once when a board table is built, so every format shows the same cells.

A table is a plain dict (`make_table`): columns with a kind, and rows of cells with the text every format
prints and the value a spreadsheet stores. Suppression rules (docs/board-pack.md):

- a group (row) with fewer plans than the threshold shows every count as "<5" and no percentage;
- in a larger group, a count of 1 to threshold-1 shows as "<5" (primary suppression). The group's total
  and percentage stay, so some cells add up to a known figure (Outstanding + Good is the % Good or better
  of the total); when only one cell of such a set is hidden, the smallest other cell of the set is hidden
  too ("[c]"), so the first cannot be worked out by subtraction (secondary suppression);
- a percentage is hidden with its interval ("suppressed") when its numerator or the rest of its group is 1 to
  threshold-1 plans: "6.7% of 30" gives away 2 as surely as the count would (issue 19);
- a suppressed cell's value is None: no format, the JSON or the workbook carries the hidden number.

Each row also has a `record`: the row as data (a count hidden by the rule is its shown text, "<5" or "[c]",
any other hidden figure None), which the board summary's JSON is made of, so it cannot disagree with a table.
A text column may name a function that writes its code in words (`label`): the cell's text is the words, its
value the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TEXT, COUNT, PERCENT, INTERVAL = "text", "count", "percent", "interval"
SECONDARY = "[c]"


def note(threshold: int) -> str:
    """The sentence every board output prints under its tables."""
    if threshold <= 1:
        return "Small-number suppression is off (threshold below 2)."
    return (f"Small numbers: a group of fewer than {threshold} plans shows \"<{threshold}\" in every count and "
            f"no percentage; any other count of 1 to {threshold - 1} plans shows \"<{threshold}\", and \"{SECONDARY}\" "
            f"marks a second cell hidden so the first cannot be worked out from the figures shown.")


Column = tuple  # (key, heading, kind) or (key, heading, TEXT, words): `words(value)` is the text shown


def make_table(
    key: str,
    title: str,
    columns: list[Column],
    rows: list[dict[str, Any]],
    *,
    threshold: int,
    size: str | None = None,
    parts: tuple[tuple[str, ...], ...] = (),
    caption: str | None = None,
    keep: tuple[str, ...] = (),
    shares: dict[str, tuple[str, ...]] | None = None,
) -> dict:
    """A board table: `columns` as (key, heading, kind[, words]); `size` names the column that counts the group's
    plans (None: nothing in the table counts plans); `parts` are sets of count columns whose sum a reader can work
    out from the other figures shown (secondary suppression keeps each set from giving a hidden cell away);
    `keep` names fields of a row that are not columns but belong in its record (a key, a code, a date);
    `shares` names, for a percentage column, the count columns that make its numerator (of `size`)."""
    out_rows = []
    suppressed_cells = 0
    for row in rows:
        cells, hidden = _row_cells(columns, row, threshold, size, parts, shares or {})
        suppressed_cells += hidden
        out_rows.append({"cells": cells, "record": _record(columns, row, cells, keep)})
    return {
        "key": key,
        "title": title,
        "caption": caption,
        "columns": [{"key": c[0], "label": c[1], "kind": c[2]} for c in columns],
        "rows": out_rows,
        "suppressed_cells": suppressed_cells,
    }


def _record(columns: list[Column], row: dict, cells: list[dict], keep: tuple[str, ...]) -> dict:
    record = {k: row.get(k) for k in keep}
    for column, cell in zip(columns, cells):
        kind = column[2]
        if cell["suppressed"]:
            record[column[0]] = cell["text"] if kind == COUNT else None
        else:
            record[column[0]] = cell["value"]
    record["suppressed"] = any(cell["suppressed"] for cell in cells)
    return record


def _row_cells(columns, row, threshold, size, parts, shares) -> tuple[list[dict], int]:
    n = row.get(size) if size else None
    small_group = n is not None and 0 < n < threshold
    hidden: set[str] = set()
    secondary: set[str] = set()
    if size and not small_group:
        hidden = {c[0] for c in columns if c[2] == COUNT and _is_small(row.get(c[0]), threshold)}
        for cells_set in parts:
            shown = [p for p in cells_set if p not in hidden]
            if len(cells_set) - len(shown) == 1 and shown:
                secondary.add(min(shown, key=lambda p: (row.get(p) or 0, cells_set.index(p))))
    # A percentage whose numerator, or whose complement in the group, is a small number gives that number away.
    telling = {key for key, numerator in shares.items() if size and not small_group and n
               and (_is_small(sum(row.get(c) or 0 for c in numerator), threshold)
                    or _is_small(n - sum(row.get(c) or 0 for c in numerator), threshold))}
    cells = []
    count = 0
    for column in columns:
        key, kind = column[0], column[2]
        value = row.get(key)
        if kind == TEXT:
            words: Callable[[Any], str] = column[3] if len(column) > 3 else str
            cells.append(_cell("" if value is None else words(value), value))
        elif kind == COUNT and size and (small_group or key in hidden):
            cells.append(_cell(f"<{threshold}", None, True))
            count += 1
        elif kind == COUNT and size and key in secondary:
            cells.append(_cell(SECONDARY, None, True))
            count += 1
        elif kind == COUNT:
            cells.append(_cell("" if value is None else str(int(value)), value))
        elif small_group or (telling and kind in (PERCENT, INTERVAL)
                             and (key in telling or (kind == INTERVAL and len(shares) == 1))):
            cells.append(_cell("suppressed", None, True))
            count += 1
        elif kind == PERCENT:
            cells.append(_cell("no data" if value is None else f"{value:.1f}%", value, nodata=value is None))
        else:  # INTERVAL: (low, high) in percent
            text = "" if value is None else f"{value[0]:.0f}–{value[1]:.0f}%"
            cells.append(_cell(text, None if value is None else [round(value[0], 1), round(value[1], 1)]))
    return cells, count


def _is_small(value: Any, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def _cell(text: str, value: Any, suppressed: bool = False, nodata: bool = False) -> dict:
    return {"text": text, "value": value, "suppressed": suppressed, "nodata": nodata}


def is_small_group(n: int | None, threshold: int) -> bool:
    """A group too small to chart or to give a percentage for."""
    return n is not None and 0 < n < threshold
