"""What needs each person's attention: the view-models of the home pages (web/home.py renders them).

- QA lead: every cycle not yet closed with its scorecards outstanding and overdue, plans awaiting moderation,
  improvement actions off track (red, overdue or regressed: the exception report's rule) and overdue
  amendment tasks.
- Moderator: every cycle's moderation queue and the calibration exercises.
- Board member and service lead: the latest results' headline (share Good or better; a service lead's own
  service), the change since the last comparable cycle (the previous routine cycle, or the previous cycle of
  the same theme), the latest board summary to download, and the actions off track.

Small numbers follow the board's rule (reports.suppression): a share of fewer than `threshold` plans is not
shown, and neither is a change that involves one.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, func, select

from audit.cycle.amendments import overdue_tasks
from audit.cycle.tracking import scorecard_counts
from audit.improvement.plans import plans_of
from audit.improvement.scales import StatusScale
from audit.moderation.marking import moderation_queue
from audit.results import analysis
from audit.results.reported import reported_cycles
from audit.store.models import CalibrationExercise, CalibrationGrade, Cycle, Plan, RubricVersion
from audit.store.versions import NOT_READ_BY_BOARD_VIEWS, data_version
from audit.vocabulary import Agency, CycleStatus
from reports.improvement import build_improvement_report
from reports.trends import trend_point


def off_track_actions(session: Session, area_id: int, scales: dict[str, StatusScale], today: date) -> list[dict]:
    """Every improvement plan's exceptions (red, overdue or regressed), with the plan they belong to."""
    found = []
    for plan in plans_of(session, area_id):
        report = build_improvement_report(session, plan, scales, today)
        found += [{"plan_id": plan.id, "plan": plan.name, "id": r["id"], "reference": r["reference"],
                   "action": r["action"], "lead": r["lead"], "status": r["status"], "tag": r["tag"], "why": r["why"]}
                  for r in report["exceptions"]]
    return found


_AWAITING: dict[int, tuple[str, int]] = {}  # cycle id -> (data version, plans awaiting moderation)


def awaiting_moderation(session: Session, cycle: Cycle) -> int:
    """How many of the cycle's plans wait for a moderator, worked out once per version of the store's data.

    The queue compares every first and second marker's grades (a 200-plan cycle's tens of thousands of criterion
    grades); the QA lead's home page shows it for every open cycle on every visit. The data version
    (audit.store.versions) moves with any change to a table the queue reads, in any process, so a count is never
    older than the store's data."""
    if cycle.status == CycleStatus.draft.value:
        return 0
    version = data_version(session, NOT_READ_BY_BOARD_VIEWS)
    known = _AWAITING.get(cycle.id)
    if known is not None and known[0] == version:
        return known[1]
    count = len({p.sampled_plan_id for p in moderation_queue(session, cycle)})
    _AWAITING[cycle.id] = (version, count)
    return count


def qa_lead_home(session: Session, area_id: int, scales: dict[str, StatusScale], today: date) -> dict:
    cycles = []
    open_cycles = session.exec(select(Cycle).where(Cycle.area_id == area_id, Cycle.status != CycleStatus.closed.value)
                               .order_by(Cycle.due_date, Cycle.id)).all()
    counts = scorecard_counts(session, [c.id for c in open_cycles], today)  # one query, not one load per cycle
    for cycle in open_cycles:
        total, submitted, late = counts.get(cycle.id, (0, 0, 0))
        cycles.append({"id": cycle.id, "name": cycle.name, "status": cycle.status, "due": cycle.due_date,
                       "total": total, "submitted": submitted, "outstanding": total - submitted, "overdue": late,
                       "awaiting_moderation": awaiting_moderation(session, cycle)})
    tasks = overdue_tasks(session, area_id, today)
    return {"cycles": cycles, "off_track": off_track_actions(session, area_id, scales, today),
            "overdue_tasks": len(tasks),
            "awaiting_moderation": sum(c["awaiting_moderation"] for c in cycles)}


