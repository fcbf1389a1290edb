"""Board outputs of an improvement plan: BRAG on a page, the exception report, actions by lead and by area of
weakness, status proposals awaiting a decision, and re-audited plans before and after.

`build_improvement_report` is the one view-model; `render_improvement` writes it as HTML or Markdown (Jinja2)
and `pack_section` gives the board pack its tables. Plans are named by pseudonymised reference, people by code.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from audit import clock
from audit.cycle.amendments import before_after, tasks_of
from audit.improvement.people import area_people, lead_names
from audit.improvement.plans import actions_of, evidence_of, links_of, plans_of
from audit.improvement.proposals import latest_proposal, open_proposals
from audit.improvement.rules import describe_target
from audit.improvement.scales import StatusScale, get_scale
from audit.store.models import Cycle, ImprovementPlan, LocalArea
from audit.vocabulary import TaskStatus
from audit.words import day
from reports import templating
from reports.suppression import TEXT, make_table

NOT_GRADED = "Not yet graded"
_env = templating.env


def build_improvement_report(session: Session, plan: ImprovementPlan, scales: dict[str, StatusScale],
                             as_of: date) -> dict:
    """Everything the board sees about one improvement plan as of a day."""
    scale = get_scale(scales, plan.scale)
    area = session.get(LocalArea, plan.area_id)
    columns = [{"key": s.key, "label": s.label, "tag": s.tag, "hex": s.hex} for s in scale.statuses]
    columns.append({"key": None, "label": NOT_GRADED, "tag": "grey", "hex": "F3F2F1"})
    people = area_people(plans_of(session, plan.area_id), plan)  # the plan's own list, else one kept on the area
    rows = [_action_row(session, action, weakness, scale, as_of, people)
            for action, weakness in actions_of(session, plan.id)]
    grid: list[dict] = []
    for row in rows:
        if not grid or grid[-1]["area_ref"] != row["area_ref"]:
            grid.append({"area_ref": row["area_ref"], "area": row["area"], "actions": []})
        grid[-1]["actions"].append(row)
    exceptions = [r | {"why": ", ".join(r["flags"])} for r in rows if r["flags"]]
    tasks = tasks_of(session, plan.area_id)
    return {
        "title": f"Improvement plan: {plan.name}",
        "plan": {"id": plan.id, "name": plan.name, "layout": plan.layout.upper(), "scale": scale.title,
                 "version": plan.version, "version_date": plan.version_date.isoformat() if plan.version_date else "",
                 "version_owner": plan.version_owner},
        "area": {"code": area.code, "name": area.name},
        "as_of": as_of.isoformat(),
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "columns": columns,
        "grid": grid,
        "actions": rows,
        "exceptions": exceptions,
        "by_lead": _counts(rows, "lead", columns),
        "by_area": _counts(rows, "area", columns),
        "proposals": [{"id": p.id, "reference": a.reference, "action": a.action,
                       "cycle": session.get(Cycle, p.cycle_id).name, "proposed": _label(scale, p.proposed),
                       "regressed": p.regressed, "basis": p.basis} for p, a in open_proposals(session, plan.id)],
        "tasks": {"open": sum(t.status == TaskStatus.not_started.value for t, _ in tasks),
                  "overdue": sum(t.status == TaskStatus.not_started.value and t.milestone < as_of for t, _ in tasks),
                  "done": sum(t.status == TaskStatus.done.value for t, _ in tasks),
                  "reaudited": sum(t.status == TaskStatus.reaudited.value for t, _ in tasks)},
        "before_after": before_after(session, plan.area_id),
    }


def _label(scale: StatusScale, key: str | None) -> str:
    status = scale.status(key)
    return status.label if status else NOT_GRADED


def _action_row(session: Session, action, weakness, scale: StatusScale, as_of: date, people: dict) -> dict:
    status = scale.status(action.status)
    due = action.impact_due or action.action_due
    proposal = latest_proposal(session, action.id)
    flags = []
    if scale.is_red(action.status):
        flags.append("red")
    if due and due < as_of and not scale.is_closed(action.status):
        flags.append(f"overdue since {due:%d %b %Y}")
    if proposal is not None and proposal.regressed:
        flags.append(f"regressed in {session.get(Cycle, proposal.cycle_id).name}")
    evidence = evidence_of(session, action.id)
    return {
        "id": action.id, "reference": action.reference, "area_ref": weakness.reference, "area": weakness.title,
        "action": action.action, "lead": action.lead or "(no lead)", "status": status.label if status else NOT_GRADED,
        "leads": lead_names(action.lead, people) or ["(no lead)"],
        "status_key": action.status, "tag": status.tag if status else "grey", "hex": status.hex if status else "F3F2F1",
        "action_milestone": action.action_milestone, "impact_milestone": action.impact_milestone,
        "due": due.isoformat() if due else "", "flags": flags,
        "links": ", ".join(describe_target(link.level, link.target) for link in links_of(session, action.id)),
        "evidence_cycles": len({e.cycle_id for e in evidence}),
        "proposal": None if proposal is None else {
            "id": proposal.id, "label": _label(scale, proposal.proposed), "regressed": proposal.regressed,
            "decision": proposal.decision, "cycle": session.get(Cycle, proposal.cycle_id).name},
    }


def _counts(rows: list[dict], by: str, columns: list[dict]) -> list[dict]:
    out: dict[str, dict] = {}
    for row in rows:
        # A shared lead ("JD/ DCO") counts the action once for each person it names.
        for group in row["leads"] if by == "lead" else [row[by]]:
            entry = out.setdefault(group, {"group": group, "total": 0, "exceptions": 0,
                                           **{c["label"]: 0 for c in columns}})
            entry["total"] += 1
            entry[row["status"]] += 1
            entry["exceptions"] += bool(row["flags"])
    return sorted(out.values(), key=lambda e: e["group"]) if by == "lead" else list(out.values())


def _text(row: dict) -> dict:
    return {k: str(v) for k, v in row.items()}


def render_improvement(report: dict, fmt: str = "html") -> str:
    if fmt not in ("html", "md"):
        raise ValueError(f"Unknown format '{fmt}'; choose html or md")
    return _env.get_template(f"improvement.{fmt}.jinja").render(r=report)


def pack_section(session: Session, area_id: int, scales: dict[str, StatusScale], as_of: date) -> dict | None:
    """The board pack's 'Improvement plan' section: every plan's BRAG on a page, exceptions, by lead and area,
    and re-audits before and after; None when the area has neither a plan nor a re-audit yet."""
    plans = plans_of(session, area_id)
    comparison = before_after(session, area_id)
    if not plans and not comparison:
        return None
    tables = []
    for plan in plans:
        report = build_improvement_report(session, plan, scales, as_of)
        key = f"improvement_{plan.id}"
        tables.append(make_table(f"{key}_brag", f"BRAG on a page: {plan.name} ({report['plan']['scale']})", [
            ("reference", "Ref", TEXT), ("area", "Area of weakness", TEXT), ("action", "Action", TEXT),
            ("lead", "Lead", TEXT), ("status", "Status", TEXT), ("due", "Milestone", TEXT, day)],
            report["actions"], threshold=0))
        tables.append(make_table(f"{key}_exceptions", f"Exceptions: {plan.name} (red, overdue or regressed)", [
            ("reference", "Ref", TEXT), ("action", "Action", TEXT), ("lead", "Lead", TEXT), ("status", "Status", TEXT),
            ("why", "Why", TEXT)], report["exceptions"], threshold=0))
        # These count actions, not plans or children: nothing to disclose, so they are not suppressed (and are
        # text columns, which the pack's small-number rule for plan counts leaves alone).
        counts = [("group", "Lead", TEXT), ("total", "Actions", TEXT),
                  *[(c["label"], c["label"], TEXT) for c in report["columns"]], ("exceptions", "Exceptions", TEXT)]
        tables.append(make_table(f"{key}_by_lead", f"Actions by lead: {plan.name}", counts,
                                 [_text(r) for r in report["by_lead"]], threshold=0))
        tables.append(make_table(f"{key}_by_area", f"Actions by area of weakness: {plan.name}",
                                 [("group", "Area of weakness", TEXT)] + counts[1:],
                                 [_text(r) for r in report["by_area"]], threshold=0))
    tables.append(make_table("reaudits", "Plans amended and re-audited: grades before and after", [
        ("plan_ref", "Plan", TEXT), ("raised_in", "Audited in", TEXT), ("before", "Before", TEXT),
        ("reaudit_cycle", "Re-audited in", TEXT), ("after", "After", TEXT), ("change", "Change", TEXT)],
        [r | {"change": r["change"] or ""} for r in comparison], threshold=0))
    return {"id": "improvement", "title": "Improvement plan", "tables": tables, "charts": [],
            "intro": "Every action's status on the plan's own scale, the exceptions the board should look at, and "
                     "plans re-audited after amendment. Statuses proposed from audit evidence are decided by the "
                     "lead or QA lead; the proposal and the decision are both kept."}
