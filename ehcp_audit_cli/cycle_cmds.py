"""Commands for running audit cycles and handling scorecards."""

from __future__ import annotations

from pathlib import Path

import typer

from audit.errors import AuditError, NotFound
from audit.limits import Limits
from audit.protection.permissions import Permission
from audit.vocabulary import check_auditor_code, label, stratum_label
from audit.words import day
from ehcp_audit_cli.common import console, friendly, needs, parse_date, settings, store
from ehcp_audit_cli.tables import NUMBER, words_table

# Each command imports the domain modules it uses, so `--help` and the read commands start quickly.

cycle_app = typer.Typer(help="Create, run and follow audit cycles.", no_args_is_help=True)
scorecards_app = typer.Typer(help="Generate scorecard spreadsheets for auditors and import them back.",
                             no_args_is_help=True)


@cycle_app.command("create")
@friendly
@needs(Permission.manage_cycles)
def cycle_create(
    name: str = typer.Option(..., "--name", help="A name the board will recognise, e.g. 'Quarterly audit Q3 2026'."),
    rubric: str = typer.Option("whole-plan", "--rubric", help="Rubric id or path."),
    sample_size: int = typer.Option(..., "--sample-size", min=1, help="Number of plans to sample."),
    due: str = typer.Option(..., "--due", help="Date scorecards are due (YYYY-MM-DD or DD/MM/YYYY)."),
    strata: str = typer.Option("", "--strata", help="Comma-separated fields to stratify by, e.g. team,plan_stage."),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed and register give the same sample."),
    exclude_months: int = typer.Option(12, "--exclude-audited-months", help="Exclude plans audited this recently."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Create a cycle (nothing is sampled until it runs)."""
    from audit.cycle.lifecycle import create_cycle, get_area
    from audit.cycle.sampling import Exclusions
    from audit.rubrics.loading import find_rubric

    chosen = find_rubric(settings().rubrics_dir, rubric)
    with store() as session:
        cycle = create_cycle(
            session, get_area(session, area or settings().area_code), chosen, name=name, sample_size=sample_size,
            due_date=parse_date(due, "due date"), strata=[s.strip() for s in strata.split(",") if s.strip()],
            seed=seed, exclusions=Exclusions(audited_within_months=exclude_months))
        console.print(f"Created cycle {cycle.id} '{name}' with rubric {chosen.key} ({chosen.short_hash}). "
                      f"Start it with: ehcp-audit cycle run {cycle.id}")


@cycle_app.command("run")
@friendly
@needs(Permission.manage_cycles)
def cycle_run(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date to judge lateness and timeliness on (default today)."),
    finalise: bool = typer.Option(False, "--finalise", help="Score and report even with scorecards outstanding."),
    simulate: bool = typer.Option(False, "--simulate-auditors", help="Demo only: synthetic auditors submit."),
) -> None:
    """Run or continue the cycle flow in Prefect: sample, assign, collect, score, report, actions.

    A closed cycle is not sampled or assigned again: the run scores what is in, raises actions and writes the
    board summary (rerunning it changes nothing)."""
    _run_flow(cycle_id, as_of=parse_date(as_of), finalise=finalise, simulate=simulate)


def _run_flow(cycle_id: int, as_of=None, finalise: bool = False, simulate: bool = False) -> dict:
    from flows.runtime import configure_local_prefect, quick_flow_runs, warm_runner_home

    api = configure_local_prefect(settings())
    where = (f"on the Prefect server at {api}" if api else "in Prefect (a temporary server starts first, 10-20 s; "
             "'ehcp-audit prefect server start' keeps one running)")
    arguments = {"cycle_id": cycle_id, "as_of": as_of.isoformat() if as_of else None, "finalise": finalise,
                 "simulate_auditors": simulate}
    home = warm_runner_home(api)
    if home is not None:  # the local server's warm process runs it: Prefect and the flow are imported there
        from flows.warm_runner import RunnerFailed, run_flow

        try:
            with console.status(f"Running the cycle flow {where}..."):
                outcome = run_flow(home, "audit-cycle", arguments, say=console.print)
        except RunnerFailed as failed:
            raise AuditError(f"The cycle flow failed: {failed}") from None
        if outcome is not None:
            _print_outcome(cycle_id, outcome)
            return outcome
    from flows.cycle import audit_cycle

    with console.status(f"Running the cycle flow {where}..."), quick_flow_runs():
        outcome = audit_cycle(cycle_id, as_of=as_of, finalise=finalise, simulate_auditors=simulate)
    _print_outcome(cycle_id, outcome)
    return outcome


def _print_outcome(cycle_id: int, outcome: dict) -> None:
    progress = outcome["progress"]
    status = label(outcome["status"], "cycle_status").lower()
    if outcome["state"] == "nothing-to-score":
        console.print(f"Cycle {cycle_id} is closed and was closed before any plan was sampled: there is nothing "
                      f"to score and no board summary.")
        return
    if outcome["state"] == "waiting":
        console.print(f"Cycle {cycle_id} is {status}: {progress['submitted']} of {progress['total']} "
                      f"scorecards in. Waiting for: {', '.join(progress['waiting_for'])}. Run again when more are in, "
                      f"or use --finalise.")
        return
    scored = outcome["scored"]
    console.print(f"Cycle {cycle_id} is {status}: {scored['complete']} plans graded, "
                  f"{scored['incomplete']} incomplete; {outcome['actions_raised']} new actions.")
    moderation = outcome.get("moderation") or {}
    if moderation.get("double_marked"):
        console.print(f"  {moderation['double_marked']} double-marked; {moderation['awaiting_moderation']} awaiting "
                      f"moderation (ehcp-audit moderation queue {cycle_id}; agreement: ehcp-audit moderation stats {cycle_id}).")
    for fmt, path in outcome["reports"].items():
        console.print(f"  Board summary ({fmt}): {path}")


@cycle_app.command("status")
@friendly
@needs(Permission.manage_cycles)
def cycle_status(
    cycle_id: int | None = typer.Argument(None, help="Cycle number; omit to list cycles."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date to judge lateness on (default today)."),
) -> None:
    """Progress per agency and auditor: submitted, in draft, not started, late."""
    from ehcp_audit_cli.kept_output import kept

    today = parse_date(as_of)
    kept("cycle-status", {"cycle": cycle_id, "as_of": today}, lambda: _print_status(cycle_id, today))


def _print_status(cycle_id: int | None, today) -> None:
    from sqlmodel import select

    from audit.cycle.lifecycle import cycle_progress, get_cycle
    from audit.store.models import Cycle, RubricVersion

    with store() as session:
        if cycle_id is None:
            table = words_table("Cycle#", "Name", "Status", "Rubric", "Sample#", "Due", title="Audit cycles")
            for c, v in session.exec(select(Cycle, RubricVersion).join(RubricVersion)).all():
                table.add_row(str(c.id), c.name, label(c.status, "cycle_status"), f"{v.title} {v.version_label}",
                              str(c.sample_size), day(c.due_date))
            console.print(table)
            return
        cycle = get_cycle(session, cycle_id)
        p = cycle_progress(session, cycle, today=today)
        console.print(f"Cycle {cycle.id} '{cycle.name}' ({label(cycle.status, 'cycle_status').lower()}), due "
                      f"{day(cycle.due_date)}: {p.submitted} of {p.total} scorecards submitted, {p.draft} in draft, "
                      f"{p.not_started} not started, {p.late} late.", highlight=False)
        states = ("submitted", "draft", "not_started", "late", "total")
        for title, bucket in (("Agency", p.by_agency), ("Auditor", p.by_auditor)):
            table = words_table(title, *(label(k, "work_status") + NUMBER for k in states), title=f"By {title.lower()}")
            for key, c in sorted(bucket.items()):
                table.add_row(label(key, "agency") if title == "Agency" else key, *(str(c[k]) for k in states))
            console.print(table)
        for ref, reason in p.withdrawn:
            console.print(f"Withdrawn: {ref} ({reason})", highlight=False)


@cycle_app.command("withdraw")
@friendly
@needs(Permission.manage_cycles)
def cycle_withdraw(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    plan_ref: str = typer.Argument(..., help="The sampled plan's reference."),
    reason: str = typer.Option(..., "--reason", help="Why, e.g. 'ceased' or 'moved to another area'."),
    replace: bool = typer.Option(True, "--replace/--no-replace", help="Draw a replacement from the same stratum."),
) -> None:
    """Withdraw a sampled plan with a reason, replacing it from the same stratum."""
    from audit.cycle.lifecycle import get_cycle, withdraw_plan
    from audit.store.models import Plan

    with store() as session:
        cycle = get_cycle(session, cycle_id)
        replacement = withdraw_plan(session, cycle, plan_ref, reason, replace)
        msg = f"Withdrew {plan_ref} from cycle {cycle_id} ({reason})."
        if replacement:
            msg += (f" Replaced by {session.get(Plan, replacement.plan_id).plan_ref} from the same stratum "
                    f"({stratum_label(replacement.stratum)}).")
        elif replace:
            msg += " No plan is left in its stratum to replace it."
        console.print(msg)


@cycle_app.command("close")
@friendly
@needs(Permission.manage_cycles)
def cycle_close(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    run: bool = typer.Option(True, "--run/--no-run",
                             help="Then run the cycle flow: score what is in, raise actions, write the board summary."),
) -> None:
    """Close a cycle and score what is in; outstanding audits are reported as incomplete."""
    from audit.cycle.lifecycle import close_cycle, get_cycle

    with store() as session:
        close_cycle(session, get_cycle(session, cycle_id))
    console.print(f"Closed cycle {cycle_id}: no more scorecards are asked for; outstanding audits are reported as "
                  f"incomplete.")
    if not run:
        console.print(f"Score it and write the board summary with: ehcp-audit cycle run {cycle_id}")
        return
    try:
        _run_flow(cycle_id, finalise=True)
    except Exception as exc:  # the close stands; the run can be repeated
        raise AuditError(f"Cycle {cycle_id} is closed, but scoring it failed ({type(exc).__name__}: {exc}). "
                         f"Run it again with: ehcp-audit cycle run {cycle_id}") from exc


@scorecards_app.command("template")
@friendly
@needs(Permission.manage_cycles)
def scorecards_template(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    auditor: str | None = typer.Option(None, "--auditor", help="Auditor code; omit for every auditor."),
    out: Path = typer.Option(Path("scorecards"), "--out", help="Folder to write into."),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx or csv."),
) -> None:
    """Write each auditor's scorecard (one row per criterion, descriptors included)."""
    from sqlmodel import select

    from audit.cycle.lifecycle import get_cycle
    from audit.cycle.scorecard_files import template_path, write_template
    from audit.cycle.scorecards import assignments_for
    from audit.store.models import Auditor

    if fmt not in ("xlsx", "csv"):
        raise typer.BadParameter("use xlsx or csv", param_hint="--format")
    if auditor:
        check_auditor_code(auditor)
    with store() as session:
        cycle = get_cycle(session, cycle_id)
        query = select(Auditor).where(Auditor.area_id == cycle.area_id)
        if auditor:
            query = query.where(Auditor.code == auditor)
        people = session.exec(query.order_by(Auditor.code)).all()
        if auditor and not people:
            raise NotFound(f"No auditor '{auditor}' in this area.")
        written = 0
        for person in people:
            if not assignments_for(session, cycle, person):
                continue
            path = template_path(out, cycle, person, fmt)  # inside --out, whatever the stored code holds
            rows = write_template(session, cycle, person, path)
            console.print(f"{path} ({rows} criteria)")
            written += 1
        if not written:
            raise NotFound(f"No assignments in cycle {cycle_id} for {'auditor ' + auditor if auditor else 'anyone'}; "
                           f"has the cycle been run?")


@scorecards_app.command("import")
@friendly
@needs(Permission.manage_cycles)
def scorecards_import(
    file: Path = typer.Argument(..., help="A filled-in scorecard (.xlsx or .csv)."),
    draft: bool = typer.Option(False, "--draft", help="Save as a draft: grades may be incomplete."),
    auditor: str | None = typer.Option(None, "--auditor", help="Your auditor code (checked against the file)."),
) -> None:
    """Submit a scorecard file, all or nothing; late submissions are accepted and flagged."""
    from audit.cycle.scorecard_files import import_scorecard_file

    if auditor:
        check_auditor_code(auditor)
    with store() as session:
        result = import_scorecard_file(session, file, submit=not draft, auditor_code=auditor,
                                       limits=Limits.from_settings(settings()))
    done = result.drafts if draft else result.submitted
    console.print(f"{file.name}: {len(done)} scorecard(s) {'saved as draft' if draft else 'submitted'}"
                  + (f", {len(result.late)} late" if result.late else "")
                  + (f"; {len(result.skipped)} plan(s) left blank and not submitted" if result.skipped else "") + ".")
