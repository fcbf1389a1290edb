"""The board summary: a documented subset of the board pack's view-model (reports/pack.py), as one JSON-ready
dict that the web results pages, `ehcp-audit report`, the API and the cycle flow render (schema in
docs/formats.md).

It is not built from the store on its own: `build_summary` builds the board pack without the parts only the
pack shows (trend, per-team and monthly timeliness, charts, improvement plan) and `summary_from_pack` takes its
figures from the pack's tables (each row's `record`), so the summary and the pack cannot disagree.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from audit.improvement.scales import StatusScale
from audit.results import analysis
from audit.timeliness.ageing import ADVICE_BANDS, REQUEST_BANDS
from audit.vocabulary import Agency, Grade
from reports.pack import build_pack, pack_data, table
from reports.precheck import ROW as PRECHECK_ROW

SCHEMA = "ehcp-audit/board-summary/2"
GRADE_ROW = ("group", "plans", *analysis.GRADE_COLUMNS, "incomplete", "good_or_better_pct", "suppressed")
MEASURE_ROW = ("key", "label", "definition", "met", "total", "not_met", "percent", "target_days", "group", "suppressed")
WEAK_ROW = ("criterion_id", "section", "criterion", "plans", "weak", "weak_pct", "suppressed")
OPEN_ROWS = {part: ("key", "label", "definition", "open", *(f"band_{i}" for i in range(len(bands))), "suppressed")
             for part, bands in (("requests", REQUEST_BANDS), ("advice", ADVICE_BANDS))}
ACTION_ROW = ("kind", "title", "lead", "milestone", "status", "status_label", "detail", "services")


def build_summary(session: Session, results: analysis.CycleResults, as_of: date, small_number: int = 5,
                  service: str | None = None, scales: dict[str, StatusScale] | None = None) -> dict:
    """Everything the board summary shows for one cycle, as plain data; with `service`, only that service's part
    (cut the way the per-service board pack is)."""
    data = pack_data(session, results.cycle, as_of, full=False, results=results, scales=scales)
    return summary_from_pack(build_pack(session, results.cycle, as_of, small_number, service=service, data=data))


def _rows(pack: dict, key: str, fields: tuple[str, ...]) -> list[dict]:
    found = table(pack, key)
    return [] if found is None else [{f: row["record"].get(f) for f in fields} for row in found["rows"]]


def summary_from_pack(pack: dict) -> dict:
    """The board summary's figures, read from the pack's tables (a suppressed count is its shown text, "<5" or
    "[c]"; any other hidden figure is None)."""
    service = pack["service"]
    by_service = _rows(pack, "by_service", GRADE_ROW)
    timeliness = table(pack, "timeliness")
    measures = [{**{f: row["record"].get(f) for f in MEASURE_ROW},
                 "group": None, "shown": row["cells"][[c["key"] for c in timeliness["columns"]].index("percent")]["text"]}
                for row in timeliness["rows"]]
    as_of, period = pack["as_of"], pack["timeliness_period"]
    return {
        "schema": SCHEMA,
        "service": {"code": service, "label": pack["service_label"]} if service else None,
        "generated_at": pack["generated_at"],
        "as_of": as_of,
        "area": pack["area"],
        "cycle": pack["cycle"],
        "rubric": {k: pack["rubric"][k] for k in ("key", "title", "version", "content_hash", "kind", "kind_label",
                                                   "theme")},
        "small_number_threshold": pack["small_number_threshold"],
        "headline": pack["figures"],
        "headline_lines": pack["headline"],
        "suppression_note": pack["suppression_note"],
        "grade_distribution": by_service if service else _rows(pack, "overall", GRADE_ROW),
        "caps": pack["caps"],
        "by_service": by_service,
        "by_section": _rows(pack, "by_section", GRADE_ROW),
        "precheck_by_section": _rows(pack, "precheck_by_section", PRECHECK_ROW),
        "precheck_by_service": _rows(pack, "precheck_by_service", PRECHECK_ROW),
        "by_team": _rows(pack, "by_team", GRADE_ROW),
        "by_phase": _rows(pack, "by_phase", GRADE_ROW),
        "by_primary_need": _rows(pack, "by_need", GRADE_ROW),
        "grade_by_timeliness": _rows(pack, "quality_by_timeliness", GRADE_ROW),
        "timeliness": {"as_of": as_of, "period_start": period["start"], "period_end": period["end"],
                       "measures": measures},
        "open_cases": {**pack["open_cases"], "requests": _rows(pack, "open_requests", OPEN_ROWS["requests"]),
                       "advice": _rows(pack, "open_advice", OPEN_ROWS["advice"])},
        "incomplete": _rows(pack, "incomplete", ("plan_ref", "team", "missing_sections")),
        "weak_criteria": _rows(pack, "weak_criteria", WEAK_ROW),
        "actions": _rows(pack, "actions", ACTION_ROW),
        "moderation": pack["moderation"],
        "grades": analysis.GRADE_COLUMNS,
        "services": [pack["service_label"]] if service else [a.label for a in (
            Agency.sen_team, Agency.education, Agency.health, Agency.social_care)],
        "grade_order_note": "Grades best first: " + ", ".join(g.label for g in sorted(Grade, reverse=True)),
        "family": _family(pack),
    }


def _family(pack: dict) -> dict | None:
    """The pack's "Family voice" section (issue 21) as the summary carries it: the cover's lines and the tables,
    suppressed as the pack's are; None when the cycle surveyed no family (or for one service's part)."""
    section = next((s for s in pack["sections"] if s["id"] == "family"), None)
    if section is None:
        return None
    return {"lines": pack["cover"]["family"], "intro": section["intro"], "tables": section["tables"]}

