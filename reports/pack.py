"""The SEND board pack: the board's one view-model (tables already suppressed, charts as PNG), rendered to
every format; the board summary (reports/summary.py) is a documented subset of it.

`build_pack` reads a cycle's results, progress, moderation, the trend across cycles and the register's timeliness
(reports/board.py reads and cuts them); `write_pack` renders HTML, Markdown (+ chart files), PDF, XLSX and JSON
into one folder. A per-service pack is the same pack cut to one service. Small-number suppression happens here,
once (reports.suppression); codes are written in words here and in the templates (audit.vocabulary).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from sqlmodel import Session

from audit import clock
from audit.improvement.scales import StatusScale
from audit.results import analysis
from audit.results.comments import cycle_comments
from audit.store.models import Cycle
from audit.timeliness.ageing import ADVICE_BANDS, REQUEST_BANDS
from audit.timeliness.measures import Measure, TimelinessReport
from audit.vocabulary import Agency, label, stratum_label
from audit.words import day
from reports import board, charts
from reports.board import (
    GRADES,
    MONTHLY_KEYS,
    SERVICE_MEASURES,
    BoardData,
    grade_table,
    measure_table,
    records,
)
from reports.family import pack_section as family_section
from reports.heap import earlier_objects_frozen
from reports.improvement import pack_section
from reports.pack_charts import PackCharts
from reports.paper import AUDIENCES, PaperOptions, cover, status
from reports.precheck import precheck_tables
from reports.suppression import COUNT, INTERVAL, PERCENT, TEXT, is_small_group, make_table, note
from reports.trends import Trends

SCHEMA = "ehcp-audit/board-pack/2"
__all__ = ["SCHEMA", "SERVICE_MEASURES", "PackData", "build_pack", "pack_data"]
PackData = BoardData  # the name the flow and the benchmarks know


def pack_data(session: Session, cycle: Cycle, as_of: date, scales_dir: Path | None = None, *, full: bool = True,
              results: analysis.CycleResults | None = None, scales: dict[str, StatusScale] | None = None) -> BoardData:
    """Read everything the board's outputs of one cycle need, once (reports.board.board_data)."""
    return board.board_data(session, cycle, as_of, full=full, results=results, scales=scales, scales_dir=scales_dir)


