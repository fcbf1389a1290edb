"""Steps for improvement.feature: cycles with chosen grades in a file store, through the cycle flow's own steps."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from audit.cycle.amendments import before_after, get_task, mark_done
from audit.cycle.reminders import overdue_amendment_items
from audit.errors import InputRejected
from audit.improvement.files import import_plan
from audit.improvement.plans import history
from audit.improvement.proposals import decide, latest_proposal
from audit.improvement.scales import load_scales
from audit.results.analysis import load_cycle_results
from audit.store.models import (
    Action,
    ActionEvidence,
    ActionLink,
    Assignment,
    Cycle,
    ImprovementAction,
    ImprovementPlan,
    LocalArea,
    Plan,
    SampledPlan,
    StatusProposal,
)
from audit.vocabulary import REAUDIT_STRATUM, Grade
from reports.improvement import build_improvement_report
from reports.pack import build_pack
from tests.factories import ROOT
from tests.improvement_data import LoopArea
from tests.store_dump import whole_dump

scenarios("improvement/improvement.feature")

@pytest.fixture
def ctx(tmp_path):
    context = {}
    yield context
    if "loop" in context:
        context["loop"].close()


def _store(ctx):
    return ctx["loop"].store()


def _today(ctx, cycle_id: int) -> date:
    return ctx["loop"].due(cycle_id)


def _action(session) -> ImprovementAction:
    return session.exec(select(ImprovementAction)).one()


def _label(status_key: str | None) -> str | None:
    return load_scales()["brag"].status(status_key).label if status_key else None


# Background ---------------------------------------------------------------------------------------------

@given(parsers.parse("a local area with {n:d} plans and auditors in every agency"))
def local_area(ctx, n, tmp_path):
    ctx["loop"] = LoopArea(tmp_path, plans=n)
    ctx["cycles"] = ctx["loop"].cycles


@given("the shipped improvement rules and status scales")
def shipped_rules(ctx):
    settings = ctx["loop"].settings
    assert settings.improvement_rules_file is None and settings.scales_dir is None


# Raising --------------------------------------------------------------------------------------------------

@when(parsers.parse("a whole-plan cycle is scored with criterion F2 Requires Improvement in {k:d} of 6 plans"))
@when(parsers.parse("a later cycle is scored with criterion F2 weak in {k:d} of 6 plans"))
def cycle_with_f2_weak(ctx, k):
    ctx["loop"].cycle_weak("F2", k)


@given(parsers.parse("a cycle with criterion F2 weak in {k:d} of 6 plans raised an action"))
def raised_action(ctx, k):
    cycle_with_f2_weak(ctx, k)
    ctx["loop"].run_step(ctx["cycles"][-1])
    with _store(ctx) as session:
        assert _action(session).raised_cycle_id == ctx["cycles"][-1]


@when("the cycle flow raises actions and proposes statuses")
def flow_step(ctx):
    ctx["loop"].run_step(ctx["cycles"][-1])


@then(parsers.parse('the "{name}" plan has one action, to improve criterion F2'))
def one_action(ctx, name):
    with _store(ctx) as session:
        plan = session.exec(select(ImprovementPlan)).one()
        action = _action(session)
        assert plan.name == name and plan.scale == "brag"
        assert action.action.startswith("Improve Criterion F2 (") and action.reference == "Q.1"
        assert action.lead == "QA-LEAD" and action.action_due == _today(ctx, ctx["cycles"][0]) + timedelta(days=90)


@then("the action is linked to criterion F2 of the whole-plan rubric")
def linked(ctx):
    with _store(ctx) as session:
        links = session.exec(select(ActionLink)).all()
        assert [(link.level, link.target, link.rubric) for link in links] == [("criterion", "F2", "whole-plan")]


@then(parsers.parse("its evidence names the cycle and the {k:d} weak plans by their references"))
def evidence_names_plans(ctx, k):
    with _store(ctx) as session:
        (evidence,) = session.exec(select(ActionEvidence)).all()
        cycle_id = ctx["cycles"][0]
        weak = sorted(sp_plan.plan_ref for sp_plan in session.exec(
            select(Plan).join(SampledPlan, SampledPlan.plan_id == Plan.id).where(SampledPlan.cycle_id == cycle_id)))[:k]
        assert (evidence.cycle_id, evidence.weak, evidence.plans) == (cycle_id, k, 6)
        assert evidence.plan_refs == weak
        assert "5 of 6 plans (83%)" in evidence.reason and "Quarter 1" in evidence.reason


@then("the action's history says who raised it, when and why")
def history_says(ctx):
    with _store(ctx) as session:
        items = history(session, _action(session).id)
        kinds = [i["kind"] for i in items]
        assert kinds[:3] == ["created", "linked", "evidence"] and all(i["by"] == "ehcp-audit" for i in items)
        assert items[0]["reason"].startswith("raised by rule weak-criterion: 5 of 6 plans")
        assert all(i["at"] is not None for i in items)


# Status from evidence -------------------------------------------------------------------------------------

@then(parsers.parse('the action\'s proposed status is "{label}"'))
def proposed(ctx, label):
    with _store(ctx) as session:
        proposal = latest_proposal(session, _action(session).id)
        assert proposal.cycle_id == ctx["cycles"][-1]
        assert _label(proposal.proposed) == label, proposal.basis
        ctx["proposal_id"] = proposal.id


@then(parsers.parse("the proposal explains the shares: {first} at the start, then {second} and {third}"))
def explains(ctx, first, second, third):
    with _store(ctx) as session:
        basis = session.get(StatusProposal, ctx["proposal_id"]).basis
        assert basis.startswith("Improvement held for 2 cycles: Criterion F2")
        assert f"{first} weak at the start (Quarter 1) -> {second} (Quarter 2) -> {third} (Quarter 3)" in basis


@when(parsers.parse('the QA lead accepts the proposal saying "{reason}"'))
def accept(ctx, reason):
    with _store(ctx) as session:
        decide(session, session.get(StatusProposal, ctx["proposal_id"]), load_scales()["brag"], "QA-LEAD", reason)
    ctx["reason"] = reason


@when(parsers.parse('the QA lead overrides the proposal with "{label}" saying "{reason}"'))
def override(ctx, label, reason):
    with _store(ctx) as session:
        decide(session, session.get(StatusProposal, ctx["proposal_id"]), load_scales()["brag"], "QA-LEAD", reason,
               override=label)
    ctx["reason"] = reason


@then(parsers.parse('the action\'s status is "{label}"'))
def status_is(ctx, label):
    with _store(ctx) as session:
        assert _label(_action(session).status) == label


@then("the status history keeps the proposal, the acceptance, who accepted it and why")
def kept_acceptance(ctx):
    with _store(ctx) as session:
        proposal = session.get(StatusProposal, ctx["proposal_id"])
        assert (proposal.decision, proposal.decided_by, proposal.decision_reason) == ("accepted", "QA-LEAD",
                                                                                      ctx["reason"])
        items = history(session, proposal.action_id)
        change = [i for i in items if i["kind"] == "status (accepted)"]
        assert change and change[0]["by"] == "QA-LEAD" and change[0]["reason"] == ctx["reason"]
        assert [i["kind"] for i in items].count("proposal") == 2  # one per later cycle, both kept


@then("the proposal is marked as a regression")
def regression(ctx):
    with _store(ctx) as session:
        proposal = session.get(StatusProposal, ctx["proposal_id"])
        assert proposal.regressed and proposal.basis.startswith("Regression: Criterion F2 83% weak at the start")
        assert proposal.basis.endswith("17% (Quarter 2) -> 100% (Quarter 3)")


@then("the exception report lists the action as regressed")
def exception_report(ctx):
    with _store(ctx) as session:
        plan = session.exec(select(ImprovementPlan)).one()
        report = build_improvement_report(session, plan, load_scales(), _today(ctx, ctx["cycles"][-1]))
        (row,) = report["exceptions"]
        assert row["reference"] == "Q.1" and "regressed" in row["why"]


@then("the latest cycle's weak plans are added to the action's evidence")
def latest_evidence(ctx):
    with _store(ctx) as session:
        rows = session.exec(select(ActionEvidence).order_by(ActionEvidence.cycle_id)).all()
        assert [(e.cycle_id, e.weak) for e in rows] == [(ctx["cycles"][0], 5), (ctx["cycles"][2], 6)]


@then(parsers.parse('the proposal still says "{label}" beside the override and its reason'))
def override_kept(ctx, label):
    with _store(ctx) as session:
        proposal = session.get(StatusProposal, ctx["proposal_id"])
        assert _label(proposal.proposed) == label and proposal.decision == "overridden"
        assert _label(proposal.decided_status) == "Progressing" and proposal.decision_reason == ctx["reason"]


# The plan-level loop --------------------------------------------------------------------------------------

@given("a whole-plan cycle in which one plan was graded Inadequate throughout")
def inadequate_plan(ctx):
    cycle_id = ctx["loop"].new_cycle()
    with _store(ctx) as session:
        refs = sorted(p.plan_ref for p in session.exec(
            select(Plan).join(SampledPlan, SampledPlan.plan_id == Plan.id).where(SampledPlan.cycle_id == cycle_id)))
    ctx["weak_ref"] = refs[0]
    ctx["loop"].grade(cycle_id, lambda ref, rank, cid: Grade.INADEQUATE if ref == ctx["weak_ref"] else Grade.GOOD)


def _task(session) -> Action:
    return session.exec(select(Action).where(Action.kind == "amendment")).one()


@then("the plan has an amendment task for its case officer, due before its next review")
def has_task(ctx):
    with _store(ctx) as session:
        task = _task(session)
        plan = session.get(Plan, task.plan_id)
        assert plan.plan_ref == ctx["weak_ref"] and task.lead == plan.case_officer
        assert task.milestone == _today(ctx, ctx["cycles"][0]) + timedelta(days=28)
        assert task.milestone < date(2027, 4, 20)  # the plan's next annual review
        assert task.evidence["grade"] == "Inadequate"


@when("the task is past its due date and not done")
def past_due(ctx):
    with _store(ctx) as session:
        ctx["chase_day"] = _task(session).milestone + timedelta(days=3)


@then("the reminder path lists it as an overdue chase item for the case officer")
def chase_item(ctx):
    with _store(ctx) as session:
        area = session.exec(select(LocalArea)).one()
        (item,) = overdue_amendment_items(session, area.id, ctx["chase_day"])
        task = _task(session)
        assert (item.kind, item.task_id, item.who, item.subject, item.days_overdue) == (
            "amendment", task.id, task.lead, ctx["weak_ref"], 3)
        assert overdue_amendment_items(session, area.id, task.milestone) == []  # not overdue on the day itself


@when(parsers.parse('the case officer marks the task done saying "{note}"'))
def task_done(ctx, note):
    with _store(ctx) as session:
        task = _task(session)
        mark_done(session, get_task(session, task.id), task.lead, note)


@when("the next whole-plan cycle is opened")
def next_cycle(ctx):
    ctx["loop"].new_cycle()


@then(parsers.parse("the plan is in the new cycle as a re-audit on top of the random sample of {n:d}"))
def in_new_cycle(ctx, n):
    with _store(ctx) as session:
        rows = session.exec(select(SampledPlan, Plan).join(Plan, Plan.id == SampledPlan.plan_id)
                            .where(SampledPlan.cycle_id == ctx["cycles"][-1])).all()
        reaudit = [(sp, p) for sp, p in rows if sp.reaudit_task_id is not None]
        assert len(rows) == n + 1 and [p.plan_ref for _, p in reaudit] == [ctx["weak_ref"]]
        assert reaudit[0][0].stratum == REAUDIT_STRATUM and reaudit[0][0].reaudit_task_id == _task(session).id
        assert session.exec(select(Assignment).where(Assignment.sampled_plan_id == reaudit[0][0].id)).all()


@when("the new cycle is scored with the plan graded Good throughout")
def rescored(ctx):
    ctx["loop"].grade(ctx["cycles"][-1], lambda ref, rank, cid: Grade.GOOD)


@then(parsers.parse("the new cycle's figures count the {n:d} randomly sampled plans, the re-audit apart"))
def figures_random_only(ctx, n):
    with _store(ctx) as session:
        cycle = session.get(Cycle, ctx["cycles"][-1])
        assert len(load_cycle_results(session, cycle).plans) == n
        everything = load_cycle_results(session, cycle, include_reaudits=True).plans
        assert len(everything) == n + 1 and ctx["weak_ref"] in set(everything["plan_ref"])


@then("the task is recorded as re-audited")
def reaudited(ctx):
    with _store(ctx) as session:
        task = _task(session)
        assert task.status == "reaudited" and task.reaudit_cycle_id == ctx["cycles"][-1]


@then(parsers.parse('the before and after grades are reported side by side: "{before}" then "{after}"'))
def before_and_after(ctx, before, after):
    with _store(ctx) as session:
        area = session.exec(select(LocalArea)).one()
        (row,) = before_after(session, area.id)
        assert (row["plan_ref"], row["before"], row["after"], row["change"]) == (ctx["weak_ref"], before, after,
                                                                               "better")
        assert {"section": "F", "before": "Inadequate", "after": "Good"} in row["sections"]
        plan = session.exec(select(ImprovementPlan)).first()
        assert plan is None  # one weak plan is not a theme: no improvement action was raised
        assert session.exec(select(Action).where(Action.kind == "amendment")).all() == [_task(session)]


@then("the board pack shows the plan's grades before and after its re-audit")
def pack_before_after(ctx):
    with _store(ctx) as session:
        pack = build_pack(session, session.get(Cycle, ctx["cycles"][-1]), _today(ctx, ctx["cycles"][-1]))
    section = next(s for s in pack["sections"] if s["id"] == "improvement")
    (table,) = [t for t in section["tables"] if t["key"] == "reaudits"]
    (row,) = [[c["text"] for c in r["cells"]] for r in table["rows"]]
    assert row == [ctx["weak_ref"], "Quarter 1", "Inadequate", "Quarter 2", "Good", "better"]


# Reruns ---------------------------------------------------------------------------------------------------

@when("the cycle flow raises actions and proposes statuses for every cycle again")
def rerun_all(ctx):
    for cycle_id in ctx["cycles"]:
        ctx["loop"].run_step(cycle_id)


@then("there is one action for criterion F2 with one evidence entry per cycle and one proposal")
def no_duplicates(ctx):
    with _store(ctx) as session:
        assert len(session.exec(select(ImprovementAction)).all()) == 1
        evidence = session.exec(select(ActionEvidence)).all()
        assert sorted(e.cycle_id for e in evidence) == ctx["cycles"]
        assert [p.cycle_id for p in session.exec(select(StatusProposal)).all()] == [ctx["cycles"][1]]
        assert len(session.exec(select(ActionLink)).all()) == 1


@then("the database refuses a second evidence entry for the same action, cycle and target")
def unique_evidence(ctx):
    with pytest.raises(IntegrityError), _store(ctx) as session:
        first = session.exec(select(ActionEvidence)).first()
        session.add(ActionEvidence(action_id=first.action_id, cycle_id=first.cycle_id, rule=first.rule,
                                   level=first.level, target=first.target, plans=1, weak=1, share=1.0))
        session.flush()


# Importing a plan file (issue 15): the cell checks every import makes, and dates that are not dates -----------


@given("the APP improvement plan file with these cells changed", target_fixture="plan_file")
def app_file_changed(ctx, tmp_path, datatable):
    with (ROOT / "tests" / "fixtures" / "improvement" / "app-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row, column, value in datatable[1:]:
        position = next(i for i, heading in enumerate(rows[0]) if heading.startswith(column))
        rows[int(row) - 1][position] = value
    path = tmp_path / "app-2027.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@when(parsers.parse('the QA lead imports it as the plan "{name}"'))
def import_plan_file(ctx, plan_file, name):
    ctx["before"] = whole_dump(ctx["loop"].engine)
    try:
        with _store(ctx) as session:
            import_plan(session, session.get(LocalArea, ctx["loop"].area_id), plan_file, layout="app",
                        scale=load_scales()["app"], name=name, by="QA-LEAD")
    except InputRejected as rejection:
        ctx["rejected"] = rejection


@then("the import is refused naming these cells")
def refused_cells(ctx, datatable):
    rejection = ctx.get("rejected")
    assert rejection is not None, "the file was imported"
    found = [(str(p.row), p.column, p.message) for p in rejection.problems]
    assert len(found) == len(datatable) - 1, rejection.summary()
    for (row, column, message), (want_row, want_column, want) in zip(found, datatable[1:]):
        assert (row, column.startswith(want_column), want in message) == (want_row, True, True), rejection.summary()
    assert all(p.file == "app-2027.csv" and p.fix for p in rejection.problems)


@then("the store is exactly as it was before the import")
def store_as_before(ctx):
    assert whole_dump(ctx["loop"].engine) == ctx["before"]


@then(parsers.parse('action {reference} of the plan "{name}" has the progress "{progress}"'))
def stored_progress(ctx, reference, name, progress):
    assert "rejected" not in ctx, ctx.get("rejected")
    with _store(ctx) as session:
        plan = session.exec(select(ImprovementPlan).where(ImprovementPlan.name == name)).one()
        action = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == plan.id,
                                                              ImprovementAction.reference == reference)).one()
        assert action.progress == progress
