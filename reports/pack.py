"""The SEND board pack: one view-model (tables already suppressed, charts as PNG) rendered to every format.

`build_pack` reads a cycle's results, the trend across cycles and the register's timeliness; `write_pack`
renders HTML, Markdown (+ chart files), PDF, XLSX and JSON into one folder. A per-service pack is the same
pack filtered to one service's tables. Small-number suppression happens here, once (reports.suppression).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from audit.results import analysis
from audit import clock
from audit.improvement.actions import cycle_actions, cycle_improvement_actions
from audit.vocabulary import SERVICES, Agency
from audit.register.frames import plans_frame
from audit.store.models import Cycle, LocalArea, RubricVersion
from audit.improvement.scales import load_scales
from audit.timeliness.measures import Measure, TimelinessReport, compute_timeliness
from reports import charts, workers
from reports.heap import earlier_objects_frozen
from reports.improvement import pack_section
from reports.suppression import (
    COUNT,
    INTERVAL,
    PERCENT,
    TEXT,
    is_small_group,
    make_table,
    note,
)
from reports.trends import Trends, cycle_trends, wilson_interval

SCHEMA = "ehcp-audit/board-pack/1"
GRADES = analysis.GRADE_COLUMNS
# Good or better and below Good add up to figures the table shows (the % and the total), so each pair is a set.
GRADE_SETS = (tuple(GRADES[:2]), tuple(GRADES[2:]))
# The measures each service answers for in its own pack; the SEN team owns the plan-making clocks.
SPLITS = ("", "_excluding_exceptions", "_exception_cases")  # a clock reported with and without exceptions
SERVICE_MEASURES = {
    Agency.sen_team.value: [*(f"decision_to_assess_6_weeks{s}" for s in SPLITS),
                            *(f"decision_not_to_issue_16_weeks{s}" for s in SPLITS),
                            "final_plan_20_weeks_including_exceptions",
                            "final_plan_20_weeks_excluding_exceptions", "final_plan_20_weeks_exception_cases",
                            "annual_review_12_months", "review_decision_4_weeks", "amended_plan_8_weeks",
                            "phase_transfer_amended_by_deadline", "post_16_move_5_months",
                            "transfer_out_15_working_days", "transfer_in_15_working_days",
                            "transfer_in_family_told_6_weeks", "transfer_in_reviewed_by_deadline", "open_requests"],
    Agency.education.value: [*(f"advice_6_weeks_{a}{s}" for a in ("education", "educational_psychology")
                               for s in SPLITS),
                             "advice_outstanding_education", "advice_outstanding_educational_psychology"],
    Agency.health.value: [*(f"advice_6_weeks_health{s}" for s in SPLITS), "advice_outstanding_health"],
    Agency.social_care.value: [*(f"advice_6_weeks_social_care{s}" for s in SPLITS), "advice_outstanding_social_care"],
}  # with each service's open cases (audit.timeliness.ageing keys)
MONTHLY_KEYS = ["final_plan_20_weeks_including_exceptions", "decision_to_assess_6_weeks",
                "advice_6_weeks_health", "annual_review_12_months"]



@dataclass(frozen=True)
class PackData:
    """What every pack of one cycle is built from, read once: results, the trend and the register's timeliness."""

    results: analysis.CycleResults
    area: LocalArea
    version: RubricVersion
    trends: Trends
    timeliness: TimelinessReport
    by_team: TimelinessReport
    monthly: list[tuple[str, TimelinessReport]]


def pack_data(session: Session, cycle: Cycle, as_of: date) -> PackData:
    """Read a cycle's results, the trend up to it and the register's timeliness as of a date."""
    results = analysis.load_cycle_results(session, cycle)
    register = plans_frame(session, cycle.area_id)
    return PackData(
        results=results,
        area=session.get(LocalArea, cycle.area_id),
        version=session.get(RubricVersion, cycle.rubric_version_id),
        trends=cycle_trends(session, cycle.area_id, upto=cycle, loaded={cycle.id: results}),
        timeliness=compute_timeliness(register, as_of),
        by_team=compute_timeliness(register, as_of, by="team"),
        monthly=monthly_timeliness(register, as_of),
    )


