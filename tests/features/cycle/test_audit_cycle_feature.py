"""Steps for audit_cycle.feature: the domain calls a cycle flow makes, on a synthetic area in memory."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from pytest_bdd import given, parsers, scenario, scenarios, then, when
from sqlmodel import select, update

from audit.cycle.lifecycle import (
    close_cycle,
    create_cycle,
    cycle_progress,
    open_cycle,
    withdraw_plan,
)
from audit.cycle.sampling import eligible_plans
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.improvement.actions import raise_actions
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric, load_rubric_file
from audit.settings import Settings
from audit.store.db import forget_engine, init_db, make_engine
from audit.store.models import (
    Action,
    ActionEvidence,
    Assignment,
    Auditor,
    ImprovementAction,
    Plan,
    PlanResult,
    SampledPlan,
)
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.submissions import submit_simulated
from audit.vocabulary import Grade
from reports.render import render
from reports.summary import build_summary

# The scenarios that run the cycle flow (tagged @prefect) need Prefect's temporary server, shared by the flow tests.
FLOW_SCENARIOS = ["A cycle closed early is scored from what is in, and running it again changes nothing",
                  "A cycle closed before it was started has nothing to score"]


def _flow_scenario(name):
    @pytest.mark.prefect
    @pytest.mark.xdist_group("prefect")
    @pytest.mark.usefixtures("prefect_harness")
    @scenario("cycle/audit_cycle.feature", name)
    def test():
        pass

    return test


test_a_cycle_closed_early_is_scored_from_what_is_in = _flow_scenario(FLOW_SCENARIOS[0])
test_a_cycle_closed_before_it_was_started_has_nothing_to_score = _flow_scenario(FLOW_SCENARIOS[1])
scenarios("cycle/audit_cycle.feature")

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
DUE = date(2026, 11, 29)


@pytest.fixture
def engine(request, engine):
    """The store: in memory, except for the scenarios that run the cycle flow, which must reach it too (a file,
    or a PostgreSQL database, like every flow test's)."""
    if request.node.get_closest_marker("prefect") is None:
        yield engine
        return
    url = request.getfixturevalue("database_url")
    shared = make_engine(url)
    init_db(shared)
    yield shared
    shared.dispose()
    forget_engine(url)


@pytest.fixture
def ctx(session, area, tmp_path):
    return {"session": session, "area": area, "tmp": tmp_path}


def _make_cycle(ctx, size, strata=(), seed=5, created=NOW, rubric=None, name="Cycle"):
    return create_cycle(ctx["session"], ctx["area"], rubric or ctx["rubric"], name=name, sample_size=size,
                        due_date=DUE if created == NOW else created.date() + relativedelta(weeks=4),
                        strata=list(strata), seed=seed, created_at=created)


def _open(ctx, size, strata=()):
    cycle = _make_cycle(ctx, size, strata)
    open_cycle(ctx["session"], cycle)
    ctx["cycle"] = cycle
    return cycle


def _sampled_refs(session, cycle, status="sampled"):
    return {p.plan_ref for sp, p in session.exec(
        select(SampledPlan, Plan).join(Plan).where(SampledPlan.cycle_id == cycle.id, SampledPlan.status == status))}


@given(parsers.parse("a local area with a synthetic register of {n:d} plans and auditors in every agency"))
def synthetic_area(ctx, n):
    files = write_synthetic_area(ctx["tmp"] / "area", seed=21, n_plans=n, as_of=TODAY)
    import_register(ctx["session"], ctx["area"], files["register"])
    import_auditors(ctx["session"], ctx["area"], files["auditors"])


@given("the default whole-plan rubric")
def default_rubric(ctx):
    ctx["rubric"] = find_rubric(ROOT / "rubrics", "whole-plan")


# Scenario: sampling ---------------------------------------------------------------------------------

@given(parsers.parse("an earlier cycle {months:d} months ago audited {n:d} plans"))
def earlier_cycle(ctx, months, n):
    earlier = _make_cycle(ctx, n, seed=99, created=NOW - relativedelta(months=months), name="Earlier")
    open_cycle(ctx["session"], earlier)
    ctx["earlier"] = _sampled_refs(ctx["session"], earlier)
    assert len(ctx["earlier"]) == n


@when(parsers.parse("the QA lead creates a cycle of {n:d} plans stratified by team and plan stage with seed {seed:d}"))
def create_stratified(ctx, n, seed):
    ctx["cycle"] = _make_cycle(ctx, n, ["team", "plan_stage"], seed=seed)


@when("the cycle is opened")
def cycle_opened(ctx):
    _, ctx["assignments"] = open_cycle(ctx["session"], ctx["cycle"])


@then(parsers.parse("{n:d} plans are sampled"))
def n_sampled(ctx, n):
    assert len(_sampled_refs(ctx["session"], ctx["cycle"])) == n


@then("no plan audited in the earlier cycle is sampled")
def none_from_earlier(ctx):
    assert not _sampled_refs(ctx["session"], ctx["cycle"]) & ctx["earlier"]


@then("every team in the register is represented in proportion to its eligible plans")
def proportional(ctx):
    session, cycle = ctx["session"], ctx["cycle"]
    eligible = Counter(p.team for p in eligible_plans(session, cycle)
                       if p.plan_ref not in _sampled_refs(session, cycle)) + Counter(
        p.team for _, p in session.exec(select(SampledPlan, Plan).join(Plan).where(SampledPlan.cycle_id == cycle.id)))
    sampled = Counter(p.team for _, p in session.exec(
        select(SampledPlan, Plan).join(Plan).where(SampledPlan.cycle_id == cycle.id)))
    total = sum(eligible.values())
    for team, count in eligible.items():
        expected = cycle.sample_size * count / total
        # Two plan stages per team, each rounded by largest remainder: at most one plan off per stage.
        assert abs(sampled[team] - expected) <= 2, (team, sampled[team], expected)


@then("opening the cycle again with the same seed samples the same plans and adds no assignments")
def reopen_idempotent(ctx):
    before = _sampled_refs(ctx["session"], ctx["cycle"])
    count = len(ctx["session"].exec(select(Assignment).where(Assignment.cycle_id == ctx["cycle"].id)).all())
    _, new = open_cycle(ctx["session"], ctx["cycle"])
    assert new == []
    assert _sampled_refs(ctx["session"], ctx["cycle"]) == before
    assert len(ctx["session"].exec(select(Assignment).where(Assignment.cycle_id == ctx["cycle"].id)).all()) == count


# Scenario: each agency its own sections -----------------------------------------------------------------

@given(parsers.parse("an open cycle of {n:d} plans"))
def open_cycle_of(ctx, n):
    _open(ctx, n)


@given(parsers.parse("an open cycle of {n:d} plans stratified by team"))
def open_cycle_by_team(ctx, n):
    _open(ctx, n, ["team"])


def _assignment_rows(ctx):
    return ctx["session"].exec(
        select(Assignment, Auditor, Plan).join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id).join(Plan, Plan.id == SampledPlan.plan_id)
        .where(Assignment.cycle_id == ctx["cycle"].id)).all()


