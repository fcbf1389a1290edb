"""The regional comparison: one view-model from every area's figures (audit.national.regional), rendered to HTML and Markdown.

Tables put the areas side by side: plan grades, grades per service, each timeliness measure, and marker
agreement. Small numbers are suppressed once, here, with the board pack's rule (reports.suppression), so a
group of fewer than the threshold shows "<5" and no percentage in every format.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from audit import clock
from audit.national.regional import AreaFigures
from audit.timeliness.measures import Measure
from reports import templating
from reports.board import grade_table, measure_table
from reports.suppression import COUNT, PERCENT, TEXT, make_table, note

SCHEMA = "ehcp-audit/regional/1"
FORMATS = ("html", "md", "json")

_env = templating.env


def regional_view(figures: list[AreaFigures], region: str, as_of: date, threshold: int = 5) -> dict:
    """Every area side by side, suppressed; areas in code order."""
    figures = sorted(figures, key=lambda f: f.area)
    overall = pd.DataFrame([{**f.overall, "group": f"{f.area} {f.name}"} for f in figures])
    services = pd.DataFrame([{**row, "group": f"{f.area}: {row['group']}"} for f in figures for row in f.services])
    keys = list(dict.fromkeys(m["key"] for f in figures for m in f.timeliness))
    tables = [
        grade_table("plans_by_area", "Plan grades by area (each area's latest cycle)", overall, "Area", threshold),
        grade_table("services_by_area", "Grades per service by area", services, "Area and service", threshold),
    ]
    for key in keys:
        measures = [Measure(m["key"], m["label"], m["definition"], m["met"], m["total"], m["target_days"], f.area)
                    for f in figures for m in f.timeliness if m["key"] == key and m["group"] is None]
        tables.append(measure_table(f"timeliness_{key}", measures[0].label, measures, threshold, "Area",
                                    definitions=False))
    tables.append(_agreement_table(figures, threshold))
    definitions = {m["label"]: m["definition"] for f in figures[:1] for m in f.timeliness if m["group"] is None}
    return {
        "schema": SCHEMA,
        "title": f"Regional comparison: {region}",
        "region": region,
        "as_of": as_of.isoformat(),
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "areas": [{"code": f.area, "name": f.name, "cycle": f.cycle, "due": f.cycle_due} for f in figures],
        "small_number_threshold": threshold,
        "suppression_note": note(threshold),
        "tables": tables,
        "definitions": definitions,
    }


def _agreement_table(figures: list[AreaFigures], threshold: int) -> dict:
    rows = [{"area": f.area, "plans": (f.agreement or {}).get("plans", 0), "units": (f.agreement or {}).get("units", 0),
             "exact": (f.agreement or {}).get("exact_pct"), "within": (f.agreement or {}).get("within_one_pct"),
             "alpha": _coefficient((f.agreement or {}).get("alpha_ordinal")),
             "ac1": _coefficient((f.agreement or {}).get("ac1"))} for f in figures]
    columns = [("area", "Area", TEXT), ("plans", "Double-marked plans", COUNT), ("units", "Sections", COUNT),
               ("exact", "Exact agreement", PERCENT), ("within", "Within one grade", PERCENT),
               ("alpha", "Krippendorff's alpha", TEXT), ("ac1", "Gwet's AC1", TEXT)]
    return make_table("agreement_by_area", "Agreement between first and second markers", columns, rows,
                      threshold=threshold, size="plans")


def _coefficient(value: float | None) -> str:
    return "not defined" if value is None else f"{value:.2f}"


def render(view: dict, fmt: str) -> str:
    """The comparison as HTML, Markdown or JSON."""
    if fmt == "json":
        return json.dumps(view, indent=2, ensure_ascii=False) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    return _env.get_template(f"regional.{fmt}.jinja").render(r=view)


def write_regional(view: dict, folder: Path) -> dict[str, Path]:
    """Write regional-<region>.{html,md,json}; each file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = "regional-" + "".join(c if c.isalnum() else "-" for c in view["region"].lower()).strip("-")
    paths = {}
    for fmt in FORMATS:
        path = folder / f"{stem}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(render(view, fmt), encoding="utf-8")
        tmp.replace(path)
        paths[fmt] = path
    return paths
