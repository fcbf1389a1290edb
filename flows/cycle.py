"""The audit cycle flow: open, sample, assign, collect, second marking, moderation, score, aggregate, actions,
status proposals, report.

Triggered by the QA lead (`ehcp-audit cycle run ID`), by the demo, and again whenever scorecards come in.
Inputs: a cycle id (the cycle is created beforehand with its rubric, sample rule and due date).
Outputs: stored samples (with re-audits of amended plans), assignments, results, amendment tasks,
improvement-plan actions and their evidence (by the rules in config/improvement-rules.yaml), status
proposals for linked actions; the board summary as HTML, Markdown and JSON files and as a Prefect markdown
artifact.

Every task is rerunnable: it reads what is recorded and adds only what is missing, in one transaction.
While scorecards are outstanding and the due date has not passed, the flow stops after "collect" and
reports who it is waiting for; no worker is held while auditors work. Running it again picks up from there.
Once the first scorecards are in, a share of the pieces is second-marked blind (audit.moderation.marking): the flow
adds those assignments and waits for them the same way. Disagreements go to the moderation queue; the flow
does not wait for the moderator: it scores with the counted grades (the first marker's until a section is
moderated), says how many plans await moderation, and a rerun after moderation rescores.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlmodel import func, select

from audit import clock
from audit.cycle.amendments import record_reaudits
from audit.cycle.lifecycle import cycle_progress, get_cycle, open_cycle
from audit.improvement.actions import raise_actions
from audit.improvement.proposals import propose_statuses
from audit.improvement.rules import load_rules
from audit.improvement.scales import load_scales
from audit.moderation.marking import (
    ModerationRules,
    double_marked,
    moderation_queue,
    select_second_marking,
)
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings, get_settings
from audit.store.actor import as_actor
from audit.store.db import engine_from_settings, transaction
from audit.store.models import SampledPlan
from audit.synthetic.submissions import submit_simulated
from audit.vocabulary import CycleStatus, SampleStatus
from flows.runtime import store_settings
from flows.steps import crash_point, step_transaction
from reports.cache import board_summary, cache_folder
from reports.render import render, write_summary
from reports.summary import build_summary


def _settings(database_url: str | None, data_dir: str | None) -> Settings:
    return store_settings(get_settings(), database_url, data_dir)


@task(name="open-sample-assign", cache_policy=NO_CACHE)
def open_step(settings: Settings, cycle_id: int) -> dict:
    with step_transaction(settings, "open-sample-assign") as session:
        cycle = get_cycle(session, cycle_id, lock=True)
        if cycle.status == CycleStatus.closed.value:
            # Closed by the QA lead (possibly early): nothing more is sampled or assigned; the run scores what is in.
            sampled = session.exec(select(func.count()).select_from(SampledPlan).where(
                SampledPlan.cycle_id == cycle_id, SampledPlan.status == SampleStatus.sampled.value)).one()
            return {"sampled": sampled, "new_assignments": 0, "closed": True}
        sampled, new = open_cycle(session, cycle)
        return {"sampled": len(sampled), "new_assignments": len(new), "closed": False}


@task(name="simulate-auditors", cache_policy=NO_CACHE)
def simulate_step(settings: Settings, cycle_id: int, seed: int, skip_auditors: list[str]) -> int:
    with step_transaction(settings, "simulate-auditors") as session:
        return submit_simulated(session, get_cycle(session, cycle_id, lock=True), seed, set(skip_auditors))


@task(name="collect", cache_policy=NO_CACHE)
def collect_step(settings: Settings, cycle_id: int, as_of: date) -> dict:
    with step_transaction(settings, "collect") as session:
        p = cycle_progress(session, get_cycle(session, cycle_id), today=as_of)
        waiting = sorted(code for code, c in p.by_auditor.items() if c["submitted"] < c["total"])
        return {"total": p.total, "submitted": p.submitted, "complete": p.complete, "waiting_for": waiting}


@task(name="second-marking", cache_policy=NO_CACHE)
def second_marking_step(settings: Settings, cycle_id: int, as_of: date) -> dict:
    with step_transaction(settings, "second-marking") as session:
        chosen = select_second_marking(session, get_cycle(session, cycle_id, lock=True),
                                       ModerationRules.from_settings(settings), today=as_of)
        return {"created": len(chosen.created), "unavailable": chosen.unavailable}


@task(name="moderation", cache_policy=NO_CACHE)
def moderation_step(settings: Settings, cycle_id: int) -> dict:
    with step_transaction(settings, "moderation") as session:
        cycle = get_cycle(session, cycle_id)
        return {"double_marked": len(double_marked(session, cycle)),
                "awaiting_moderation": len(moderation_queue(session, cycle))}


@task(name="score", cache_policy=NO_CACHE)
def score_step(settings: Settings, cycle_id: int, complete: bool) -> dict:
    with step_transaction(settings, "score") as session:
        cycle = get_cycle(session, cycle_id, lock=True)
        summary = score_cycle(session, cycle)
        if complete and cycle.status == CycleStatus.open.value:
            cycle.status = CycleStatus.scored.value
            session.add(cycle)
        return {"plans": summary.plans, "complete": summary.complete, "incomplete": summary.incomplete,
                "by_grade": summary.by_grade}


@task(name="raise-actions", cache_policy=NO_CACHE)
def actions_step(settings: Settings, cycle_id: int, today: date) -> dict:
    """Amendment tasks, improvement actions and evidence by the rules, and re-audits this cycle completed."""
    with step_transaction(settings, "raise-actions") as session:
        cycle = get_cycle(session, cycle_id, lock=True)
        raised = raise_actions(session, load_cycle_results(session, cycle), settings, today)
        reaudited = record_reaudits(session, cycle)
        return {"count": raised.count, "amendments": len(raised.amendments),
                "improvement_actions": len(raised.improvements), "evidence": len(raised.applied.evidence),
                "reaudited": len(reaudited)}


@task(name="propose-statuses", cache_policy=NO_CACHE)
def proposals_step(settings: Settings, cycle_id: int, today: date) -> dict:
    """A proposed status from the data for every action linked to what this cycle graded."""
    rules, scales = load_rules(settings), load_scales(settings.scales_dir)
    with step_transaction(settings, "propose-statuses") as session:
        changed = propose_statuses(session, get_cycle(session, cycle_id), rules.evidence, scales, today)
        return {"proposals": len(changed), "regressions": sum(1 for p in changed if p.regressed)}


@task(name="board-summary", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def report_step(settings: Settings, cycle_id: int, as_of: date) -> dict[str, str]:
    with step_transaction(settings, "board-summary") as session:
        cycle = get_cycle(session, cycle_id)
        # Built through the view cache, so the results page and `ehcp-audit report` reuse it (reports.cache).
        summary = board_summary(session, cycle, as_of, settings.small_number_threshold,
                                scales_dir=settings.scales_dir, folder=cache_folder(settings))
        if summary is None:  # only re-audited plans in: the summary says the random sample has no results
            summary = build_summary(session, load_cycle_results(session, cycle), as_of,
                                    settings.small_number_threshold, scales=load_scales(settings.scales_dir))
    paths = write_summary(summary, Path(settings.resolved_reports_dir))
    crash_point("board-summary", "files-written")
    create_markdown_artifact(key=f"board-summary-cycle-{cycle_id}", markdown=render(summary, "md"),
                             description=f"Board summary for cycle {cycle_id}")
    return {fmt: str(path) for fmt, path in paths.items()}


def _status(settings: Settings, cycle_id: int) -> str:
    """The cycle's status as stored when the run ends (open, scored or closed), for what the run reports."""
    with transaction(engine_from_settings(settings)) as session:
        return get_cycle(session, cycle_id).status