@earlier_objects_frozen()
def build_pack(session: Session, cycle: Cycle, as_of: date, threshold: int = 5, service: str | None = None,
               data: PackData | None = None, scales_dir: Path | None = None) -> dict:
    """Everything in the board pack for one cycle (or one service's part of it), tables suppressed.

    Pass `data` (from `pack_data`) to build several packs of one cycle (the per-service packs) from one read.
    """
    if service is not None and service not in SERVICE_MEASURES:
        raise ValueError(f"Unknown service '{service}'; use one of {', '.join(SERVICE_MEASURES)}")
    data = data or pack_data(session, cycle, as_of)
    results, area, version, trends = data.results, data.area, data.version, data.trends
    timeliness, by_team, monthly = data.timeliness, data.by_team, data.monthly
    label = Agency(service).label if service else None
    keep = _service_filter(results, service)

    overall = analysis.overall(results)
    head = overall.iloc[0]
    t = threshold
    pack: dict = {
        "schema": SCHEMA,
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "area": {"code": area.code, "name": area.name},
        "cycle": {"id": cycle.id, "name": cycle.name, "status": cycle.status, "due_date": cycle.due_date.isoformat()},
        "rubric": {"key": version.key, "title": version.title, "version": version.version_label,
                   "hash": version.content_hash[:12], "kind": version.kind, "theme": version.theme},
        "service": service,
        "service_label": label,
        "title": f"SEND board pack: {cycle.name}" + (f" ({label})" if label else ""),
        "small_number_threshold": t,
        "suppression_note": note(t),
        "headline": _headline(results, head, t),
        "sections": [],
        "charts": {},
    }
    sections = pack["sections"]
    charts_ = pack["charts"]

    service_rows = analysis.by_service(results)
    if service:
        service_rows = service_rows[service_rows["group"] == label]
    section_rows = analysis.by_section(results)
    section_rows = section_rows[section_rows["group"].str.split(":").str[0].isin(keep["sections"])]
    charts_["grades_by_service"] = _chart(
        "Grades per service", "Stacked bars: share of plans at each grade, per service",
        charts.grade_bars, _records(service_rows), GRADES, t, "Grades per service (share of graded plans)")
    tables = [grade_table("by_service", "Grades per service", service_rows, "Service", t),
              grade_table("by_section", "Grades per plan section", section_rows, "Section", t)]
    if not service:
        tables.insert(0, grade_table("overall", "Overall plan grades", overall, "Sample", t))
    sections.append(_section("results", "Results this cycle", tables, ["grades_by_service"],
                             "A service's grade for a plan rolls up the sections that service judges. \"No data\" "
                             "means no sampled plan had that service's sections, not 0%."))

    sections.append(_trend_section(trends, keep, label, t, charts_))
    sections.append(_timeliness_section(timeliness, by_team, monthly, keep, t, charts_))
    if not service or service == Agency.sen_team.value:
        sections.append(_quality_section(results, t))
    if not service:
        sections.append(_section("groups", "Results by team, phase and primary need", [
            grade_table("by_team", "Grades per team", analysis.by_plan_field(results, "team"), "Team", t),
            grade_table("by_phase", "Grades per phase", analysis.by_plan_field(results, "phase"), "Phase", t),
            grade_table("by_need", "Grades per primary need", analysis.by_plan_field(results, "primary_need"),
                        "Primary need", t),
        ]))
    scales = load_scales(scales_dir)
    sections.append(_findings_section(session, results, keep, t, scales))
    improvement = None if service else pack_section(session, cycle.area_id, scales, as_of)
    if improvement:
        sections.append(improvement)
    pack["charts"] = _drawn(charts_)
    return pack


def grade_table(key: str, title: str, frame: pd.DataFrame, first: str, threshold: int) -> dict:
    """A grade distribution (audit.results.analysis.distribution) with its Wilson interval, suppressed."""
    rows = []
    for r in _records(frame):
        good = r["Outstanding"] + r["Good"]
        interval = wilson_interval(good, r["plans"])
        rows.append(r | {"ci": None if interval is None else (100 * interval[0], 100 * interval[1])})
    columns = [("group", first, TEXT), ("plans", "Plans graded", COUNT), *[(g, g, COUNT) for g in GRADES],
               ("incomplete", "Incomplete", COUNT), ("good_or_better_pct", "Good or better", PERCENT),
               ("ci", "95% interval", INTERVAL)]
    return make_table(key, title, columns, rows, threshold=threshold, size="plans", parts=GRADE_SETS)


