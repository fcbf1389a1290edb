"""Per-plan feedback notes for case officers: grades, weak-criterion comments, the amendment task."""

from __future__ import annotations

from sqlmodel import Session, create_engine

from audit.results.analysis import load_cycle_results
from audit.store.models import Cycle
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
    assert f"plan {note['plan_ref']}" in text and note["case_officer"] in text and note["task"]["due"] in text
    assert note["weak_criteria"] and all(c["grade"] in ("Requires Improvement", "Inadequate") for c in note["weak_criteria"])
    assert len(note["sections"]) >= 8
