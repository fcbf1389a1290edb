"""The board summary view-model: one JSON-ready dict that every format renders (schema in docs/formats.md)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from sqlmodel import Session, select

from audit import clock
from audit.cycle.lifecycle import cycle_progress
from audit.improvement.actions import action_services, cycle_actions, cycle_improvement_actions
from audit.improvement.scales import StatusScale, load_scales
from audit.moderation.views import moderation_overview
from audit.register.frames import plans_frame
from audit.results import analysis
from audit.store.models import Auditor, LocalArea, RubricVersion
from audit.timeliness.measures import compute_timeliness
from audit.vocabulary import Agency, Grade
from reports.suppression import COUNT, PERCENT, TEXT, make_table, note

SCHEMA = "ehcp-audit/board-summary/1"


def _records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as plain dicts; pandas' JSON writer turns NaN/NA into None and numpy types into Python."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


GRADE_ROW_COLUMNS = [("group", "Group", TEXT), ("plans", "Plans graded", COUNT),
                     *[(g, g, COUNT) for g in analysis.GRADE_COLUMNS],
                     ("incomplete", "Incomplete", COUNT), ("good_or_better_pct", "Good or better", PERCENT)]
GRADE_ROW_PARTS = (("Outstanding", "Good"), ("Requires Improvement", "Inadequate"))
MEASURE_COLUMNS = [("label", "Measure", TEXT), ("total", "Total", COUNT), ("met", "Met", COUNT),
                   ("not_met", "Not met", COUNT), ("percent", "Percent", PERCENT)]
WEAK_COLUMNS = [("criterion_id", "Criterion", TEXT), ("plans", "Plans", COUNT), ("weak", "Weak", COUNT),
                ("weak_pct", "Share", PERCENT)]


def suppress(rows: list[dict], columns: list, threshold: int, size: str, parts: tuple = ()) -> list[dict]:
    """The rows with small counts replaced as the board pack does (reports.suppression is the one rule):
    a hidden count becomes its shown text ("<5" or "[c]"), a hidden percentage None, and the row says so."""
    table = make_table("summary", "summary", columns, rows, threshold=threshold, size=size, parts=parts)
    out = []
    for row, shown in zip(rows, table["rows"]):
        new = dict(row)
        for (key, _, kind), cell in zip(columns, shown["cells"]):
            if cell["suppressed"]:
                new[key] = cell["text"] if kind == COUNT else None
        new["suppressed"] = any(cell["suppressed"] for cell in shown["cells"])
        out.append(new)
    return out


def _grade_rows(frame: pd.DataFrame, threshold: int) -> list[dict]:
    return suppress(_records(frame), GRADE_ROW_COLUMNS, threshold, "plans", GRADE_ROW_PARTS)


def _moderation(session: Session, results: analysis.CycleResults) -> dict:
    """Second marking and agreement, with every table as records (coefficients None where undefined)."""
    overview = moderation_overview(session, results.cycle, results.marking)  # the marking read with the results
    overview["agreement"] = {k: _records(v) for k, v in overview["agreement"].items()}
    return overview


def build_summary(session: Session, results: analysis.CycleResults, as_of: date, small_number: int = 5,
                  service: str | None = None, scales: dict[str, StatusScale] | None = None) -> dict:
    """Everything the board sees for one cycle, as plain data; with `service`, only that service's part."""
    cycle = results.cycle
    area = session.get(LocalArea, cycle.area_id)
    version = session.get(RubricVersion, cycle.rubric_version_id)
    overall = analysis.overall(results)
    head = _records(overall)[0]
    progress = cycle_progress(session, cycle, today=as_of)
    timeliness = compute_timeliness(plans_frame(session, cycle.area_id), as_of)
    too_few = 0 < head["plans"] < small_number  # a headline percentage of a handful of plans is suppressed too
    most_common = max(analysis.GRADE_COLUMNS, key=lambda g: head[g]) if head["plans"] and not too_few else None
    summary = {
        "schema": SCHEMA,
        "service": None,
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "area": {"code": area.code, "name": area.name},
        "cycle": {
            "id": cycle.id, "name": cycle.name, "status": cycle.status, "due_date": cycle.due_date.isoformat(),
            "sample_size": cycle.sample_size, "strata": list(cycle.strata), "seed": cycle.seed,
        },
        "rubric": {"key": version.key, "title": version.title, "version": version.version_label,
                   "content_hash": version.content_hash, "kind": version.kind, "theme": version.theme},
        "small_number_threshold": small_number,
        "headline": {
            "plans_sampled": len(results.plans),
            "plans_graded": head["plans"],
            "plans_incomplete": head["incomplete"],
            "good_or_better_pct": None if too_few else head["good_or_better_pct"],
            "most_common_grade": most_common,
            "scorecards_submitted": progress.submitted,
            "scorecards_expected": progress.total,
            "scorecards_late": progress.late,
            "withdrawn": [{"plan_ref": ref, "reason": reason} for ref, reason in progress.withdrawn],
        },
        "suppression_note": note(small_number),
        "grade_distribution": _grade_rows(overall, small_number),
        "by_service": _grade_rows(analysis.by_service(results), small_number),
        "by_section": _grade_rows(analysis.by_section(results), small_number),
        "by_team": _grade_rows(analysis.by_plan_field(results, "team"), small_number),
        "by_phase": _grade_rows(analysis.by_plan_field(results, "phase"), small_number),
        "by_primary_need": _grade_rows(analysis.by_plan_field(results, "primary_need"), small_number),
        "grade_by_timeliness": _grade_rows(analysis.grade_by_timeliness(results), small_number),
        "timeliness": {**(t := timeliness.to_dict()),
                       "measures": suppress(t["measures"], MEASURE_COLUMNS, small_number, "total",
                                            (("met", "not_met"),))},
        "incomplete": _records(analysis.incomplete_plans(results)),
        "weak_criteria": suppress(_records(analysis.weak_criteria(results)), WEAK_COLUMNS, small_number, "plans"),
        "actions": _actions(session, results, scales),
        "moderation": _moderation(session, results),
        "grades": analysis.GRADE_COLUMNS,
        "services": [a.label for a in (Agency.sen_team, Agency.education, Agency.health, Agency.social_care)],
        "grade_order_note": "Grades best first: " + ", ".join(g.label for g in sorted(Grade, reverse=True)),
    }
    return summary if service is None else _for_service(session, summary, results, progress, service)


