"""Second marking, the blind rule, disagreement, automatic agreement, moderation and which score counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, cycle_progress, open_cycle
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.errors import Conflict, InputRejected
from audit.moderation.marking import (
    ModerationRules,
    counted_sources,
    double_marked,
    moderate,
    moderation_queue,
    rules_for_cycle,
    select_second_marking,
    selected_pieces,
)
from audit.moderation.views import assignment_view, score_labels
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric
from audit.store.models import Assignment, Auditor, CriterionGrade, Plan, SampledPlan, SectionResult
from audit.synthetic.area import write_synthetic_area
from audit.vocabulary import Grade

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DUE = date(2026, 11, 29)


@pytest.fixture
def setup(session, area, tmp_path):
    files = write_synthetic_area(tmp_path / "area", seed=21, n_plans=200, as_of=NOW.date())
    import_register(session, area, files["register"])
    import_auditors(session, area, files["auditors"])
    rubric = find_rubric(ROOT / "rubrics", "whole-plan")
    cycle = create_cycle(session, area, rubric, name="Q4", sample_size=10, due_date=DUE, seed=5, created_at=NOW)
    open_cycle(session, cycle)
    return session, cycle, rubric


def grade(session, rubric, cycle, role, grade_for):
    """Submit every active `role` assignment, every criterion at grade_for(assignment)."""
    for a in session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id, Assignment.marker_role == role,
                                                   Assignment.active == True)).all():  # noqa: E712
        g = grade_for(a)
        entries = {cid: GradeEntry(g, "Reasons given.") for _, cid in assigned_criteria(rubric, a)}
        save_scorecard(session, a, session.get(Auditor, a.auditor_id), rubric, entries, submit=True,
                       source="test", now=NOW)


def seconds(session, cycle):
    return session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id,
                                                 Assignment.marker_role == "second")).all()


def test_random_share_picks_that_share_of_plans(setup):
    session, cycle, rubric = setup
    grade(session, rubric, cycle, "first", lambda a: Grade.GOOD)
    pieces = selected_pieces(session, cycle, ModerationRules(share=0.2, rules=("random",)))
    assert len({sp for sp, _ in pieces}) == 2


def test_extremes_and_one_per_first_auditor(setup):
    session, cycle, rubric = setup
    firsts = session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id)).all()
    extreme = {firsts[0].id: Grade.INADEQUATE, firsts[1].id: Grade.OUTSTANDING}
    grade(session, rubric, cycle, "first", lambda a: extreme.get(a.id, Grade.GOOD))
    pieces = selected_pieces(session, cycle, ModerationRules(rules=("extremes",)))
    assert pieces == {(firsts[0].sampled_plan_id, firsts[0].agency), (firsts[1].sampled_plan_id, firsts[1].agency)}
    per_auditor = selected_pieces(session, cycle, ModerationRules(rules=("per_auditor",)))
    by_auditor = {a.auditor_id for a in firsts if (a.sampled_plan_id, a.agency) in per_auditor}
    assert by_auditor == {a.auditor_id for a in firsts}
    assert len(per_auditor) == len(by_auditor)  # exactly one each when nothing else picked them


def test_second_assignments_go_to_another_unconflicted_auditor_of_the_agency_and_rerun_adds_nothing(setup):
    session, cycle, rubric = setup
    grade(session, rubric, cycle, "first", lambda a: Grade.GOOD)
    result = select_second_marking(session, cycle, ModerationRules(), today=NOW.date())
    assert result.created and not result.unavailable
    for second in result.created:
        first = session.exec(select(Assignment).where(Assignment.sampled_plan_id == second.sampled_plan_id,
                                                      Assignment.agency == second.agency,
                                                      Assignment.marker_role == "first")).one()
        auditor = session.get(Auditor, second.auditor_id)
        plan = session.exec(select(Plan).join(SampledPlan).where(SampledPlan.id == second.sampled_plan_id)).one()
        assert auditor.agency == second.agency and auditor.id != first.auditor_id
        assert auditor.code != plan.case_officer and auditor.code not in plan.advice_authors()
        assert second.sections == first.sections
    assert select_second_marking(session, cycle, ModerationRules(), today=NOW.date()).created == []
    # The cycle now waits for the second scorecards.
    assert not cycle_progress(session, cycle, today=NOW.date()).complete


def test_selection_waits_for_the_first_scorecard(setup):
    session, cycle, _ = setup
    assert select_second_marking(session, cycle, ModerationRules(), today=NOW.date()).created == []


def test_second_marker_cannot_see_first_grades_until_both_are_in(setup):
    session, cycle, rubric = setup
    grade(session, rubric, cycle, "first", lambda a: Grade.GOOD)
    second = select_second_marking(session, cycle, ModerationRules(), today=NOW.date()).created[0]
    marker = session.get(Auditor, second.auditor_id)
    view = assignment_view(session, second, marker)
    assert view.other is None and "both" in view.other_hidden_reason
    first = session.exec(select(Assignment).where(Assignment.sampled_plan_id == second.sampled_plan_id,
                                                  Assignment.agency == second.agency,
                                                  Assignment.marker_role == "first")).one()
    # Nor does the first marker see the second marker's draft.
    entries = {cid: GradeEntry(Grade.GOOD) for _, cid in assigned_criteria(rubric, second)}
    save_scorecard(session, second, marker, rubric, entries, submit=False, source="test", now=NOW)
    assert assignment_view(session, first, session.get(Auditor, first.auditor_id)).other is None
    save_scorecard(session, second, marker, rubric, entries, submit=True, source="test", now=NOW)
    view = assignment_view(session, second, marker)
    assert view.other and all(g == int(Grade.GOOD) for g, _ in view.other.values())


def _double_mark(setup, second_grade, policy="first", gap=2):
    session, cycle, rubric = setup
    grade(session, rubric, cycle, "first", lambda a: Grade.GOOD)
    select_second_marking(session, cycle, ModerationRules(policy=policy, gap=gap), today=NOW.date())
    grade(session, rubric, cycle, "second", second_grade)
    return double_marked(session, cycle)


def test_one_grade_apart_with_same_overall_is_agreed_by_the_first_marker(setup):
    session, cycle, _rubric = setup
    pieces = _double_mark(setup, lambda a: Grade.GOOD)
    assert pieces and not moderation_queue(session, cycle)
    counted = counted_sources(session, cycle)
    assert {counted[(p.sampled_plan_id, s)].role for p in pieces for s in p.first.assignment.sections} == {"first"}


def test_lower_policy_counts_the_lower_grade(setup):
    session, cycle, _rubric = setup
    pieces = _double_mark(setup, lambda a: Grade.REQUIRES_IMPROVEMENT, policy="lower")
    rules = rules_for_cycle(session, cycle)
    # RI vs Good differs overall, so under the default overall rule these go to moderation ...
    assert rules.policy == "lower" and all(p.needs_moderator for p in pieces)


def test_lower_policy_within_the_rule(setup):
    session, cycle, rubric = setup
    setup_rules = ModerationRules(policy="lower", on_overall=False)
    grade(session, rubric, cycle, "first", lambda a: Grade.GOOD)
    select_second_marking(session, cycle, setup_rules, today=NOW.date())
    grade(session, rubric, cycle, "second", lambda a: Grade.REQUIRES_IMPROVEMENT)
    assert not moderation_queue(session, cycle)
    score_cycle(session, cycle)
    piece = double_marked(session, cycle)[0]
    code = piece.first.assignment.sections[0]
    assert counted_sources(session, cycle)[(piece.sampled_plan_id, code)].role == "second"
    result = session.exec(select(SectionResult).where(SectionResult.sampled_plan_id == piece.sampled_plan_id,
                                                      SectionResult.section == code)).one()
    assert result.grade == int(Grade.REQUIRES_IMPROVEMENT)


def test_moderator_policy_queues_everything(setup):
    session, cycle, _ = setup
    pieces = _double_mark(setup, lambda a: Grade.GOOD, policy="moderator")
    assert len(moderation_queue(session, cycle)) == len(pieces)


def test_two_grades_apart_is_moderated_and_both_originals_are_kept(setup):
    session, cycle, _rubric = setup
    _double_mark(setup, lambda a: Grade.INADEQUATE)
    queue = moderation_queue(session, cycle)
    assert queue and all("2 grades apart" in " ".join(p.disagreement) for p in queue)
    piece = queue[0]
    before = sorted((g.scorecard_id, g.criterion_id, g.grade) for g in session.exec(select(CriterionGrade)).all())
    with pytest.raises(Conflict):
        moderate(session, cycle, piece.plan_ref, piece.agency, piece.first.auditor.code,
                 dict.fromkeys(piece.first.assignment.sections, (Grade.REQUIRES_IMPROVEMENT, "x")))
    with pytest.raises(InputRejected):
        moderate(session, cycle, piece.plan_ref, piece.agency, "MOD-01",
                 dict.fromkeys(piece.first.assignment.sections, (Grade.REQUIRES_IMPROVEMENT, " ")))
    moderate(session, cycle, piece.plan_ref, piece.agency, "MOD-01",
             dict.fromkeys(piece.first.assignment.sections, (Grade.REQUIRES_IMPROVEMENT, "Provision unquantified in F.")))
    after = sorted((g.scorecard_id, g.criterion_id, g.grade) for g in session.exec(select(CriterionGrade)).all())
    assert before == after
    assert piece.plan_ref not in {(p.plan_ref, p.agency) for p in moderation_queue(session, cycle)}
    score_cycle(session, cycle)
    code = piece.first.assignment.sections[0]
    result = session.exec(select(SectionResult).where(SectionResult.sampled_plan_id == piece.sampled_plan_id,
                                                      SectionResult.section == code)).one()
    assert result.grade == int(Grade.REQUIRES_IMPROVEMENT)
    labels = score_labels(session, cycle)
    rows = labels[(labels["plan_ref"] == piece.plan_ref) & (labels["section"] == code)]
    assert list(rows["role"]) == ["first", "second", "moderated"]
    assert list(rows["grade"]) == ["Good", "Inadequate", "Requires Improvement"]
    assert list(rows["counts"]) == [False, False, True]
    with pytest.raises(InputRejected):
        moderate(session, cycle, piece.plan_ref, piece.agency, "MOD-02",
                 {code: (Grade.GOOD, "again")})


def test_rules_are_frozen_on_the_cycle(setup):
    session, cycle, rubric = setup
    grade(session, rubric, cycle, "first", lambda a: Grade.GOOD)
    select_second_marking(session, cycle, ModerationRules(policy="lower", gap=3), today=NOW.date())
    select_second_marking(session, cycle, ModerationRules(), today=NOW.date())
    rules = rules_for_cycle(session, cycle)
    assert (rules.policy, rules.gap) == ("lower", 3)


def test_unknown_rule_or_policy_is_refused():
    with pytest.raises(Exception, match="rule"):
        ModerationRules(rules=("coin_toss",))
    with pytest.raises(Exception, match="policy"):
        ModerationRules(policy="highest")