@earlier_objects_frozen()
def build_pack(session: Session, cycle: Cycle, as_of: date, threshold: int = 5, service: str | None = None,
               data: BoardData | None = None, scales_dir: Path | None = None, *, audience: str | None = None,
               paper: PaperOptions | None = None, draw_charts: bool = True) -> dict:
    """Everything the board sees for one cycle (or one service's part of it), tables suppressed, behind a cover
    paper (reports/paper.py).

    `audience` is "published" (small numbers suppressed by `threshold`) or "internal" (for the QA group: counts
    shown in full); by default the one `paper` (the QA lead's settings, PaperOptions.from_settings) names.

    Pass `data` (from `pack_data`) to build several packs of one cycle (the per-service packs) from one read.
    Data read without the trend (`full=False`, what the summary needs) gives the pack without its trend,
    per-team and monthly timeliness, charts and improvement plan: the same figures, fewer of them.

    The charts are drawn in the worker processes while the rest is built, and the pack holds their PNGs; with
    `draw_charts=False` it holds them as jobs instead, for reports.pack_files to draw beside the PDF's layout
    (reports.pack_charts says why).
    """
    data = data or pack_data(session, cycle, as_of, scales_dir)
    results, area, version = data.results, data.area, data.version
    full = data.trends is not None
    keep = board.service_filter(results, service)
    label_ = Agency(service).label if service else None
    paper = paper or PaperOptions()
    audience = audience or paper.audience
    if audience not in AUDIENCES:
        raise ValueError(f"Unknown audience '{audience}'; use published or internal")
    t = 0 if audience == "internal" else threshold  # the internal paper shows every count

    overall = analysis.overall(results)
    service_rows = analysis.by_service(results)
    if service:
        service_rows = service_rows[service_rows["group"] == label_]
    head_frame = service_rows if service else overall
    head = records(head_frame)[0] if len(head_frame) else {"plans": 0, "incomplete": 0}
    head_table = grade_table("overall", "Overall plan grades", head_frame, "Sample", t)
    figures = board.headline(data, head | {g: head.get(g, 0) for g in GRADES},
                             head_table["rows"][0]["record"] if head_table["rows"] else
                             {"plans": 0, "incomplete": 0, "good_or_better_pct": None}, keep, t)
    pack: dict = {
        "schema": SCHEMA,
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "timeliness_period": {"start": data.timeliness.period_start.isoformat(),
                              "end": data.timeliness.period_end.isoformat()},
        "area": {"code": area.code, "name": area.name},
        "cycle": {"id": cycle.id, "name": cycle.name, "status": cycle.status,
                  "status_label": label(cycle.status, "cycle_status"), "due_date": cycle.due_date.isoformat(),
                  "sample_size": cycle.sample_size, "strata": list(cycle.strata),
                  "strata_label": ", ".join(label(s, "stratum_field") for s in cycle.strata) or stratum_label("all"),
                  "seed": cycle.seed},
        "rubric": {"key": version.key, "title": version.title, "version": version.version_label,
                   "hash": version.content_hash[:12], "content_hash": version.content_hash, "kind": version.kind,
                   "kind_label": label(version.kind, "rubric_kind"), "theme": version.theme},
        "service": service,
        "service_label": label_,
        "title": f"SEND board pack: {cycle.name}" + (f" ({label_})" if label_ else "")
                 + (" (internal)" if audience == "internal" else ""),
        "audience": audience,
        "small_number_threshold": t,
        "suppression_note": note(t) if audience == "published" else (
            "Internal paper: every count is shown, small numbers included; not for publication."),
        "figures": figures,
        "headline": board.headline_lines(figures),
        "caps": board.capped(analysis.cap_effects(results), t),
        "open_cases": {"as_of": as_of.isoformat(), "request_bands": [w for _, _, w in REQUEST_BANDS],
                       "advice_bands": [w for _, _, w in ADVICE_BANDS]},
        "moderation": board.moderation(session, data, keep),
        "sections": [],
        "charts": {},
    }
    sections = pack["sections"]
    charts_ = PackCharts(start=draw_charts)

    section_rows = analysis.by_section(results)
    section_rows = section_rows[section_rows["group"].str.split(":").str[0].isin(keep["sections"])]
    if full:
        charts_.add(
            "grades_by_service",
            "Grades per service", "Stacked bars: share of plans at each grade, per service",
            charts.grade_bars, records(service_rows), GRADES, t, "Grades per service (share of graded plans)")
    tables = [grade_table("by_service", "Grades per service", service_rows, "Service", t),
              grade_table("by_section", "Grades per plan section", section_rows, "Section", t)]
    if not service:
        tables.insert(0, head_table)
    flagged = precheck_tables(session, results, keep, t)  # beside the grades: the pre-check's flags (issue 20)
    sections.append(_section("results", "Results this cycle", tables + flagged, ["grades_by_service"] if full else [],
                             "A service's grade for a plan rolls up the sections that service judges. \"No data\" "
                             "means no sampled plan had that service's sections, not 0%. " + pack["caps"]["sentence"]
                             + (" The pre-check's flags are suggestions on the plans' text; auditors confirm or "
                                "dismiss each, and they never set a grade." if flagged else "")))

    if full:
        sections.append(_trend_section(data.trends, keep, label_, t, charts_))
    sections.append(_timeliness_section(data, keep, t, charts_))
    if not service or service == Agency.sen_team.value:
        sections.append(_quality_section(results, t))
    if not service:
        sections.append(_section("groups", "Results by team, phase and primary need", [
            grade_table("by_team", "Grades per team", _fold_small(analysis.by_plan_field(results, "team"), t,
                                                                  "teams"), "Team", t),
            grade_table("by_phase", "Grades per phase", _fold_small(analysis.by_plan_field(results, "phase"), t,
                                                                    "phases"), "Phase", t),
            grade_table("by_need", "Grades per primary need",
                        _fold_small(analysis.by_plan_field(results, "primary_need"), t, "primary needs"),
                        "Primary need", t),
        ], intro=f"Groups with fewer than {t} graded plans are counted together, so each row says something."
           if t > 1 else ""))
    family = None if service else family_section(session, cycle.id, t)  # a family rates the whole plan
    if family:
        sections.append(family)
    actions = board.action_rows(session, data, keep)
    sections.append(_section("findings", "Strengths, weaknesses and actions", [
        board.strong_table(results, keep, t), board.weak_table(results, keep, t),
        board.incomplete_table(results, keep, t), board.actions_summary_table(actions, as_of),
        _workbook_only(board.actions_table(actions, t))],
        [], "Plans are known by pseudonymised references; people by codes. The full list of actions, one row "
            "each, is in the workbook."))
    improvement = None if service or not full else pack_section(session, cycle.area_id, data.scales, as_of)
    if improvement:
        sections.append(improvement)
    progress = data.progress
    counts = progress.by_agency.get(service, {}) if service else {"submitted": progress.submitted,
                                                                    "total": progress.total}
    pack["status"] = status(cycle.status, progress, counts, figures["plans_incomplete"])
    pack["cover"] = cover(pack, pack["status"], cycle_comments(session, results, keep["sections"]), actions, paper,
                          as_of)
    pack["charts"] = charts_.collected()
    return pack