@then("every assignment is to an auditor of the agency that owns its sections")
def owning_agency(ctx):
    rows = _assignment_rows(ctx)
    assert rows
    for assignment, auditor, _ in rows:
        assert auditor.agency == assignment.agency
        assert {ctx["rubric"].section(code).agency for code in assignment.sections} == {assignment.agency}


@then("no auditor is assigned a plan they are case officer for or advised on")
def no_conflicts(ctx):
    for _, auditor, plan in _assignment_rows(ctx):
        assert auditor.code != plan.case_officer
        assert auditor.code not in plan.advice_authors()


def _health_codes(ctx):
    return {a.code for a in ctx["session"].exec(select(Auditor).where(Auditor.agency == "health"))}


@when("every agency except health submits its scorecards")
def all_but_health(ctx):
    submit_simulated(ctx["session"], ctx["cycle"], seed=3, skip_auditors=_health_codes(ctx), now=NOW)


@when("the health auditors submit their scorecards")
@when("every auditor submits their scorecards")
def everyone_submits(ctx):
    submit_simulated(ctx["session"], ctx["cycle"], seed=3, now=NOW)


@when("the cycle is scored")
@when("the cycle is scored again")
def scored(ctx):
    score_cycle(ctx["session"], ctx["cycle"])


def _plan_results(ctx):
    return {p.plan_ref: r for r, sp, p in ctx["session"].exec(
        select(PlanResult, SampledPlan, Plan).join(SampledPlan, SampledPlan.id == PlanResult.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id).where(PlanResult.cycle_id == ctx["cycle"].id))}


