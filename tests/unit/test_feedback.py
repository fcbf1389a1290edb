"""Per-plan feedback notes for case officers: grades, weak-criterion comments, the amendment task."""

from __future__ import annotations

from sqlmodel import Session, create_engine

from audit.results.analysis import load_cycle_results
from audit.store.models import Cycle
from audit.words import day
from reports.feedback import feedback_notes, render_note


def test_one_note_per_audited_plan_with_its_grades_comments_and_task(board_store):
    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        results = load_cycle_results(session, session.get(Cycle, board_store["cycles"][-1]))
        notes = feedback_notes(session, results)
    engine.dispose()
    assert sorted(n["plan_ref"] for n in notes) == sorted(results.plans["plan_ref"])
    weak = [n for n in notes if n["overall"] in ("Requires Improvement", "Inadequate")]
    assert weak and all(n["task"] is not None for n in weak)
    assert all(n["task"] is None for n in notes if n["overall"] in ("Good", "Outstanding"))
    note = weak[0]
    text = render_note(note)
    assert f"plan {note['plan_ref']}" in text and note["case_officer"] in text and day(note["task"]["due"]) in text
    assert note["weak_criteria"] and all(c["grade"] in ("Requires Improvement", "Inadequate") for c in note["weak_criteria"])
    assert len(note["sections"]) >= 8


def test_a_plan_without_every_section_in_gets_a_note_saying_so(session, area):
    """Incomplete plans and sections have pandas' NA as grade (Int64 columns): the note says incomplete and
    "not yet graded" instead of failing with "boolean value of NA is ambiguous" (issue 15, board-pack --send)."""
    from datetime import timedelta

    import pandas as pd
    from sqlmodel import select

    from audit import clock
    from audit.cycle.lifecycle import create_cycle, open_cycle
    from audit.results.cycle_scores import score_cycle
    from audit.store.models import Auditor
    from audit.synthetic.submissions import submit_simulated
    from tests.factories import make_auditor_pool, make_plan, whole_plan_rubric

    for _ in range(6):
        make_plan(session, area)
    make_auditor_pool(session, area)
    cycle = create_cycle(session, area, whole_plan_rubric(), name="NA", sample_size=6,
                         due_date=clock.today() + timedelta(days=14), seed=2)
    open_cycle(session, cycle)
    health = {a.code for a in session.exec(select(Auditor).where(Auditor.agency == "health"))}
    submit_simulated(session, cycle, seed=2, skip_auditors=health)
    score_cycle(session, cycle)
    results = load_cycle_results(session, cycle)
    assert results.plans["grade"].isna().all() and results.plans["grade"].dtype == "Int64"
    assert any(g is pd.NA for g in results.plans["grade"]), "the frame holds NA where the notes broke"

    notes = feedback_notes(session, results)
    assert len(notes) == 6 and {n["overall"] for n in notes} == {"incomplete"}
    for note in notes:
        grades = {row["section"].split(":")[0]: row["grade"] for row in note["sections"]}
        assert grades["C"] == grades["G"] == "not yet graded"  # health's sections, not submitted
        assert grades["A"] in ("Outstanding", "Good", "Requires Improvement", "Inadequate")
        assert "**Overall grade: incomplete**" in render_note(note)


def test_a_weak_criterion_s_kept_passage_is_quoted_in_the_note(board_store):
    """The passage the counted marker kept as evidence (issue 20) reaches the case officer's note."""
    from sqlmodel import select

    from audit.store.models import CriterionGrade, GradeEvidence, Scorecard

    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        results = load_cycle_results(session, session.get(Cycle, board_store["cycles"][-1]))
        weak = next(c for n in feedback_notes(session, results) for c in n["weak_criteria"])
        criterion = weak["criterion"].split(":")[0]
        grades = session.exec(select(CriterionGrade, Scorecard).join(Scorecard, Scorecard.id == CriterionGrade.scorecard_id)
                              .where(CriterionGrade.criterion_id == criterion, CriterionGrade.grade <= 2)).all()
        for grade, card in grades:
            session.add(GradeEvidence(assignment_id=card.assignment_id, criterion_id=criterion, section=grade.section,
                                      passage="Access to speech and language therapy."))
        session.flush()
        notes = feedback_notes(session, results)
        session.rollback()  # the shared store stays as it was
    engine.dispose()
    quoted = [c for n in notes for c in n["weak_criteria"] if c["criterion"].startswith(criterion + ":") and c["evidence"]]
    assert quoted
    note = next(n for n in notes if any(c in n["weak_criteria"] for c in quoted))
    assert 'The plan says: "Access to speech and language therapy."' in render_note(note)