def _actions(session: Session, results: analysis.CycleResults, scales: dict[str, StatusScale] | None) -> list[dict]:
    """The cycle's amendment tasks, then the improvement actions it raised or evidenced; `services` says which
    services each concerns (what a service lead's summary keeps): an amendment task is the case officer's, so
    the SEN team's (or its section's service); an improvement action concerns the services this cycle's evidence
    for it names (audit.improvement.actions.action_services)."""
    agencies = {section.code: section.agency for section in results.rubric.sections}
    amendments = [
        {"kind": a.kind, "title": a.title, "lead": a.lead, "milestone": a.milestone.isoformat(),
         "status": a.status, "detail": a.detail, "section": a.section,
         "services": [agencies.get(a.section, Agency.sen_team.value)]}
        for a in cycle_actions(session, results.cycle.id)]
    improvements = [
        {**{k: row[k] for k in ("kind", "title", "lead", "milestone", "status", "detail")},
         "services": action_services(row["targets"], results.rubric)}
        for row in cycle_improvement_actions(session, results.cycle.id, scales or load_scales())]
    return amendments + improvements


def _for_service(session: Session, summary: dict, results: analysis.CycleResults, progress, service: str) -> dict:
    """One service's part of the summary (what a service lead may see), cut the way the per-service board
    pack is: its grade row, its sections, its criteria, its clocks, its actions and its auditors' agreement.
    Plan-level tables (team, phase, need) mix every service's sections, so they are left out."""
    from reports.pack import (
        SERVICE_MEASURES,  # the one list of which clocks each service answers for
    )

    agency = Agency(service)
    sections = {s.code for s in results.rubric.sections if s.agency == agency.value}
    labels = {s.code: f"{s.code}: {s.title}" for s in results.rubric.sections}
    mine = [r for r in summary["by_service"] if r["group"] == agency.label]
    counts = progress.by_agency.get(agency.value, {})
    head = mine[0] if mine else {"plans": 0, "incomplete": 0, "good_or_better_pct": None}
    graded = head["plans"] if isinstance(head["plans"], int) else 0
    auditors = set(session.exec(select(Auditor.code).where(Auditor.agency == agency.value)).all())
    moderation = summary["moderation"]
    agreement = moderation["agreement"]
    weak = analysis.weak_criteria(results, top=len(results.criteria) + 1)
    summary.update({
        "service": {"code": agency.value, "label": agency.label},
        "headline": {**summary["headline"], "plans_graded": head["plans"], "plans_incomplete": head["incomplete"],
                     "good_or_better_pct": head["good_or_better_pct"],
                     "most_common_grade": max(analysis.GRADE_COLUMNS, key=lambda g: head[g])
                     if graded and not head.get("suppressed") else None,
                     "scorecards_submitted": counts.get("submitted", 0), "scorecards_expected": counts.get("total", 0),
                     "scorecards_late": counts.get("late", 0)},
        "grade_distribution": mine, "by_service": mine,
        "by_section": [r for r in summary["by_section"] if r["group"] in {labels[c] for c in sections}],
        "by_team": [], "by_phase": [], "by_primary_need": [], "grade_by_timeliness": [],
        "timeliness": {**summary["timeliness"], "measures": [
            m for m in summary["timeliness"]["measures"] if m["key"] in SERVICE_MEASURES[agency.value]]},
        "incomplete": [r for r in summary["incomplete"]
                       if sections & {code.strip() for code in str(r["missing_sections"]).split(",")}],
        "weak_criteria": suppress(_records(weak[weak["section"].isin(sections)].head(10)), WEAK_COLUMNS,
                                  summary["small_number_threshold"], "plans"),
        "actions": [a for a in summary["actions"] if agency.value in a["services"]],
        "moderation": {**moderation, "awaiting_moderation": [
            r for r in moderation["awaiting_moderation"] if r["agency"] == agency.label], "agreement": {
            "cycle": agreement["cycle"],
            "agency": [r for r in agreement["agency"] if r["group"] == agency.label],
            "section": [r for r in agreement["section"] if r["group"] in {labels[c] for c in sections}],
            "auditor": [r for r in agreement["auditor"] if r["group"] in auditors]}},
        "services": [agency.label],
    })
    return summary
