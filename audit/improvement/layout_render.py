"""Writing an improvement plan back in its own layout (WSoA or APP): the grid of cells, headings as the file
wrote them, group cells left blank where they were, statuses on the plan's scale."""

from __future__ import annotations

from audit.improvement.layouts import ALIASES, APP, APP_HEADER, WSOA, WSOA_HEADER, PlanTable
from audit.improvement.scales import StatusScale


def default_options(layout: str, periods: list[str] | None = None) -> dict:
    """How a plan that was not imported is written: the source documents' headings."""
    if layout == WSOA:
        header = WSOA_HEADER + list(periods or [])
        fields = list(ALIASES[WSOA]) + [f"period:{p}" for p in periods or []]
        return {"header_rows": [header], "fields": fields, "periods": list(periods or []), "header": "per_area",
                "group_cells": "first", "area_headings": {}}
    fields = list(ALIASES[APP])
    return {"header_rows": [list(r) for r in APP_HEADER], "fields": fields, "group_cells": "every"}


def render_table(table: PlanTable, scale: StatusScale) -> list[list[str]]:
    """The table as rows of cell text, laid out as the options say (the inverse of parse_table)."""
    opts = table.options
    fields: list[str | None] = list(opts["fields"])
    header_rows = [list(r) for r in opts["header_rows"]]
    for period in [p for r in table.rows for p in r.periods]:
        if f"period:{period}" not in fields:  # a review month added since the import
            fields.append(f"period:{period}")
            header_rows[0].append(period)
            for extra in header_rows[1:]:
                extra.append("")
    width = len(fields)
    out: list[list[str]] = []
    if table.layout == APP or opts.get("header") == "once":
        out += header_rows
    previous_group = None
    for ref, title in table.areas:
        if table.layout == WSOA:
            out.append([opts.get("area_headings", {}).get(ref) or f"Area {ref}: {title}"] + [""] * (width - 1))
            if opts.get("header") != "once":
                out += header_rows
        for r in (r for r in table.rows if r.area_ref == ref):
            group = r.values["finding"] if table.layout == WSOA else r.area_ref
            first = group != previous_group
            previous_group = group
            keep = first or opts.get("group_cells") == "every"
            cells = []
            for name in fields:
                if name is None:
                    cells.append("")
                elif name.startswith("period:"):
                    status = scale.status(r.periods.get(name[7:]))
                    cells.append(status.label if status else "")
                elif name == "finding":
                    cells.append(r.values["finding"] if keep else "")
                elif name == "ref":
                    cells.append(r.area_ref if keep else "")
                elif name == "area":
                    cells.append(r.area_title if keep else "")
                elif name in ("status", "rag"):
                    status = scale.status(r.status)
                    cells.append("" if status is None else status.label if name == "status" else status.colour_label)
                else:
                    cells.append(r.values.get(name, ""))
            out.append(cells)
    return out
