"""`ehcp-audit improvement ...`: import and export action plans, see and decide statuses, link actions, tasks."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from audit import clock
from audit.errors import AuditError
from audit.limits import Limits
from audit.protection.permissions import Permission
from audit.vocabulary import label
from audit.words import day
from ehcp_audit_cli.common import (
    console,
    friendly,
    needs,
    parse_date,
    settings,
    store,
    write_out,
)
from ehcp_audit_cli.tables import words_table

improvement_app = typer.Typer(help="The improvement plan: import/export WSoA and APP tables, BRAG on a page, "
                                   "status proposals, links to the rubric, amendment tasks.", no_args_is_help=True)
DEFAULT_SCALE = {"wsoa": "brag", "app": "app"}
BY = typer.Option(..., "--by", help="Your code, recorded as who made the change.")


def _area_id(session, area: str | None) -> int:
    from audit.cycle.lifecycle import get_area

    return get_area(session, area or settings().area_code, create=True).id


def _scales():
    from audit.improvement.scales import load_scales

    return load_scales(settings().scales_dir)


@improvement_app.command("import")
@friendly
@needs(Permission.manage_improvement)
def import_cmd(
    file: Path = typer.Argument(..., help="CSV or XLSX laid out as the WSoA or the APP (docs/improvement.md)."),
    layout: str = typer.Option(..., "--layout", help="wsoa or app."),
    name: str = typer.Option(..., "--name", "--plan", help="The plan's name, e.g. 'APP 2021' (an existing plan's "
                                                          "name imports the file as its next revision)."),
    revision: bool = typer.Option(False, "--revision", help="Update the named plan with this new version of it."),
    people: Path | None = typer.Option(None, "--people", help="CSV or XLSX initials and designation list "
                                                             "(Initials | Designation) resolving the leads."),
    version: str | None = typer.Option(None, "--version", help="The document's version, e.g. '1.3'."),
    version_date: str | None = typer.Option(None, "--version-date", help="The version's date (YYYY-MM-DD)."),
    owner: str | None = typer.Option(None, "--owner", help="The version's owner (a code or a role)."),
    yes: bool = typer.Option(False, "--yes", "--confirm", help="Store without asking, after printing the changes "
                                                              "and warnings."),
    scale: str | None = typer.Option(None, "--scale", help="Status scale; default brag for a WSoA, app for an APP."),
    by: str = BY,
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Import an improvement plan, all or nothing, or its next revision onto the same plan.

    Every problem is listed with its row, column and fix. Before anything is stored, the command prints the
    rows it skipped or joined, every action left without a due date, and (for a revision) what changes, then
    asks to go on (--yes goes on without asking)."""
    from audit.cycle.lifecycle import get_area
    from audit.improvement.files import preview_import, store_import
    from audit.improvement.layouts import LAYOUTS
    from audit.improvement.plans import plans_of
    from audit.improvement.revisions import Version
    from audit.improvement.scales import get_scale

    if layout not in LAYOUTS:
        raise typer.BadParameter(f"use one of {', '.join(LAYOUTS)}", param_hint="--layout")
    chosen = get_scale(_scales(), scale or DEFAULT_SCALE[layout])
    stamp = Version(version or "", parse_date(version_date), owner or "")
    with store() as session:
        area_row = get_area(session, area or settings().area_code, create=True)
        known = any(p.name == name.strip() for p in plans_of(session, area_row.id))
        if known and not revision:
            console.print(f"Plan '{name}' exists: this file is read as its next revision.", highlight=False)
        preview = preview_import(session, area_row, file, layout=layout, scale=chosen, name=name,
                                 revision=revision or known, limits=Limits.from_settings(settings()),
                                 people_file=people)
        for line in preview.warnings():
            console.print(f"Warning: {line}" if not line.startswith("  ") else line, highlight=False)
        if preview.changes is not None:
            console.print(f"Changes to plan '{preview.plan.name}':", highlight=False)
            for line in preview.changes.lines():
                console.print(f"  {line}", highlight=False)
        if (preview.changes is not None or preview.warnings()) and not yes and not typer.confirm(
                "Store this?", default=False):
            console.print("Nothing was stored.")
            raise typer.Exit(1)
        result = store_import(session, area_row, preview, scale=chosen, file=file.name, by=by, version=stamp)
        console.print(str(result), highlight=False)