@then('plans with health sections are "incomplete" with no overall grade')
def health_incomplete(ctx):
    with_health = {p.plan_ref for a, _, p in _assignment_rows(ctx) if a.agency == "health"}
    assert with_health, "the sample should include plans with health advice"
    results = _plan_results(ctx)
    for ref, result in results.items():
        if ref in with_health:
            assert (result.status, result.grade) == ("incomplete", None)
            assert set(result.missing_sections) == {"C", "G"}
        else:
            assert result.status == "complete" and result.grade is not None
    ctx["incomplete"] = with_health


@then("the board summary lists them under incomplete audits")
def summary_lists_incomplete(ctx):
    summary = build_summary(ctx["session"], load_cycle_results(ctx["session"], ctx["cycle"]), TODAY)
    assert {r["plan_ref"] for r in summary["incomplete"]} == ctx["incomplete"]
    assert summary["headline"]["plans_incomplete"] == len(ctx["incomplete"])


@then("every plan has an overall grade")
def all_graded(ctx):
    results = _plan_results(ctx)
    assert len(results) == 10
    assert all(r.status == "complete" and r.grade in {int(g) for g in Grade} for r in results.values())


# Scenario: rubric version frozen -------------------------------------------------------------------------

@given("a cycle scored against the whole-plan rubric")
def scored_against_copy(ctx):
    path = ctx["tmp"] / "whole-plan.yaml"
    shutil.copy(ROOT / "rubrics" / "whole-plan.yaml", path)
    ctx["rubric_path"] = path
    ctx["rubric"] = load_rubric_file(path)
    _open(ctx, 12)
    submit_simulated(ctx["session"], ctx["cycle"], seed=4, now=NOW)
    score_cycle(ctx["session"], ctx["cycle"])
    ctx["before"] = {ref: (r.grade, r.rubric_version_id) for ref, r in _plan_results(ctx).items()}


@when("the QA lead edits a descriptor and the roll-up rule in the rubric file")
def edit_rubric(ctx):
    text = ctx["rubric_path"].read_text()
    lines = text.splitlines()
    # Make the plan rule strictly limiting and reword one descriptor.
    edited = [("  plan: lowest" if ln.strip().startswith("plan:") and ln.startswith("  ") else ln) for ln in lines]
    idx = next(i for i, ln in enumerate(edited) if ln.strip().startswith("Good:"))
    edited[idx] = edited[idx].split("Good:")[0] + "Good: Reworded after the calibration meeting."
    ctx["rubric_path"].write_text("\n".join(edited) + "\n")
    ctx["edited"] = load_rubric_file(ctx["rubric_path"])
    assert ctx["edited"].rollup.plan_method == "lowest"


@then("the cycle's results are unchanged")
def unchanged(ctx):
    assert {ref: (r.grade, r.rubric_version_id) for ref, r in _plan_results(ctx).items()} == ctx["before"]


@then("a new cycle created from the edited file records a different rubric version")
def new_version(ctx):
    new = _make_cycle(ctx, 5, rubric=ctx["edited"], name="After the edit")
    assert new.rubric_version_id != ctx["cycle"].rubric_version_id
    assert ctx["edited"].content_hash != ctx["rubric"].content_hash


