"""Scoring and results: hand-computed roll-ups through the store, incomplete plans, distributions, actions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.improvement.actions import raise_actions
from audit.results.analysis import (
    by_plan_field,
    by_section,
    by_service,
    distribution,
    grade_by_timeliness,
    load_cycle_results,
    weak_criteria,
)
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings
from audit.store.models import ActionEvidence, ActionLink, Assignment, Auditor, ImprovementAction, PlanResult, SectionResult
from audit.vocabulary import Grade
from tests.factories import make_auditor_pool, make_plan, whole_plan_rubric

NOW = datetime(2026, 11, 1, tzinfo=UTC)
RUBRIC = whole_plan_rubric()
O, G, RI, I = Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE  # noqa: E741  (the grades as boards abbreviate them)


def open_one_plan_cycle(session, area, plans=1, **plan_fields):
    make_auditor_pool(session, area, per_agency=2)
    made = [make_plan(session, area, **plan_fields) for _ in range(plans)]
    cycle = create_cycle(session, area, RUBRIC, name="c", sample_size=plans, due_date=date(2026, 12, 1),
                         created_at=NOW)
    open_cycle(session, cycle)
    return cycle, made


def grade_all(session, cycle, grades: dict[str, Grade], default=G, skip_agency=None, plan_filter=None):
    for a in session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id)).all():
        if a.agency == skip_agency or (plan_filter and not plan_filter(a)):
            continue
        entries = {cid: GradeEntry(grades.get(cid, default), "weak" if grades.get(cid, default).is_weak else "")
                   for _, cid in assigned_criteria(RUBRIC, a)}
        save_scorecard(session, a, session.get(Auditor, a.auditor_id), RUBRIC, entries, submit=True, source="test",
                       now=NOW)


def section_grades(session, cycle):
    return {r.section: (Grade(r.grade) if r.grade else None, r.status)
            for r in session.exec(select(SectionResult).where(SectionResult.cycle_id == cycle.id))}


def test_weighted_sections_round_halves_down_and_f_caps_the_plan(session, area):
    cycle, _ = open_one_plan_cycle(session, area)
    # A: A1 (w2) Good, A2 (w1) RI, A3 (w1) RI -> (6+2+2)/4 = 2.5 -> an exact half goes down to RI (the SEN
    # team's part); the forum's part A4 (w2) Good, A5 (w1) Inadequate -> 7/3 -> RI; the section: (2+2)/2 -> RI.
    # B: B1 (w2) Outstanding, B2 (w1) Inadequate, B3 (w2) Good -> (8+1+6)/5 = 3.0 -> Good.
    # F: all Inadequate. Every other criterion Outstanding.
    grades = {"A1": G, "A2": RI, "A3": RI, "A4": G, "A5": I, "B1": O, "B2": I, "B3": G, "F1": I, "F2": I, "F3": I}
    grade_all(session, cycle, grades, default=O)
    summary = score_cycle(session, cycle)
    sections = section_grades(session, cycle)
    assert sections["A"] == (RI, "complete") and sections["B"] == (G, "complete") and sections["F"] == (I, "complete")
    assert sections["D"] == (None, "not_applicable") and sections["H"] == (None, "not_applicable")
    # Best fit over section weights: F (w2) is the only grade below Outstanding apart from A (w1) and
    # B (w2 Good): the middle of the evidence is Outstanding, but an Inadequate F caps the plan at RI.
    plan = session.exec(select(PlanResult)).one()
    assert (plan.grade, plan.status) == (int(RI), "complete")
    assert summary.by_grade["Requires Improvement"] == 1 and summary.incomplete == 0


def test_a_plan_with_a_part_missing_is_incomplete_and_rescoring_is_idempotent(session, area):
    cycle, _ = open_one_plan_cycle(session, area)
    grade_all(session, cycle, {}, skip_agency="health")
    first = score_cycle(session, cycle)
    assert (first.complete, first.incomplete) == (0, 1)
    plan = session.exec(select(PlanResult)).one()
    assert (plan.grade, plan.status, sorted(plan.missing_sections)) == (None, "incomplete", ["C", "G"])
    assert section_grades(session, cycle)["B"] == (G, "complete")  # the parts that are in still count
    rows_before = len(session.exec(select(SectionResult)).all())
    score_cycle(session, cycle)
    assert len(session.exec(select(SectionResult)).all()) == rows_before
    assert len(session.exec(select(PlanResult)).all()) == 1


def test_distribution_shows_no_data_rather_than_zero():
    frame = pd.DataFrame({"team": ["North", "North", "South"], "grade": pd.array([3, 2, None], dtype="Int64"),
                          "status": ["complete", "complete", "incomplete"]})
    table = distribution(frame, "team", ["North", "South", "East"]).set_index("group")
    assert table.loc["North", ["plans", "Good", "Requires Improvement", "good_or_better_pct"]].tolist() == [2, 1, 1, 50.0]
    assert table.loc["South", "plans"] == 0 and table.loc["South", "incomplete"] == 1
    assert table.loc["East", "plans"] == 0 and pd.isna(table.loc["East", "good_or_better_pct"])


def test_results_tables_per_service_section_group_and_timeliness(session, area):
    cycle, plans = open_one_plan_cycle(session, area, plans=4)
    late = plans[0]
    late.final_issued_date = date(2025, 8, 1)  # 207 days after the 6 January request: over 20 weeks
    session.add(late)
    grade_all(session, cycle, {"F1": I, "F2": I, "F3": I}, default=G,
              plan_filter=lambda a: True)
    score_cycle(session, cycle)
    results = load_cycle_results(session, cycle)
    services = by_service(results).set_index("group")
    assert services.loc["Education", "plans"] == 4 and services.loc["Education", "Inadequate"] == 4
    assert services.loc["Health", "Good"] == 4
    assert services.loc["Social care", "plans"] == 0 and pd.isna(services.loc["Social care", "good_or_better_pct"])
    sections = by_section(results)
    assert len(sections) == len(RUBRIC.sections) and sections.iloc[0]["group"].startswith("A: ")
    phases = by_plan_field(results, "phase").set_index("group")
    assert phases.loc["Primary", "plans"] == 4 and phases.loc["Secondary", "plans"] == 0  # phases in words
    cross = grade_by_timeliness(results).set_index("group")
    assert (cross.loc["Within 20 weeks", "plans"], cross.loc["Over 20 weeks", "plans"]) == (3, 1)
    weak = weak_criteria(results)
    assert set(weak["criterion_id"]) == {"F1", "F2", "F3"} and set(weak["weak_pct"]) == {100.0}


def test_actions_amend_weak_plans_and_raise_themes_once(session, area):
    cycle, plans = open_one_plan_cycle(session, area, plans=6)
    grade_all(session, cycle, {"E1": RI}, default=G)  # E1 weak in all six plans; every plan otherwise Good
    score_cycle(session, cycle)
    results = load_cycle_results(session, cycle)
    settings = Settings(weak_criterion_share=0.65, weak_criterion_min_plans=5)
    raised = raise_actions(session, results, settings, NOW.date())
    # The settings' thresholds still drive the default criterion rule; the shipped section rule sees E too.
    assert [(f.level, f.target) for f in raised.applied.findings] == [("criterion", "E1"), ("section", "E")]
    improvement = raised.improvements[0]
    links = session.exec(select(ActionLink).where(ActionLink.action_id == improvement.id)).all()
    assert [(link.level, link.target, link.rubric) for link in links] == [("criterion", "E1", "whole-plan")]
    evidence = raised.applied.evidence[0]
    assert evidence.plan_refs == sorted(p.plan_ref for p in plans) and (evidence.weak, evidence.plans) == (6, 6)
    assert improvement.lead == settings.improvement_lead and improvement.reference == "Q.1"
    assert raised.amendments == []  # every plan is Good overall
    again = raise_actions(session, results, settings, NOW.date())
    assert again.count == 0 and again.applied.evidence == []
    assert len(session.exec(select(ImprovementAction)).all()) == 2
    assert len(session.exec(select(ActionEvidence)).all()) == 2
    stricter = Settings(weak_criterion_share=0.65, weak_criterion_min_plans=7)
    assert [f.level for f in raise_actions(session, results, stricter, NOW.date()).applied.findings] == ["section"]


def test_amendment_is_due_before_the_next_review(session, area):
    cycle, (plan,) = open_one_plan_cycle(session, area, last_review_meeting_date=date(2025, 11, 20))
    grade_all(session, cycle, {}, default=I)
    score_cycle(session, cycle)
    (action,) = raise_actions(session, load_cycle_results(session, cycle), Settings(), NOW.date()).amendments
    # 28 days from 1 November would be 29 November, past the review due 20 November: due the day before.
    assert (action.lead, action.milestone) == (plan.case_officer, date(2026, 11, 19))
    assert action.detail.startswith("Sections to amend: A, B")
