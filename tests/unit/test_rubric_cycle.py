"""A rubric another area writes, through a whole cycle: shared outcomes graded by each agency, Preparing for
adulthood only from Year 9, "not applicable" with a reason, scored by hand and shown on the board summary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.cycle.scorecard_files import import_scorecard_file, template_rows, write_template
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.errors import InputRejected
from audit.results.analysis import by_service, cap_effects, load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.rubrics.loading import find_rubric
from audit.store.models import Assignment, Auditor, CriterionGrade, PlanResult, SectionResult
from audit.vocabulary import Grade
from tests.factories import make_auditor_pool, make_plan

NOW = datetime(2026, 11, 1, tzinfo=UTC)
RUBRIC = find_rubric(Path(__file__).resolve().parents[2] / "rubrics", "joint-outcomes")
O, G, RI, I = Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE  # noqa: E741  (the grades' own initials)


def open_cycle_of(session, area, **plan_fields):
    make_auditor_pool(session, area, per_agency=2)
    plan = make_plan(session, area, **plan_fields)
    cycle = create_cycle(session, area, RUBRIC, name="joint", sample_size=1, due_date=date(2026, 12, 1),
                         created_at=NOW)
    open_cycle(session, cycle)
    return cycle, plan


def assignments(session, cycle) -> dict[str, Assignment]:
    return {a.agency: a for a in session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id))}


def submit(session, assignment, grades: dict[str, Grade | str], reasons: dict[str, str] | None = None):
    entries = {}
    for _, cid in assigned_criteria(RUBRIC, assignment):
        grade = grades[cid]
        if grade == "n/a":
            entries[cid] = GradeEntry(None, (reasons or {}).get(cid, ""), not_applicable=True)
        else:
            entries[cid] = GradeEntry(grade, "needs work" if grade.is_weak else "")
    return save_scorecard(session, assignment, session.get(Auditor, assignment.auditor_id), RUBRIC, entries,
                          submit=True, source="test", now=NOW)


def test_assignment_gives_each_agency_its_part_and_leaves_out_what_does_not_apply(session, area):
    cycle, _ = open_cycle_of(session, area, year_group="7", social_care_advice_requested=None)
    pieces = assignments(session, cycle)
    assert pieces["sen_team"].sections == ["A", "E:sen_team", "J"]
    assert pieces["education"].sections == ["B", "E:education", "F"]
    assert pieces["health"].sections == ["C", "E:health"]  # the factory's plan had health advice
    assert "social_care" not in pieces  # no social care advice: no D, no part of E
    assert pieces["sen_team"].skipped_criteria == ["E3"] and pieces["health"].skipped_criteria is None
    assert [cid for _, cid in assigned_criteria(RUBRIC, pieces["sen_team"])] == ["A1", "A2", "E1", "E2", "J1"]


def test_a_shared_section_is_scored_by_its_rule_and_not_applicable_is_left_out(session, area):
    cycle, _ = open_cycle_of(session, area, year_group="10", social_care_advice_requested=None)
    pieces = assignments(session, cycle)
    submit(session, pieces["sen_team"], {"A1": O, "A2": G, "E1": O, "E2": O, "E3": G, "J1": "n/a"},
           {"J1": "The family has not asked for a personal budget."})
    submit(session, pieces["education"], {"B1": G, "E1": G, "E2": G, "E3": G, "F1": G})
    submit(session, pieces["health"], {"C1": G, "E1": RI, "E2": G})
    score_cycle(session, cycle)
    rows = {r.section: r for r in session.exec(select(SectionResult).where(SectionResult.cycle_id == cycle.id))}
    # E by hand: SEN team (O, O, G) weighted 11/3 -> O; education G; health (RI, G) 2.5 -> RI; lowest -> RI.
    assert (Grade(rows["E"].grade), rows["E"].parts) == (RI, {"sen_team": 4, "education": 3, "health": 2})
    assert (rows["J"].status, rows["J"].grade) == ("not_applicable", None)
    assert rows["D"].status == "not_applicable"
    # Plan by hand (best fit): A O (1; A1 O w1, A2 G w1: 3.5 -> G), B G (2), C G (1), E RI (2), F G (2):
    # A is (4 + 3) / 2 = 3.5 -> Good. Cumulative: RI 2, G 8 of 8 total: half is 4 -> Good.
    assert Grade(rows["A"].grade) == G
    plan = session.exec(select(PlanResult).where(PlanResult.cycle_id == cycle.id)).one()
    assert Grade(plan.grade) == G
    reason = session.exec(select(CriterionGrade).where(CriterionGrade.criterion_id == "J1")).one()
    assert reason.not_applicable and reason.grade is None and "personal budget" in reason.comment
    results = load_cycle_results(session, cycle)
    services = by_service(results).set_index("group")
    # Health's own grade uses its part of E (RI), not the combined grade: C G (1) and E RI (2): best fit RI.
    assert services.loc["Health", "Requires Improvement"] == 1
    # SEN team: A Good (1) and its part of E Outstanding (2), J left out: best fit Outstanding.
    assert services.loc["SEN team", "Outstanding"] == 1


def test_the_board_is_told_how_many_plans_a_cap_lowered_and_from_what(session, area):
    cycle, _ = open_cycle_of(session, area, year_group="10", social_care_advice_requested=None)
    pieces = assignments(session, cycle)
    submit(session, pieces["sen_team"], {"A1": O, "A2": O, "E1": O, "E2": O, "E3": O, "J1": O})
    submit(session, pieces["education"], {"B1": I, "E1": O, "E2": O, "E3": O, "F1": O})
    submit(session, pieces["health"], {"C1": O, "E1": O, "E2": O})
    score_cycle(session, cycle)
    effects = cap_effects(load_cycle_results(session, cycle))
    assert effects["lowered"] == 1 and effects["moves"] == [{"from": "Outstanding", "to": "Requires Improvement",
                                                             "plans": 1}]
    assert effects["rules"] == ["if section B or F is Inadequate or worse, the plan is at most Requires Improvement"]


def test_not_applicable_needs_the_rubric_to_allow_it_and_a_reason(session, area):
    cycle, _ = open_cycle_of(session, area, year_group="10")
    pieces = assignments(session, cycle)
    with pytest.raises(InputRejected) as caught:
        submit(session, pieces["sen_team"], {"A1": "n/a", "A2": O, "E1": O, "E2": O, "E3": O, "J1": "n/a"})
    messages = [p.message for p in caught.value.problems]
    assert "criterion A1 cannot be marked not applicable" in messages
    assert "criterion J1 is marked not applicable without a reason" in messages


def test_the_spreadsheet_shows_parts_and_takes_not_applicable(session, area, tmp_path):
    cycle, _ = open_cycle_of(session, area, year_group="8", social_care_advice_requested=None)
    pieces = assignments(session, cycle)
    auditor = session.get(Auditor, pieces["sen_team"].auditor_id)
    rows = template_rows(session, cycle, auditor)
    assert [(r["section"], r["criterion_id"]) for r in rows] == [
        ("A", "A1"), ("A", "A2"), ("E:sen_team", "E1"), ("E:sen_team", "E2"), ("J", "J1")]  # no E3 in Year 8
    assert rows[2]["section_title"] == "Outcomes (SEN team's part)"
    assert rows[4]["criterion"].endswith("(may be marked Not applicable, with the reason as the comment)")
    path = tmp_path / "card.csv"
    write_template(session, cycle, auditor, path)
    text = path.read_text(encoding="utf-8").splitlines()
    filled = [text[0]] + [line.replace(",,", ",Good,", 1) if ",J1," not in line else line for line in text[1:]]
    filled[-1] = filled[-1].rstrip(",") + ",Not applicable,No personal budget was asked for"
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    imported = import_scorecard_file(session, path)
    assert imported.submitted == [pieces["sen_team"].id]
    j1 = session.exec(select(CriterionGrade).where(CriterionGrade.criterion_id == "J1")).one()
    assert j1.not_applicable and j1.comment == "No personal budget was asked for"