# Scenario: withdraw and replace ---------------------------------------------------------------------------

@when(parsers.parse('the QA lead withdraws a sampled plan with the reason "{reason}"'))
def withdraw(ctx, reason):
    session, cycle = ctx["session"], ctx["cycle"]
    sp, plan = session.exec(select(SampledPlan, Plan).join(Plan).where(SampledPlan.cycle_id == cycle.id)
                            .order_by(SampledPlan.id)).first()
    ctx["withdrawn"] = (sp, plan)
    ctx["reason"] = reason
    ctx["replacement"] = withdraw_plan(session, cycle, plan.plan_ref, reason)


@then("the plan is kept in the cycle as withdrawn with that reason")
def kept_withdrawn(ctx):
    sp, plan = ctx["withdrawn"]
    ctx["session"].refresh(sp)
    assert (sp.status, sp.withdrawn_reason) == ("withdrawn", ctx["reason"])
    assert plan.plan_ref in _sampled_refs(ctx["session"], ctx["cycle"], status="withdrawn")


@then("a replacement plan from the same team is sampled and assigned")
def replaced(ctx):
    sp, plan = ctx["withdrawn"]
    rep = ctx["replacement"]
    assert rep is not None and rep.stratum == sp.stratum and rep.replacement_for_id == sp.id
    assert ctx["session"].get(Plan, rep.plan_id).team == plan.team
    assert ctx["session"].exec(select(Assignment).where(Assignment.sampled_plan_id == rep.id)).all()
    assert len(_sampled_refs(ctx["session"], ctx["cycle"])) == 10


@then("the withdrawn plan's assignments no longer count towards progress")
def not_counted(ctx):
    sp, _ = ctx["withdrawn"]
    session = ctx["session"]
    old = session.exec(select(Assignment).where(Assignment.sampled_plan_id == sp.id)).all()
    assert old and not any(a.active for a in old)
    active = session.exec(select(Assignment).where(Assignment.cycle_id == ctx["cycle"].id,
                                                  Assignment.active == True)).all()  # noqa: E712
    assert cycle_progress(session, ctx["cycle"], today=TODAY).total == len(active)


# Scenario: no social care ---------------------------------------------------------------------------

@given("an open cycle whose sampled plans have no social care advice")
def no_social_care(ctx):
    ctx["session"].exec(update(Plan).values(social_care_advice_requested=None, social_care_advice_received=None,
                                            social_care_advice_author=None))
    _open(ctx, 10)


@then('the social care row of the per-service table says "no data"')
def social_care_no_data(ctx):
    summary = build_summary(ctx["session"], load_cycle_results(ctx["session"], ctx["cycle"]), TODAY)
    row = next(r for r in summary["by_service"] if r["group"] == "Social care")
    assert row["plans"] == 0 and row["good_or_better_pct"] is None
    others = [r for r in summary["by_service"] if r["group"] != "Social care"]
    assert all(r["plans"] == 10 for r in others)
    html = render(summary, "html")
    social_row = html.split("<th scope=\"row\">Social care")[1].split("</tr>")[0]
    assert "no data" in social_row and "0.0%" not in social_row and "100.0%" not in social_row
    md_row = next(ln for ln in render(summary, "md").splitlines() if ln.startswith("| Social care"))
    assert md_row.endswith("no data |")


# Scenario: Inadequate plan -> amendment ---------------------------------------------------------------

@when("every auditor submits, grading one plan Inadequate throughout")
def one_inadequate(ctx):
    session, cycle = ctx["session"], ctx["cycle"]
    sp, plan = session.exec(select(SampledPlan, Plan).join(Plan).where(SampledPlan.cycle_id == cycle.id)
                            .order_by(SampledPlan.id)).first()
    ctx["weak_plan"] = plan
    for assignment in session.exec(select(Assignment).where(Assignment.sampled_plan_id == sp.id)).all():
        entries = {cid: GradeEntry(Grade.INADEQUATE, "Provision is not specified or quantified.")
                   for _, cid in assigned_criteria(ctx["rubric"], assignment)}
        save_scorecard(session, assignment, session.get(Auditor, assignment.auditor_id), ctx["rubric"], entries,
                       submit=True, source="test", now=NOW)
    submit_simulated(session, cycle, seed=3, now=NOW)