def table(pack: dict, key: str) -> dict | None:
    """The pack's table with this key, wherever it is, or None."""
    return next((t for s in pack["sections"] for t in s["tables"] if t["key"] == key), None)


# --- sections ------------------------------------------------------------------------------------


def _trend_section(trends: Trends, keep: dict, label: str | None, t: int, charts_: PackCharts) -> dict:
    frame = trends.routine
    wanted = (frame["series"] == "Service") & frame["group"].isin(keep["services"])
    if label is None:
        wanted |= frame["series"] == "Overall"
    else:
        wanted |= (frame["series"] == "Section") & frame["group"].str.split(":").str[0].isin(keep["sections"])
    frame = frame[wanted]
    lines: dict[str, list[charts.Point]] = {}
    for (series, group), points in frame.groupby(["series", "group"], sort=False):
        if series == "Section":
            continue
        lines[group] = [charts.Point(f"{r.cycle}", None if is_small_group(r.plans, t) else r.pct,
                                     r.ci_low, r.ci_high, bool(r.rubric_break)) for r in points.itertuples()]
    charts_.add(
        "trend_good_or_better",
        "% Good or better, cycle on cycle", "Lines per service with 95% Wilson intervals; dashed lines mark rubric changes",
        charts.trend_lines, lines, "% Good or better per routine cycle (95% Wilson intervals)")
    tables = [_trend_table("trend_routine", "Routine cycles: % Good or better, cycle on cycle", frame, t)]
    themed = trends.themed
    themed = themed[(themed["series"] == "Service") & themed["group"].isin(keep["services"])
                    | ((themed["series"] == "Overall") & (label is None))]
    tables.append(_trend_table("trend_themed", "Themed cycles (one advice type), reported beside the routine "
                               "trend and never mixed into it", themed, t, themed=True))
    return _section("trends", "Trends across cycles", tables, ["trend_good_or_better"],
                    "Each % comes with its sample size and a 95% Wilson interval: a change smaller than the "
                    "intervals is likely noise. \"Rubric changed\" marks the first cycle judged against a new "
                    "rubric version; figures either side of it are not like for like.")


def _trend_table(key: str, title: str, frame: pd.DataFrame, t: int, themed: bool = False) -> dict:
    rows = [{
        "cycle": r.cycle, "date": r.date, "rubric": f"{r.rubric} {r.rubric_version}",
        "break": "rubric changed" if r.rubric_break else "", "theme": r.theme or "",
        "series": r.series, "group": r.group, "plans": r.plans, "good": r.good_or_better,
        "below": r.plans - r.good_or_better, "pct": None if r.pct is None or pd.isna(r.pct) else r.pct,
        "cycle_id": int(r.cycle_id),
        "ci": None if r.ci_low is None or pd.isna(r.ci_low) else (r.ci_low, r.ci_high),
    } for r in frame.sort_values(["series", "group", "date", "cycle_id"], kind="stable").itertuples()]
    columns = ([("theme", "Theme", TEXT)] if themed else []) + [
        ("group", "Group", TEXT), ("cycle", "Cycle", TEXT), ("date", "Due", TEXT, day), ("rubric", "Rubric", TEXT),
        ("break", "Break", TEXT), ("plans", "Plans graded", COUNT), ("good", "Good or better", COUNT),
        ("below", "Below Good", COUNT), ("pct", "% Good or better", PERCENT), ("ci", "95% interval", INTERVAL)]
    return make_table(key, title, columns, rows, threshold=t, size="plans", keep=("cycle_id",),
                      parts=(("good", "below"),), shares={"pct": ("good",)})