def measure_table(key: str, title: str, measures: list[Measure], threshold: int, group_heading: str | None = None,
                  definitions: bool = True) -> dict:
    rows = []
    for m in measures:
        interval = wilson_interval(m.met, m.total)
        rows.append({"label": m.label, "group": m.group or "All", "met": m.met, "not_met": m.not_met,
                     "total": m.total, "percent": m.percent, "definition": m.definition,
                     "ci": None if interval is None else (100 * interval[0], 100 * interval[1])})
    columns = [("label", "Measure", TEXT)] + ([("group", group_heading, TEXT)] if group_heading else []) + [
        ("met", "Met", COUNT), ("not_met", "Not met", COUNT), ("total", "Total", COUNT),
        ("percent", "Percent", PERCENT), ("ci", "95% interval", INTERVAL)]
    if definitions:
        columns.append(("definition", "Definition", TEXT))
    return make_table(key, title, columns, rows, threshold=threshold, size="total")


def monthly_timeliness(plans: pd.DataFrame, as_of: date, months: int = 12) -> list[tuple[str, TimelinessReport]]:
    """Each measure per calendar month, oldest first: the last `months` months, the current one up to as_of."""
    first = as_of.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        start = first - relativedelta(months=back)
        end = min(start + relativedelta(months=1) - timedelta(days=1), as_of)
        out.append((f"{start:%b %Y}", compute_timeliness(plans, end, period_start=start)))
    return out


# --- sections ------------------------------------------------------------------------------------


def _service_filter(results: analysis.CycleResults, service: str | None) -> dict:
    sections = [s.code for s in results.rubric.sections if service is None or service in s.graded_by()]
    services = [a.label for a in SERVICES if service is None or a.value == service]
    measures = SERVICE_MEASURES.get(service) if service else None
    return {"sections": sections, "services": services, "measures": measures}


def _headline(results: analysis.CycleResults, head: pd.Series, t: int) -> list[str]:
    graded, incomplete = int(head["plans"]), int(head["incomplete"])
    pct = head["good_or_better_pct"]
    good = "no data" if not graded else ("suppressed" if is_small_group(graded, t) else f"{pct:.1f}%")
    return [
        f"{good} of graded plans were Good or better",
        f"{_count(graded, t)} of {_count(len(results.plans), t)} sampled plans fully graded",
        f"{_count(incomplete, t)} incomplete audits",
    ]


def _count(n: int, t: int) -> str:
    return f"<{t}" if 0 < n < t else str(n)


def _trend_section(trends: Trends, keep: dict, label: str | None, t: int, charts_: dict) -> dict:
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
    charts_["trend_good_or_better"] = _chart(
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
        "ci": None if r.ci_low is None or pd.isna(r.ci_low) else (r.ci_low, r.ci_high),
    } for r in frame.sort_values(["series", "group", "date", "cycle_id"], kind="stable").itertuples()]
    columns = ([("theme", "Theme", TEXT)] if themed else []) + [
        ("group", "Group", TEXT), ("cycle", "Cycle", TEXT), ("date", "Due", TEXT), ("rubric", "Rubric", TEXT),
        ("break", "Break", TEXT), ("plans", "Plans graded", COUNT), ("good", "Good or better", COUNT),
        ("below", "Below Good", COUNT), ("pct", "% Good or better", PERCENT), ("ci", "95% interval", INTERVAL)]
    return make_table(key, title, columns, rows, threshold=t, size="plans")


