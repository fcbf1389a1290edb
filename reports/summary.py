"""The board summary view-model: one JSON-ready dict that every format renders (schema in docs/formats.md)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from sqlmodel import Session, select

from audit.results import analysis
from audit import clock
from audit.improvement.actions import cycle_actions, cycle_improvement_actions
from audit.vocabulary import Agency, Grade
from audit.cycle.lifecycle import cycle_progress
from audit.register.frames import plans_frame
from audit.store.models import Auditor, LocalArea, RubricVersion
from audit.moderation.views import moderation_overview
from audit.improvement.scales import StatusScale, load_scales
from audit.timeliness.ageing import ADVICE_BANDS, REQUEST_BANDS, open_case_ageing
from audit.timeliness.measures import compute_timeliness
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


def open_cases(register: pd.DataFrame, as_of: date, threshold: int) -> dict:
    """Open requests and advice still awaited on as_of, by weeks waited, as suppressed counts (never the list of
    plans: that is for the QA lead, `ehcp-audit timeliness --open`)."""
    ageing = open_case_ageing(register, as_of)

    def rows(kinds: list, bands: tuple) -> list[dict]:
        keys = [f"band_{i}" for i in range(len(bands))]
        out = [{"key": a.key, "label": a.label, "definition": a.definition, "open": a.open,
                **{k: n for k, (_, n) in zip(keys, a.bands)}} for a in kinds]
        columns = [("label", "Open", TEXT), ("open", "Open", COUNT), *[(k, k, COUNT) for k in keys]]
        return suppress(out, columns, threshold, "open", (tuple(keys),))

    return {"as_of": as_of.isoformat(),
            "request_bands": [words for _, _, words in REQUEST_BANDS],
            "advice_bands": [words for _, _, words in ADVICE_BANDS],
            "requests": rows([a for a in ageing if a.key == "open_requests"], REQUEST_BANDS),
            "advice": rows([a for a in ageing if a.key != "open_requests"], ADVICE_BANDS)}


def capped(effects: dict, threshold: int) -> dict:
    """How many plans a limiting rule lowered, and from what, in a sentence. A count under the threshold is "<5";
    the from-to breakdown is given only when none of its counts is small (so none can be worked out)."""
    lowered = effects["lowered"]
    small = 0 < lowered < threshold
    moves = effects["moves"] if not small and all(m["plans"] >= threshold for m in effects["moves"]) else []
    shown = f"<{threshold}" if small else str(lowered)
    if not effects["rules"]:
        sentence = "The rubric has no limiting rule (cap) on the plan grade."
    elif lowered == 0:
        sentence = "No plan's grade was lowered by a limiting rule (cap)."
    else:
        detail = ": " + "; ".join(f"{m['plans']} from {m['from']} to {m['to']}" for m in moves) if moves else ""
        sentence = (f"A limiting rule (cap) lowered {shown} of {effects['plans_graded']} graded plans{detail}. "
                    f"Without it they would have been graded higher; the rule: {'; '.join(effects['rules'])}.")
    return {**effects, "lowered": shown if small else lowered, "moves": moves, "sentence": sentence}


def _moderation(session: Session, cycle) -> dict:
    """Second marking and agreement, with every table as records (coefficients None where undefined)."""
    overview = moderation_overview(session, cycle)
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
    register = plans_frame(session, cycle.area_id)
    timeliness = compute_timeliness(register, as_of)
    actions = cycle_actions(session, cycle.id)
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
            "plans_sampled": int(len(results.plans)),
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
        "caps": capped(analysis.cap_effects(results), small_number),
        "by_service": _grade_rows(analysis.by_service(results), small_number),
        "by_section": _grade_rows(analysis.by_section(results), small_number),
        "by_team": _grade_rows(analysis.by_plan_field(results, "team"), small_number),
        "by_phase": _grade_rows(analysis.by_plan_field(results, "phase"), small_number),
        "by_primary_need": _grade_rows(analysis.by_plan_field(results, "primary_need"), small_number),
        "grade_by_timeliness": _grade_rows(analysis.grade_by_timeliness(results), small_number),
        "timeliness": {**(t := timeliness.to_dict()),
                       "measures": suppress(t["measures"], MEASURE_COLUMNS, small_number, "total",
                                            (("met", "not_met"),))},
        "open_cases": open_cases(register, as_of, small_number),
        "incomplete": _records(analysis.incomplete_plans(results)),
        "weak_criteria": suppress(_records(analysis.weak_criteria(results)), WEAK_COLUMNS, small_number, "plans"),
        "actions": [
            {"kind": a.kind, "title": a.title, "lead": a.lead, "milestone": a.milestone.isoformat(),
             "status": a.status, "detail": a.detail, "section": a.section}
            for a in actions
        ] + [{k: row[k] for k in ("kind", "title", "lead", "milestone", "status", "detail")}
             for row in cycle_improvement_actions(session, cycle.id, scales or load_scales())],
        "moderation": _moderation(session, cycle),
        "grades": analysis.GRADE_COLUMNS,
        "services": [a.label for a in (Agency.sen_team, Agency.education, Agency.health, Agency.social_care)],
        "grade_order_note": "Grades best first: " + ", ".join(g.label for g in sorted(Grade, reverse=True)),
    }
    return summary if service is None else _for_service(session, summary, results, progress, service)


def _for_service(session: Session, summary: dict, results: analysis.CycleResults, progress, service: str) -> dict:
    """One service's part of the summary (what a service lead may see), cut the way the per-service board
    pack is: its grade row, its sections, its criteria, its clocks, its actions and its auditors' agreement.
    Plan-level tables (team, phase, need) mix every service's sections, so they are left out."""
    from reports.pack import SERVICE_MEASURES

    agency = Agency(service)
    sections = {s.code for s in results.rubric.sections if agency.value in s.graded_by()}
    labels = {s.code: f"{s.code}: {s.title}" for s in results.rubric.sections}
    mine = [r for r in summary["by_service"] if r["group"] == agency.label]
    counts = progress.by_agency.get(agency.value, {})
    head = mine[0] if mine else {"plans": 0, "incomplete": 0, "good_or_better_pct": None}
    graded = head["plans"] if isinstance(head["plans"], int) else 0
    auditors = set(session.exec(select(Auditor.code).where(Auditor.agency == agency.value)).all())
    moderation = summary["moderation"]
    agreement = moderation["agreement"]
    weak = analysis.weak_criteria(results, top=len(results.criteria) + 1)
    improvement_sections = sections | ({None} if agency is Agency.sen_team else set())  # amendments: case officers
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
        "open_cases": {**summary["open_cases"], **{part: [
            r for r in summary["open_cases"][part] if r["key"] in SERVICE_MEASURES[agency.value]]
            for part in ("requests", "advice")}},
        "incomplete": [r for r in summary["incomplete"]
                       if sections & {code.strip() for code in str(r["missing_sections"]).split(",")}],
        "weak_criteria": suppress(_records(weak[weak["section"].isin(sections)].head(10)), WEAK_COLUMNS,
                                  summary["small_number_threshold"], "plans"),
        "actions": [a for a in summary["actions"] if a["section"] in improvement_sections],
        "moderation": {**moderation, "awaiting_moderation": [
            r for r in moderation["awaiting_moderation"] if r["agency"] == agency.label], "agreement": {
            "cycle": agreement["cycle"],
            "agency": [r for r in agreement["agency"] if r["group"] == agency.label],
            "section": [r for r in agreement["section"] if r["group"] in {labels[c] for c in sections}],
            "auditor": [r for r in agreement["auditor"] if r["group"] in auditors]}},
        "services": [agency.label],
    })
    return summary