@improvement_app.command("export")
@friendly
@needs(Permission.view_improvement)
def export_cmd(
    plan: str = typer.Argument(..., help="Plan id or name."),
    out: Path = typer.Argument(..., help="File to write: .csv or .xlsx."),
    layout: str | None = typer.Option(None, "--layout", help="wsoa or app; default the plan's own."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Export a plan in its layout (an imported plan comes back with the same rows and columns)."""
    from audit.improvement.files import export_plan
    from audit.improvement.layouts import LAYOUTS
    from audit.improvement.plans import get_plan
    from audit.improvement.scales import get_scale

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise typer.BadParameter("name the file .csv or .xlsx", param_hint="OUT")
    if layout is not None and layout not in LAYOUTS:
        raise typer.BadParameter(f"use one of {', '.join(LAYOUTS)}", param_hint="--layout")
    with store() as session:
        found = get_plan(session, _area_id(session, area), plan)
        path = export_plan(session, found, get_scale(_scales(), found.scale), out, layout)
    console.print(f"Wrote {path}")


@improvement_app.command("status")
@friendly
@needs(Permission.view_improvement)
def status_cmd(
    plan: str | None = typer.Argument(None, help="Plan id or name; leave out to list the plans."),
    fmt: str = typer.Option("table", "--format", help="table, json, html or md."),
    out: Path | None = typer.Option(None, "--out", help="File to write (html, md, json); default the terminal."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date for overdue milestones (default today)."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """BRAG on a page, the exception report and the proposals awaiting a decision."""
    from audit.improvement.plans import get_plan, plans_of
    from reports.improvement import build_improvement_report, render_improvement

    if fmt not in ("table", "json", "html", "md"):
        raise typer.BadParameter("use table, json, html or md", param_hint="--format")
    with store() as session:
        area_id = _area_id(session, area)
        if plan is None:
            for p in plans_of(session, area_id):
                console.print(f"{p.id}  {p.name}  ({p.layout.upper()}, scale {p.scale})", highlight=False)
            if not plans_of(session, area_id):
                console.print("No improvement plan yet: import one, or run a cycle whose findings raise actions.")
            return
        report = build_improvement_report(session, get_plan(session, area_id, plan), _scales(),
                                          parse_date(as_of) or clock.today())
    if fmt != "table":
        text = json.dumps(report, indent=2, default=str) + "\n" if fmt == "json" else render_improvement(report, fmt)
        write_out(text, out)
        return
    version = report["plan"]["version"]
    table = words_table("Reference", "Action", "Lead", "Status", "Milestone", "Exception",
                        title=f"BRAG on a page: {report['plan']['name']}" + (f" (version {version})" if version else ""))
    for a in report["actions"]:
        table.add_row(a["reference"], a["action"][:60], a["lead"], a["status"], day(a["due"]) or a["action_milestone"],
                      ", ".join(a["flags"]))
    console.print(table)
    for p in report["proposals"]:
        console.print(f"Proposal {p['id']} for {p['reference']} after {p['cycle']}: {p['proposed']}"
                      f"{' (regression)' if p['regressed'] else ''}. {p['basis']}", highlight=False)
    if report["proposals"]:
        console.print("Decide: ehcp-audit improvement accept PROPOSAL --by CODE --reason TEXT [--override STATUS]")


@improvement_app.command("accept")
@friendly
@needs(Permission.manage_improvement)
def accept_cmd(
    proposal: int = typer.Argument(..., help="Proposal number (shown by 'improvement status PLAN')."),
    reason: str = typer.Option(..., "--reason", help="Why; kept with the proposal."),
    override: str | None = typer.Option(None, "--override", help="Set this status instead of the proposed one."),
    by: str = BY,
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Accept the status proposed from audit evidence, or override it; both are kept."""
    from audit.improvement.plans import get_plan
    from audit.improvement.proposals import decide, get_proposal
    from audit.improvement.scales import get_scale
    from audit.store.models import ImprovementAction

    with store() as session:
        found = get_proposal(session, proposal, _area_id(session, area))
        action = session.get(ImprovementAction, found.action_id)
        scale = get_scale(_scales(), get_plan(session, _area_id(session, area), action.plan_id).scale)
        decide(session, found, scale, by, reason, override=override)
        console.print(f"Action {action.reference} is now '{scale.status(action.status).label}' "
                      f"({found.decision} by {by}).", highlight=False)


@improvement_app.command("link")
@friendly
@needs(Permission.manage_improvement)
def link_cmd(
    plan: str = typer.Argument(..., help="Plan id or name."),
    reference: str = typer.Argument(..., help="The action's reference, e.g. 1.2 or 2.1.ii."),
    criterion: str | None = typer.Option(None, "--criterion", help="Rubric criterion id, e.g. F2."),
    section: str | None = typer.Option(None, "--section", help="Plan section, e.g. F."),
    service: str | None = typer.Option(None, "--service", help="sen_team, education, health or social_care."),
    rubric: str = typer.Option("whole-plan", "--rubric", help="Rubric the criterion or section belongs to."),
    reason: str = typer.Option(..., "--reason", help="Why this action should improve it."),
    by: str = BY,
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Link an action to the criterion, section or service it should improve, so audits can evidence it."""
    from sqlmodel import select

    from audit.improvement.plans import actions_of, get_plan, link_action
    from audit.rubrics.loading import find_rubric
    from audit.store.models import ImprovementAction

    chosen = [(level, target) for level, target in (("criterion", criterion), ("section", section),
                                                     ("service", service)) if target]
    if len(chosen) != 1:
        raise typer.BadParameter("give one of --criterion, --section or --service")
    level, target = chosen[0]
    with store() as session:
        found = get_plan(session, _area_id(session, area), plan)
        action = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == found.id,
                                                              ImprovementAction.reference == reference)).first()
        if action is None or action.removed_in is not None:
            refs = [a.reference for a, _ in actions_of(session, found.id)]
            raise AuditError(f"Plan '{found.name}' has no action {reference}; its actions are "
                             f"{', '.join(refs) or 'none yet'}.")
        _, created = link_action(session, action, level, target, by, reason,
                                 None if level == "service" else find_rubric(settings().rubrics_dir, rubric))
    console.print(f"Action {reference} {'is now' if created else 'was already'} linked to {level} {target}.")


@improvement_app.command("tasks")
@friendly
@needs(Permission.view_improvement)
def tasks_cmd(
    overdue: bool = typer.Option(False, "--overdue", help="Only tasks past their due date and not done."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date for 'overdue' (default today)."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Amendment tasks for plans graded Requires Improvement or Inadequate, with their status."""
    from audit.cycle.amendments import before_after, tasks_of

    today = parse_date(as_of) or clock.today()
    with store() as session:
        area_id = _area_id(session, area)
        rows, comparison = tasks_of(session, area_id), before_after(session, area_id)
    table = words_table("Task#", "Plan", "Case officer", "Due", "Status", title="Amendment tasks")
    for task, plan in rows:
        late = task.status == "not_started" and task.milestone < today
        if overdue and not late:
            continue
        table.add_row(str(task.id), plan.plan_ref, task.lead, day(task.milestone),
                      "Overdue" if late else label(task.status, "task_status"))
    console.print(table)
    if comparison and not overdue:
        again = words_table("Plan", "Audited in", "Before", "Re-audited in", "After", title="Re-audited: before and after")
        for row in comparison:
            again.add_row(row["plan_ref"], row["raised_in"], row["before"], row["reaudit_cycle"], row["after"])
        console.print(again)


@improvement_app.command("task-done")
@friendly
@needs(Permission.manage_improvement)
def task_done_cmd(
    task: int = typer.Argument(..., help="Task number (shown by 'improvement tasks')."),
    note: str = typer.Option(..., "--note", help="What was amended."),
    by: str = BY,
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Mark an amendment task done; the next whole-plan cycle re-audits the plan."""
    from audit.cycle.amendments import get_task, mark_done

    with store() as session:
        found = mark_done(session, get_task(session, task, _area_id(session, area)), by, note)
        console.print(f"Task {found.id} done; plan {found.evidence.get('plan_ref')} will be re-audited in the next "
                      "whole-plan cycle.", highlight=False)


@improvement_app.command("chase")
@friendly
@needs(Permission.manage_improvement)
def chase_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="Date for 'overdue' (default today)."),
    record: bool = typer.Option(False, "--record", help="Record a chase for each (no email is sent from here)."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """List overdue amendment tasks as the reminder flow chases them; --record records each chase."""
    from audit.cycle.reminders import overdue_amendment_items, record_chase

    with store() as session:
        items = overdue_amendment_items(session, _area_id(session, area), parse_date(as_of) or clock.today())
        for item in items:
            if record:
                record_chase(session, item, by="cli")
            console.print(f"Task {item.task_id}: plan {item.subject}, case officer {item.who}, due {item.due}, "
                          f"{item.days_overdue} day(s) overdue, chased {item.times_chased + record} time(s).",
                          highlight=False)
    if not items:
        console.print("No amendment task is overdue.")


@improvement_app.command("check")
@friendly
@needs(Permission.view_improvement)
def check_cmd(
    scale_file: Path | None = typer.Option(None, "--scale", help="Check one status scale file."),
    rules_file: Path | None = typer.Option(None, "--rules", help="Check a rules file (default the one in use)."),
) -> None:
    """Check the status scales and the rules that raise actions; every problem is listed with its fix."""
    from audit.improvement.rules import load_rules
    from audit.improvement.scales import get_scale, load_scale_file

    if scale_file:
        scale = load_scale_file(scale_file)
        console.print(f"{scale_file.name}: scale '{scale.key}' is valid ({', '.join(scale.labels())}).")
        return
    scales = _scales()
    rules = load_rules(settings(), rules_file)
    get_scale(scales, rules.scale)
    console.print(f"Scales: {', '.join(sorted(scales))}.")
    for rule in rules.rules:
        console.print(f"Rule {rule.id}: {rule.level} weak in {rule.weak_share:.0%} of plans (at least "
                      f"{rule.min_weak}) -> plan '{rules.plan}', area {rule.area[0]}"
                      f"{'' if rule.enabled else ' (disabled)'}.", highlight=False)