@when("the cycle is scored and actions are raised")
def scored_and_actions(ctx):
    score_cycle(ctx["session"], ctx["cycle"])
    ctx["results"] = load_cycle_results(ctx["session"], ctx["cycle"])
    ctx["raised"] = raise_actions(ctx["session"], ctx["results"], Settings(), TODAY)


@then("that plan has an amendment task for its case officer due before its next review")
def amendment_task(ctx):
    plan = ctx["weak_plan"]
    assert _plan_results(ctx)[plan.plan_ref].grade == int(Grade.INADEQUATE)
    action = ctx["session"].exec(select(Action).where(Action.plan_id == plan.id, Action.kind == "amendment")).one()
    assert action.lead == plan.case_officer
    assert "Inadequate" in action.title
    next_review = (plan.last_review_meeting_date or plan.final_issued_date) + relativedelta(months=12)
    assert action.milestone > TODAY
    assert action.milestone < next_review or next_review <= TODAY


@then("raising actions again adds nothing")
def rerun_actions(ctx):
    count = len(ctx["session"].exec(select(Action)).all())
    again = raise_actions(ctx["session"], ctx["results"], Settings(), TODAY)
    assert again.count == 0 and again.applied.evidence == []
    assert len(ctx["session"].exec(select(Action)).all()) == count


# Scenarios: a cycle closed early, through the cycle flow (Prefect's local mode) -------------------------------


def _commit(ctx):
    """End the test's transaction so the flow (its own connections) sees what the steps wrote, and the steps
    then read what the flow wrote."""
    ctx["session"].commit()


def _store_rows(ctx) -> dict:
    session, cycle_id = ctx["session"], ctx["cycle"].id
    _commit(ctx)
    return {
        "sampled": sorted((sp.plan_id, sp.status) for sp in session.exec(
            select(SampledPlan).where(SampledPlan.cycle_id == cycle_id))),
        "assignments": sorted((a.sampled_plan_id, a.agency, a.auditor_id, a.marker_role, a.active) for a in session.exec(
            select(Assignment).where(Assignment.cycle_id == cycle_id))),
        "results": sorted((r.sampled_plan_id, r.grade, r.status, tuple(r.missing_sections)) for r in session.exec(
            select(PlanResult).where(PlanResult.cycle_id == cycle_id))),
        "actions": sorted((a.key, a.kind, a.milestone) for a in session.exec(select(Action))),
        "improvement_actions": sorted(a.raised_key or "" for a in session.exec(select(ImprovementAction))),
        "evidence": len(session.exec(select(ActionEvidence)).all()),
    }


@given("an open cycle of 10 plans where one health auditor has not submitted")
def open_cycle_one_health_auditor_late(ctx, clock):
    clock.set(NOW)  # the whole scenario happens on 1 November 2026, before the cycle's due date
    _open(ctx, 10)
    health = Counter(auditor.code for a, auditor, _ in _assignment_rows(ctx) if a.agency == "health")
    late = min(health, key=lambda code: (-health[code], code))  # the busiest, as the demo's late auditor
    submit_simulated(ctx["session"], ctx["cycle"], seed=3, skip_auditors={late}, now=NOW)
    ctx["health_plans"] = {p.plan_ref for _, auditor, p in _assignment_rows(ctx) if auditor.code == late}
    assert 0 < len(ctx["health_plans"]) < 10
    _commit(ctx)


@given("a cycle of 10 plans that was never started")
def never_started(ctx, clock):
    clock.set(NOW)
    ctx["cycle"] = _make_cycle(ctx, 10)
    _commit(ctx)