def _timeliness_section(report: TimelinessReport, by_team: TimelinessReport, monthly: list, keep: dict, t: int,
                        charts_: dict) -> dict:
    wanted = keep["measures"]
    overall = [m for m in report.measures if wanted is None or m.key in wanted]
    teams = [m for m in by_team.measures if m.group is not None and (wanted is None or m.key in wanted)]
    charts_["timeliness_against_target"] = _chart(
        "Timeliness against the statutory target", "Bars: % of each measure met; dashed line: the target (100%)",
        charts.timeliness_bars, [m.to_dict() for m in overall], t, "Statutory timescales met (% of population)")
    month_keys = [k for k in MONTHLY_KEYS if wanted is None or k in wanted] or (wanted or [])[:4]
    lines = {}
    month_rows = []
    for key in month_keys:
        points = []
        for month, rep in monthly:
            m = rep.get(key)
            points.append(charts.Point(month, None if is_small_group(m.total, t) else m.percent))
            month_rows.append(Measure(m.key, m.label, m.definition, m.met, m.total, m.target_days, month))
        lines[monthly[0][1].get(key).label] = points
    charts_["timeliness_by_month"] = _chart(
        "Timeliness per month", "Lines: % met per calendar month for the key measures",
        charts.trend_lines, lines, "Timeliness per month (% met)", "% met")
    period = f"{report.period_start:%d %B %Y} to {report.period_end:%d %B %Y}"
    tables = [
        measure_table("timeliness", f"Statutory timescales, {period}", overall, t),
        measure_table("timeliness_by_team", "Timeliness per team (definitions as above)", teams, t, "Team", False),
        measure_table("timeliness_by_month", "Timeliness per calendar month (each month is its own period)",
                      month_rows, t, "Month", False),
    ]
    return _section("timeliness", "Timeliness", tables, ["timeliness_against_target", "timeliness_by_month"],
                    f"Over the whole register as of {report.as_of:%d %B %Y}. Every figure says what it counts; "
                    "lawful exceptions to the 20 weeks are reported separately. \"No data\": nobody in the "
                    "population, or the register does not record that clock.")


def _quality_section(results: analysis.CycleResults, t: int) -> dict:
    table = grade_table("quality_by_timeliness", "Are late plans worse? Plan grade by whether the final plan was "
                        "issued within 20 weeks", analysis.grade_by_timeliness(results), "Plan issued", t)
    return _section("quality-timeliness", "Quality against timeliness", [table], [],
                    "If the intervals of the two rows overlap, this sample does not show a difference.")


def _findings_section(session: Session, results: analysis.CycleResults, keep: dict, t: int, scales: dict) -> dict:
    weak = analysis.weak_criteria(results, top=10)
    weak = weak[weak["section"].isin(keep["sections"])]
    weak_rows = [r | {"criterion": f"{r['criterion_id']}: {r['criterion']}", "strong": r["plans"] - r["weak"]}
                 for r in _records(weak)]
    incomplete = analysis.incomplete_plans(results)
    actions = [a for a in cycle_actions(session, results.cycle.id)
               if a.section is None or a.section in keep["sections"]]
    improvements = cycle_improvement_actions(session, results.cycle.id, scales)
    if len(keep["sections"]) < len(results.rubric.sections) and "A" not in keep["sections"]:
        actions = [a for a in actions if a.section is not None]  # amendment tasks belong to the SEN team
    tables = [
        make_table("weak_criteria", "Most frequent weak criteria (Requires Improvement or Inadequate)", [
            ("criterion", "Criterion", TEXT), ("section", "Section", TEXT), ("weak", "Weak", COUNT),
            ("strong", "Good or better", COUNT), ("plans", "Of plans", COUNT), ("weak_pct", "Share", PERCENT)],
            weak_rows, threshold=t, size="plans"),
        make_table("incomplete", "Plans without every section graded (no overall grade given)", [
            ("plan_ref", "Plan", TEXT), ("team", "Team", TEXT), ("missing_sections", "Sections not yet in", TEXT)],
            _records(incomplete), threshold=t),
        make_table("actions", "Amendment tasks and improvement actions from this cycle", [
            ("title", "Action", TEXT), ("kind", "Kind", TEXT), ("lead", "Lead", TEXT),
            ("milestone", "Milestone", TEXT), ("status", "Status", TEXT)],
            [{"title": a.title, "kind": a.kind, "lead": a.lead, "milestone": a.milestone.isoformat(),
              "status": a.status.replace("_", " ")} for a in actions]
            + (improvements if len(keep["sections"]) == len(results.rubric.sections) else []), threshold=t),
    ]
    return _section("findings", "Findings and actions", tables, [],
                    "Plans are known by pseudonymised references; people by codes.")


def _section(id_: str, title: str, tables: list[dict], chart_keys: list[str] | None = None, intro: str = "") -> dict:
    return {"id": id_, "title": title, "intro": intro, "tables": tables, "charts": chart_keys or []}


def _chart(title: str, alt: str, draw: Callable[..., bytes], *args) -> dict:
    """A chart drawn in a worker process while the rest of the pack is built; `_drawn` collects it."""
    return {"title": title, "alt": alt, "png": workers.submit(draw, *args)}


def _drawn(charts_: dict) -> dict:
    return {key: chart | {"png": chart["png"].result()} for key, chart in charts_.items()}


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))
