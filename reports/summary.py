"""The board summary view-model: one JSON-ready dict that every format renders (schema in docs/formats.md)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pandas as pd
from sqlmodel import Session

from audit import analysis
from audit.actions import cycle_actions
from audit.codes import Agency, Grade
from audit.cycles import cycle_progress
from audit.frames import plans_frame
from audit.models import LocalArea, RubricVersion
from audit.moderation import moderation_overview
from audit.timeliness import compute_timeliness

SCHEMA = "ehcp-audit/board-summary/1"


def _records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as plain dicts; pandas' JSON writer turns NaN/NA into None and numpy types into Python."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _moderation(session: Session, cycle) -> dict:
    """Second marking and agreement, with every table as records (coefficients None where undefined)."""
    overview = moderation_overview(session, cycle)
    overview["agreement"] = {k: _records(v) for k, v in overview["agreement"].items()}
    return overview


def build_summary(session: Session, results: analysis.CycleResults, as_of: date, small_number: int = 5) -> dict:
    """Everything the board sees for one cycle, as plain data."""
    cycle = results.cycle
    area = session.get(LocalArea, cycle.area_id)
    version = session.get(RubricVersion, cycle.rubric_version_id)
    overall = analysis.overall(results)
    head = _records(overall)[0]
    progress = cycle_progress(session, cycle, today=as_of)
    timeliness = compute_timeliness(plans_frame(session, cycle.area_id), as_of)
    actions = cycle_actions(session, cycle.id)
    most_common = max(analysis.GRADE_COLUMNS, key=lambda g: head[g]) if head["plans"] else None
    return {
        "schema": SCHEMA,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
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
            "good_or_better_pct": head["good_or_better_pct"],
            "most_common_grade": most_common,
            "scorecards_submitted": progress.submitted,
            "scorecards_expected": progress.total,
            "scorecards_late": progress.late,
            "withdrawn": [{"plan_ref": ref, "reason": reason} for ref, reason in progress.withdrawn],
        },
        "grade_distribution": _records(overall),
        "by_service": _records(analysis.by_service(results)),
        "by_section": _records(analysis.by_section(results)),
        "by_team": _records(analysis.by_plan_field(results, "team")),
        "by_phase": _records(analysis.by_plan_field(results, "phase")),
        "by_primary_need": _records(analysis.by_plan_field(results, "primary_need")),
        "grade_by_timeliness": _records(analysis.grade_by_timeliness(results)),
        "timeliness": timeliness.to_dict(),
        "incomplete": _records(analysis.incomplete_plans(results)),
        "weak_criteria": _records(analysis.weak_criteria(results)),
        "actions": [
            {"kind": a.kind, "title": a.title, "lead": a.lead, "milestone": a.milestone.isoformat(),
             "status": a.status, "detail": a.detail}
            for a in actions
        ],
        "moderation": _moderation(session, cycle),
        "grades": analysis.GRADE_COLUMNS,
        "services": [a.label for a in (Agency.sen_team, Agency.education, Agency.health, Agency.social_care)],
        "grade_order_note": "Grades best first: " + ", ".join(g.label for g in sorted(Grade, reverse=True)),
    }