@flow(name="audit-cycle", flow_run_name="audit-cycle-{cycle_id}", log_prints=True)
@as_actor("flow:audit-cycle")  # the audit trail names the flow as the actor of what it writes
def audit_cycle(
    cycle_id: int,
    as_of: date | None = None,
    finalise: bool = False,
    simulate_auditors: bool = False,
    simulation_seed: int = 7,
    skip_auditors: list[str] | None = None,
    database_url: str | None = None,
    data_dir: str | None = None,
) -> dict:
    """Run (or continue) one cycle. `finalise` scores and reports even with scorecards outstanding."""
    settings = _settings(database_url, data_dir)
    as_of = as_of or clock.today()
    logger = get_run_logger()
    opened = open_step(settings, cycle_id)
    closed = opened["closed"]  # a closed cycle takes no more work: score what is in, act, report
    if simulate_auditors and not closed:
        simulate_step(settings, cycle_id, simulation_seed, skip_auditors or [])
    progress = collect_step(settings, cycle_id, as_of)
    if closed and not opened["sampled"]:
        logger.info("Cycle %s was closed before any plan was sampled: nothing to score", cycle_id)
        return {"state": "nothing-to-score", "status": CycleStatus.closed.value, "opened": opened,
                "progress": progress}
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        past_due = as_of > cycle.due_date or closed
    if not (progress["complete"] or finalise or past_due):
        logger.info("Waiting for %s of %s scorecards", progress["total"] - progress["submitted"], progress["total"])
        return {"state": "waiting", "status": _status(settings, cycle_id), "opened": opened, "progress": progress}
    # Second marking asks for more scorecards: never of a closed cycle, whose auditors are no longer working on it.
    second = {"created": 0, "unavailable": []} if closed else second_marking_step(settings, cycle_id, as_of)
    if second["created"]:
        if simulate_auditors:
            simulate_step(settings, cycle_id, simulation_seed, skip_auditors or [])
        progress = collect_step(settings, cycle_id, as_of)
        if not (progress["complete"] or finalise or past_due):
            logger.info("Waiting for %s second-marking scorecards", progress["total"] - progress["submitted"])
            return {"state": "waiting", "status": _status(settings, cycle_id), "opened": opened, "progress": progress,
                    "second_marking": second}
    moderation = moderation_step(settings, cycle_id)
    scored = score_step(settings, cycle_id, progress["complete"])
    raised = actions_step(settings, cycle_id, as_of)
    proposals = proposals_step(settings, cycle_id, as_of)
    paths = report_step(settings, cycle_id, as_of)
    print(f"Cycle {cycle_id}: {scored['complete']} plans graded, {scored['incomplete']} incomplete; "
          f"{raised['count']} new actions; {proposals['proposals']} status proposals "
          f"({proposals['regressions']} regressions); {moderation['awaiting_moderation']} awaiting moderation; "
          f"board summary at {paths['html']}")
    return {"state": "reported", "status": _status(settings, cycle_id), "opened": opened, "progress": progress,
            "second_marking": second,
            "moderation": moderation, "scored": scored, "actions_raised": raised["count"], "improvement": raised,
            "proposals": proposals, "reports": paths}
