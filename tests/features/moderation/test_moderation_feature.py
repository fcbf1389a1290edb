"""Steps for moderation.feature: second marking, moderation and agreement on a synthetic area in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_bdd import given, scenarios, then, when
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.moderation.agreement import HIGH_RAW_LOW_ALPHA, agreement_tables
from audit.moderation.calibration import create_exercise, distance_report, record_grades, set_reference
from audit.moderation.marking import (
    ModerationRules,
    counted_sources,
    double_marked,
    moderate,
    moderation_queue,
    select_second_marking,
)
from audit.moderation.views import agreement_units, assignment_view, score_labels
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric
from audit.store.models import Assignment, Auditor, CriterionGrade, Plan, SectionResult
from audit.synthetic.area import write_synthetic_area
from audit.vocabulary import Grade
from reports.render import render
from reports.summary import build_summary

scenarios("moderation/moderation.feature")

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DUE = date(2026, 11, 29)


@pytest.fixture
def ctx(session, area, tmp_path):
    return {"session": session, "area": area, "tmp": tmp_path, "rubric": find_rubric(ROOT / "rubrics", "whole-plan")}


def _submit(ctx, role, grade_for):
    session = ctx["session"]
    for a in session.exec(select(Assignment).where(Assignment.cycle_id == ctx["cycle"].id,
                                                   Assignment.marker_role == role)).all():
        auditor = session.get(Auditor, a.auditor_id)
        crit = assigned_criteria(ctx["rubric"], a)
        entries = {cid: GradeEntry(grade_for(a, auditor, i), "Reasons given.") for i, (_, cid) in enumerate(crit)}
        save_scorecard(session, a, auditor, ctx["rubric"], entries, submit=True, source="test", now=NOW)


@given("a local area with a synthetic register and auditors in every agency")
def synthetic_area(ctx):
    files = write_synthetic_area(ctx["tmp"] / "area", seed=21, n_plans=200, as_of=NOW.date())
    import_register(ctx["session"], ctx["area"], files["register"])
    import_auditors(ctx["session"], ctx["area"], files["auditors"])


def _open(ctx, size=10):
    ctx["cycle"] = create_cycle(ctx["session"], ctx["area"], ctx["rubric"], name="Q4", sample_size=size,
                                due_date=DUE, seed=5, created_at=NOW)
    open_cycle(ctx["session"], ctx["cycle"])


@given("an open cycle of 10 plans whose first markers grade every criterion Good")
def good_cycle(ctx):
    _open(ctx)
    _submit(ctx, "first", lambda a, au, i: Grade.GOOD)


@when("second marking is selected")
def select_default(ctx):
    ctx["seconds"] = select_second_marking(ctx["session"], ctx["cycle"], ModerationRules(), today=NOW.date()).created


@when("every plan is second-marked")
def select_all(ctx):
    ctx["seconds"] = select_second_marking(ctx["session"], ctx["cycle"], ModerationRules(share=1.0, rules=("random",)),
                                           today=NOW.date()).created


def _first_of(ctx, second):
    return ctx["session"].exec(select(Assignment).where(
        Assignment.sampled_plan_id == second.sampled_plan_id, Assignment.agency == second.agency,
        Assignment.marker_role == "first")).one()


@then("every selected piece has a second marker of the same agency who is not the first marker")
def second_markers(ctx):
    assert ctx["seconds"]
    for s in ctx["seconds"]:
        auditor = ctx["session"].get(Auditor, s.auditor_id)
        assert auditor.agency == s.agency and s.auditor_id != _first_of(ctx, s).auditor_id


@then("the second marker cannot see the first marker's grades")
def blind(ctx):
    for s in ctx["seconds"]:
        assert assignment_view(ctx["session"], s, ctx["session"].get(Auditor, s.auditor_id)).other is None


@when("the second markers submit Good throughout")
def seconds_good(ctx):
    _submit(ctx, "second", lambda a, au, i: Grade.GOOD)


@when("the second markers submit Inadequate throughout")
def seconds_inadequate(ctx):
    _submit(ctx, "second", lambda a, au, i: Grade.INADEQUATE)


@when("the second markers submit Good throughout except one section graded Requires Improvement")
def seconds_nearly_good(ctx):
    odd = ctx["seconds"][0].id
    _submit(ctx, "second", lambda a, au, i: Grade.REQUIRES_IMPROVEMENT if a.id == odd else Grade.GOOD)


@then("both markers can see each other's grades")
def unblind(ctx):
    for s in ctx["seconds"]:
        view = assignment_view(ctx["session"], s, ctx["session"].get(Auditor, s.auditor_id))
        assert view.other and {g for g, _ in view.other.values()} == {int(Grade.GOOD)}


@then("nothing is sent to moderation")
def no_queue(ctx):
    assert double_marked(ctx["session"], ctx["cycle"]) and not moderation_queue(ctx["session"], ctx["cycle"])


@then("the first marker's grade counts for every double-marked section")
def first_counts(ctx):
    counted = counted_sources(ctx["session"], ctx["cycle"])
    for p in double_marked(ctx["session"], ctx["cycle"]):
        for code in p.first.assignment.sections:
            c = counted[(p.sampled_plan_id, code)]
            assert c.role == "first" and "agreed automatically" in c.basis


@then("the double-marked plans are in the moderation queue")
def queued(ctx):
    queue = moderation_queue(ctx["session"], ctx["cycle"])
    assert {(p.sampled_plan_id, p.agency) for p in queue} == {(s.sampled_plan_id, s.agency) for s in ctx["seconds"]}
    ctx["originals"] = sorted((g.scorecard_id, g.criterion_id, g.grade)
                              for g in ctx["session"].exec(select(CriterionGrade)).all())


@when("the moderator agrees Requires Improvement for each with a rationale")
def agree(ctx):
    for p in moderation_queue(ctx["session"], ctx["cycle"]):
        moderate(ctx["session"], ctx["cycle"], p.plan_ref, p.agency, "MODERATOR-1",
                 dict.fromkeys(p.first.assignment.sections,
                               (Grade.REQUIRES_IMPROVEMENT, "Needs are clear but provision is not quantified.")))


@when("the cycle is scored")
def scored(ctx):
    score_cycle(ctx["session"], ctx["cycle"])


@then("the moderated grade counts and the first and second scores are kept and labelled")
def moderated_counts(ctx):
    session = ctx["session"]
    assert not moderation_queue(session, ctx["cycle"])
    assert sorted((g.scorecard_id, g.criterion_id, g.grade) for g in session.exec(select(CriterionGrade)).all()) \
        == ctx["originals"]
    labels = score_labels(session, ctx["cycle"])
    for s in ctx["seconds"]:
        for code in s.sections:
            section, _, agency = code.partition(":")  # a shared section's part ("A:sen_team") is kept on its section
            result = session.exec(select(SectionResult).where(SectionResult.sampled_plan_id == s.sampled_plan_id,
                                                              SectionResult.section == section)).one()
            assert (result.parts[agency] if agency else result.grade) == int(Grade.REQUIRES_IMPROVEMENT)
    rows = labels[labels["role"] == "moderated"]
    assert len(rows) == sum(len(s.sections) for s in ctx["seconds"]) and rows["counts"].all()
    assert set(labels["role"]) == {"first", "second", "moderated"}
    assert not labels[labels["role"] == "second"]["counts"].any()


def _summary(ctx):
    score_cycle(ctx["session"], ctx["cycle"])
    return build_summary(ctx["session"], load_cycle_results(ctx["session"], ctx["cycle"]), NOW.date())


@then("the board summary reports moderation and agreement")
def summary_reports(ctx):
    summary = _summary(ctx)
    m = summary["moderation"]
    assert m["double_marked_plans"] == len({s.sampled_plan_id for s in ctx["seconds"]})
    assert m["moderated_sections"] > 0 and not m["awaiting_moderation"]
    cycle_row = next(r for r in m["agreement"]["cycle"] if r["group"] == "All double-marked plans")
    assert cycle_row["exact_pct"] == 0.0
    for fmt in ("md", "html"):
        text = render(summary, fmt)
        assert "Moderation and agreement" in text and "Raw agreement is shown beside every coefficient" in text


@then("the board summary shows high raw agreement beside a low alpha with the explanation")
def paradox(ctx):
    summary = _summary(ctx)
    row = next(r for r in summary["moderation"]["agreement"]["cycle"] if r["group"] == "All double-marked plans")
    assert row["exact_pct"] >= 90 and row["alpha_ordinal"] is not None and row["alpha_ordinal"] < 0.5
    assert HIGH_RAW_LOW_ALPHA in row["note"]
    md = render(summary, "md")
    line = next(ln for ln in md.splitlines() if ln.startswith("| All double-marked plans"))
    assert f"{row['exact_pct']:.1f}" in line and f"{row['alpha_ordinal']:.2f}" in line and "Raw agreement is high" in line


@given("a cycle whose plans are graded on a spread of grades by first markers")
def spread_cycle(ctx):
    _open(ctx, size=30)


@when("every plan is second-marked and one education auditor grades one step higher than the others")
def lenient(ctx):
    session = ctx["session"]
    codes = sorted(a.code for a in session.exec(select(Auditor).where(Auditor.agency == "education")))
    ctx["lenient"] = codes[0]

    def grade_for(a, auditor, i):
        base = 1 + (a.sampled_plan_id + i) % 3  # Inadequate..Good: one step up stays on the scale
        return Grade(base + (auditor.code == ctx["lenient"]))

    _submit(ctx, "first", grade_for)
    select_all(ctx)
    _submit(ctx, "second", grade_for)


@then("that auditor has the largest mean difference in the per-auditor table")
def stands_out(ctx):
    table = agreement_tables(agreement_units(ctx["session"], ctx["cycle"]))["auditor"].set_index("group")
    assert table["mean_difference"].idxmax() == ctx["lenient"]
    assert table.loc[ctx["lenient"], "mean_difference"] == 1.0
    assert table.loc[ctx["lenient"], "exact_pct"] == table["exact_pct"].min()


@given("the QA lead picks a reference plan for a calibration exercise")
def calibration(ctx):
    plan = ctx["session"].exec(select(Plan).order_by(Plan.id)).first()
    ctx["exercise"] = create_exercise(ctx["session"], ctx["area"], ctx["rubric"], plan.plan_ref, "Calibration")


@when("every education auditor grades it and the moderator records the reference grade")
def calibration_grades(ctx):
    session = ctx["session"]
    ctx["auditors"] = session.exec(select(Auditor).where(Auditor.agency == "education").order_by(Auditor.code)).all()
    for i, auditor in enumerate(ctx["auditors"]):
        record_grades(session, ctx["exercise"], auditor, {"B": Grade(1 + i % 4), "F": Grade.GOOD})
    set_reference(session, ctx["exercise"], "QA-LEAD", {"B": (Grade.GOOD, "Needs well described"),
                                                       "F": (Grade.REQUIRES_IMPROVEMENT, "Not quantified")})


@then("each auditor's distance from the reference is reported per section")
def calibration_report(ctx):
    report = distance_report(ctx["session"], ctx["exercise"])
    assert len(report) == 2 * len(ctx["auditors"])
    b = report[report["section"] == "B"].set_index("auditor")["distance"]
    for i, auditor in enumerate(ctx["auditors"]):
        assert b[auditor.code] == (1 + i % 4) - int(Grade.GOOD)
    assert (report[report["section"] == "F"]["distance"] == 1).all()