def _timeliness_section(data: BoardData, keep: dict, t: int, charts_: PackCharts) -> dict:
    report = data.timeliness
    wanted = keep["measures"]
    overall = [m for m in report.measures if wanted is None or m.key in wanted]
    period = f"{day(report.period_start)} to {day(report.period_end)}"
    # The PDF's table leaves the definitions out (a page each); the workbook has them, row for row.
    tables = [measure_table("timeliness", f"Statutory timescales, {period}", overall, t, definitions=False),
              _workbook_only(measure_table("timeliness_definitions", f"Statutory timescales, {period}, with "
                                           "what each measure counts", overall, t)),
              *board.open_case_tables(data, keep, t)]
    chart_keys = []
    if data.by_team is not None and data.monthly is not None:
        chart_keys = ["timeliness_against_target"]  # the chart per month is in the workbook, with its table
        tables += _team_and_month_tables(data.by_team, data.monthly, overall, wanted, t, charts_)
    return _section("timeliness", "Timeliness", tables, chart_keys,
                    f"Over the whole register as of {day(report.as_of)}. Every figure says what it counts; "
                    "lawful exceptions are reported separately. \"No data\": nobody in the population, or the "
                    "register does not record that clock. Cases still open are counted by time waited: day 140 "
                    "is still within 20 weeks, day 42 within 6 weeks. Timeliness per team and per calendar month "
                    "is in the workbook.")


def _team_and_month_tables(by_team: TimelinessReport, monthly: list, overall: list[Measure], wanted: list | None,
                           t: int, charts_: PackCharts) -> list[dict]:
    teams = [m for m in by_team.measures if m.group is not None and (wanted is None or m.key in wanted)]
    charts_.add(
        "timeliness_against_target",
        "Timeliness against the statutory target", "Bars: % of each measure met; dashed line: the target (100%)",
        charts.timeliness_bars, [m.to_dict() for m in overall], t, "Statutory timescales met (% of population)",
        early=True)  # the slowest chart (a labelled bar per measure): drawn first, while the rest is built
    measured = [m.key for m in overall]  # open-case keys are not measures
    month_keys = [k for k in MONTHLY_KEYS if wanted is None or k in wanted] or measured[:4]
    lines = {}
    month_rows = []
    for key in month_keys:
        points = []
        for month, rep in monthly:
            m = rep.get(key)
            points.append(charts.Point(month, None if is_small_group(m.total, t) else m.percent))
            month_rows.append(Measure(m.key, m.label, m.definition, m.met, m.total, m.target_days, month))
        lines[monthly[0][1].get(key).label] = points
    charts_.add(
        "timeliness_by_month",
        "Timeliness per month", "Lines: % met per calendar month for the key measures",
        charts.trend_lines, lines, "Timeliness per month (% met)", "% met")
    return [
        _workbook_only(measure_table("timeliness_by_team", "Timeliness per team (definitions as above)", teams, t,
                                     "Team", False)),
        _workbook_only(measure_table("timeliness_by_month", "Timeliness per calendar month (each month is its own "
                                     "period)", month_rows, t, "Month", False)),
    ]


def _quality_section(results: analysis.CycleResults, t: int) -> dict:
    table = grade_table("quality_by_timeliness", "Are late plans worse? Plan grade by whether the final plan was "
                        "issued within 20 weeks", analysis.grade_by_timeliness(results), "Plan issued", t)
    return _section("quality-timeliness", "Quality against timeliness", [table], [],
                    "If the intervals of the two rows overlap, this sample does not show a difference.")


def _fold_small(frame: pd.DataFrame, t: int, what: str) -> pd.DataFrame:
    """Two or more groups of 1 to t-1 graded plans as one row "Other ...", summed (issue 19: a page of "<5"
    rows tells the board nothing); groups with no graded plan stay as "no data"."""
    small = (frame["plans"] > 0) & (frame["plans"] < t)
    if small.sum() < 2:
        return frame
    other = frame[small].drop(columns="group").sum()
    good = other["Outstanding"] + other["Good"]
    row = {"group": f"Other {what} (each fewer than {t} graded plans)", **other.to_dict(),
           "good_or_better_pct": round(100 * good / other["plans"], 1)}
    return pd.concat([frame[~small], pd.DataFrame([row])], ignore_index=True)[frame.columns]


def _workbook_only(table: dict) -> dict:
    """A detail table the workbook holds but the PDF, HTML and Markdown leave out (they say so)."""
    return table | {"workbook_only": True}


def _section(id_: str, title: str, tables: list[dict], chart_keys: list[str] | None = None, intro: str = "") -> dict:
    return {"id": id_, "title": title, "intro": intro, "tables": tables, "charts": chart_keys or []}