@when("the QA lead closes the cycle before its due date")
def close_early(ctx):
    assert ctx["cycle"].due_date > TODAY
    close_cycle(ctx["session"], ctx["cycle"])
    ctx["at_close"] = _store_rows(ctx)


@when("the cycle flow runs", target_fixture="outcome")
@when("the cycle flow runs again", target_fixture="outcome")
def run_the_flow(ctx):
    from flows.cycle import audit_cycle

    ctx["before_run"] = _store_rows(ctx)
    url = ctx["session"].get_bind().url.render_as_string(hide_password=False)
    outcome = audit_cycle(ctx["cycle"].id, database_url=url, data_dir=str(ctx["tmp"] / "data"))
    ctx["session"].refresh(ctx["cycle"])
    return outcome


@then("the cycle is still closed, every sampled plan has a result, and the late auditor's plans are \"incomplete\"")
def closed_and_scored(ctx, outcome):
    assert outcome["state"] == "reported" and outcome["status"] == "closed" == ctx["cycle"].status
    results = _plan_results(ctx)
    assert set(results) == _sampled_refs(ctx["session"], ctx["cycle"]) and len(results) == 10
    for ref, result in results.items():
        if ref in ctx["health_plans"]:
            assert (result.status, result.grade) == ("incomplete", None) and set(result.missing_sections) == {"C", "G"}
        else:
            assert result.status == "complete" and result.grade is not None
    assert outcome["scored"]["incomplete"] == len(ctx["health_plans"])


@then("nothing was sampled, assigned or second-marked after the close")
def no_new_work(ctx, outcome):
    now = _store_rows(ctx)
    assert now["sampled"] == ctx["at_close"]["sampled"] and now["assignments"] == ctx["at_close"]["assignments"]
    assert outcome["opened"] == {"sampled": 10, "new_assignments": 0, "closed": True}
    assert outcome["second_marking"]["created"] == 0
    assert not [a for a in now["assignments"] if a[3] == "second"]


@then("every plan graded Requires Improvement or Inadequate has an amendment task")
def weak_plans_have_tasks(ctx):
    weak = {r.sampled_plan_id for r in _plan_results(ctx).values()
            if r.grade is not None and r.grade <= int(Grade.REQUIRES_IMPROVEMENT)}
    plans = {sp.id: sp.plan_id for sp in ctx["session"].exec(
        select(SampledPlan).where(SampledPlan.cycle_id == ctx["cycle"].id))}
    tasks = {a.plan_id for a in ctx["session"].exec(
        select(Action).where(Action.cycle_id == ctx["cycle"].id, Action.kind == "amendment"))}
    assert weak, "the sample should include weak plans"
    assert {plans[sp] for sp in weak} == tasks


@then("the board summary for the closed cycle is written and lists the incomplete audits")
def summary_written(ctx, outcome):
    summary = json.loads(Path(outcome["reports"]["json"]).read_text(encoding="utf-8"))
    assert summary["cycle"]["id"] == ctx["cycle"].id and summary["cycle"]["status"] == "closed"
    assert {r["plan_ref"] for r in summary["incomplete"]} == ctx["health_plans"]
    assert summary["headline"]["plans_sampled"] == 10
    assert Path(outcome["reports"]["html"]).exists() and Path(outcome["reports"]["md"]).exists()


@then("nothing is added, and the results and actions are the same")
def rerun_changes_nothing(ctx, outcome):
    assert outcome["state"] == "reported" and outcome["status"] == "closed"
    assert outcome["actions_raised"] == 0 and outcome["improvement"]["evidence"] == 0
    assert _store_rows(ctx) == ctx["before_run"]


@then("the flow says there is nothing to score and the cycle is still closed with no plan sampled")
def nothing_to_score(ctx, outcome):
    assert outcome["state"] == "nothing-to-score" and ctx["cycle"].status == "closed"
    rows = _store_rows(ctx)
    assert rows["sampled"] == [] and rows["assignments"] == [] and rows["results"] == []