def moderator_home(session: Session, area_id: int) -> dict:
    queues = []
    for cycle in session.exec(select(Cycle).where(Cycle.area_id == area_id, Cycle.status != CycleStatus.draft.value)
                              .order_by(Cycle.id.desc())).all():
        queue = moderation_queue(session, cycle)
        queues.append({"id": cycle.id, "name": cycle.name, "status": cycle.status,
                       "plans": len({p.sampled_plan_id for p in queue}), "pieces": len(queue),
                       "first": ({"sampled_plan_id": queue[0].sampled_plan_id, "plan_ref": queue[0].plan_ref}
                                 if queue else None)})
    graded = dict(session.exec(select(CalibrationGrade.exercise_id, func.count(func.distinct(CalibrationGrade.auditor_id)))
                               .group_by(CalibrationGrade.exercise_id)).all())
    exercises = [{"id": ex.id, "name": ex.name, "plan_ref": ref, "auditors": graded.get(ex.id, 0),
                  "reference_set": bool(ex.reference)}
                 for ex, ref in session.exec(select(CalibrationExercise, Plan.plan_ref)
                                             .join(Plan, Plan.id == CalibrationExercise.plan_id)
                                             .where(CalibrationExercise.area_id == area_id)
                                             .order_by(CalibrationExercise.id.desc())).all()]
    return {"queues": queues, "exercises": exercises, "waiting": sum(q["plans"] for q in queues)}


def headline_change(session: Session, area_id: int, threshold: int, service: str | None = None) -> dict | None:
    """The latest reported cycle's share Good or better (overall, or `service`'s) and its change since the last
    comparable cycle; None before any cycle has results.

    Only the two cycles compared are read (the trend's rule picks the earlier one: the previous routine cycle, or
    the previous cycle of the same theme), so the home page stays quick however many cycles an area has run.
    """
    cycles = reported_cycles(session, area_id)
    if not cycles:
        return None
    versions = {v.id: v for v in session.exec(select(RubricVersion).where(
        RubricVersion.id.in_({c.rubric_version_id for c in cycles}))).all()}

    def trend_of(cycle: Cycle) -> tuple[str, str | None]:
        version = versions[cycle.rubric_version_id]
        return ("routine", None) if version.kind != "themed" else ("themed", version.theme)

    latest = cycles[-1]
    before = next((c for c in reversed(cycles[:-1]) if trend_of(c) == trend_of(latest)), None)
    mine, earlier = _point(session, latest, service), _point(session, before, service) if before else None

    def share(point: dict | None) -> float | None:
        if point is None or not point["plans"] or point["plans"] < threshold or point["pct"] is None:
            return None
        return round(float(point["pct"]), 1)

    now, then = share(mine), share(earlier)
    return {
        "cycle_id": latest.id, "cycle": latest.name, "due": latest.due_date,
        "plans": int(mine["plans"]) if mine else 0, "small": bool(mine and 0 < mine["plans"] < threshold),
        "pct": now, "previous_cycle": before.name if before else None,
        "previous_pct": then, "change": None if now is None or then is None else round(now - then, 1),
        "rubric_changed": bool(before and versions[before.rubric_version_id].content_hash
                               != versions[latest.rubric_version_id].content_hash),
    }


def _point(session: Session, cycle: Cycle, service: str | None) -> dict | None:
    """One cycle's share Good or better, overall or for one service, as the trend computes it."""
    results = analysis.load_cycle_results(session, cycle, criteria=False)
    table = analysis.by_service(results) if service else analysis.overall(results)
    group = Agency(service).label if service else None
    for row in table.to_dict("records"):
        if group is None or row["group"] == group:
            return trend_point("Service" if service else "Overall", row)
    return None


def board_home(session: Session, area_id: int, threshold: int, scales: dict[str, StatusScale], today: date,
               service: str | None = None) -> dict:
    return {"headline": headline_change(session, area_id, threshold, service),
            "off_track": off_track_actions(session, area_id, scales, today),
            "service_label": Agency(service).label if service else ""}
