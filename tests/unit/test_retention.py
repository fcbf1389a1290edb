"""Retention: comments, rationales and closed safeguarding concerns past the period are purged and the purge recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.protection.retention import (
    COMMENTS,
    CONCERNS,
    DOCUMENTS,
    FAMILY_WORDS,
    RATIONALES,
    RetentionPolicy,
    purge_expired,
    purge_history,
)
from audit.protection.safeguarding import add_note, close_flag, raise_flag
from audit.store.actor import acting_as
from audit.store.models import Assignment, Auditor, CriterionGrade, ModeratedGrade, PurgeRecord, SafeguardingNote, TrailEntry
from audit.vocabulary import Grade
from tests.factories import whole_plan_rubric
from tests.unit.test_safeguarding import NOW, assigned  # noqa: F401  (assigned is a fixture)

POLICY = RetentionPolicy(comment_days=730, safeguarding_days=365)
RUBRIC = whole_plan_rubric()


def grade_with_comments(session, assignment, when, comment="Provision is not quantified."):
    auditor = session.get(Auditor, assignment.auditor_id)
    entries = {cid: GradeEntry(Grade.REQUIRES_IMPROVEMENT, comment) for _, cid in assigned_criteria(RUBRIC, assignment)}
    return save_scorecard(session, assignment, auditor, RUBRIC, entries, submit=True, source="file", now=when)


@pytest.fixture
def two_scorecards(session, assigned):
    old, new = session.exec(select(Assignment).order_by(Assignment.id)).all()[:2]
    grade_with_comments(session, old, NOW)
    grade_with_comments(session, new, NOW + timedelta(days=400))
    session.commit()
    return old, new


def comments_of(session, assignment) -> set[str]:
    from audit.store.models import Scorecard

    card = session.exec(select(Scorecard).where(Scorecard.assignment_id == assignment.id)).one()
    return {g.comment for g in session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == card.id))}


def test_comments_older_than_the_period_are_purged_grades_kept_and_the_purge_recorded(session, two_scorecards):
    old, new = two_scorecards
    later = NOW + timedelta(days=731)
    with acting_as("cli:records-officer"):
        result = purge_expired(session, POLICY, now=later)
        session.commit()
    assert result.counts[COMMENTS] == len(assigned_criteria(RUBRIC, old))
    assert comments_of(session, old) == {""} and comments_of(session, new) == {"Provision is not quantified."}
    grades = {g.grade for g in session.exec(select(CriterionGrade))}
    assert grades == {int(Grade.REQUIRES_IMPROVEMENT)}  # results and trends are unchanged
    records = {r.what: r for r in purge_history(session)}
    assert set(records) == {COMMENTS, RATIONALES, CONCERNS, DOCUMENTS, FAMILY_WORDS}
    comment_record = records[COMMENTS]
    assert (comment_record.by, comment_record.rows) == ("cli:records-officer", result.counts[COMMENTS])
    assert comment_record.cutoff.replace(tzinfo=None) == (later - timedelta(days=730)).replace(tzinfo=None)
    assert comment_record.detail["cycles"] == [old.cycle_id]
    trail = session.exec(select(TrailEntry).where(TrailEntry.table_name == "criteriongrade",
                                                  TrailEntry.action == "bulk update")).one()
    assert trail.rows == result.counts[COMMENTS] and "Provision" not in str(trail.after)


def test_a_dry_run_changes_nothing_and_a_rerun_finds_nothing_due(session, two_scorecards):
    old, _ = two_scorecards
    later = NOW + timedelta(days=731)
    dry = purge_expired(session, POLICY, now=later, dry_run=True)
    assert dry.counts[COMMENTS] > 0 and "would purge" in dry.lines()[0]
    assert comments_of(session, old) == {"Provision is not quantified."} and purge_history(session) == []
    purge_expired(session, POLICY, now=later)
    again = purge_expired(session, POLICY, now=later)
    assert again.counts == {COMMENTS: 0, RATIONALES: 0, CONCERNS: 0, DOCUMENTS: 0, FAMILY_WORDS: 0}
    assert len(session.exec(select(PurgeRecord)).all()) == 10  # 2 runs x 5 kinds: recorded also when nothing was due


def test_closed_concerns_are_purged_after_their_period_open_ones_never(session, assigned):
    assignment, auditor = assigned
    closed = raise_flag(session, assignment, auditor, "Closed concern text", now=NOW)
    add_note(session, closed, "Told the DSL.", "qa-lead", now=NOW)
    close_flag(session, closed, "Referred.", "qa-lead", now=NOW + timedelta(days=1))
    still_open = raise_flag(session, assignment, auditor, "Open concern text", now=NOW)
    session.commit()
    assert purge_expired(session, POLICY, now=NOW + timedelta(days=300)).counts[CONCERNS] == 0
    result = purge_expired(session, POLICY, now=NOW + timedelta(days=2000))
    session.commit()
    assert result.counts[CONCERNS] == 1
    session.refresh(closed)
    session.refresh(still_open)
    assert (closed.concern, closed.closure_note) == ("", "") and closed.purged_at is not None
    assert session.exec(select(SafeguardingNote.note)).all() == [""]
    assert still_open.concern == "Open concern text"
    assert [r.detail["flags"] for r in purge_history(session) if r.what == CONCERNS] == [[closed.id], []]


def test_moderation_rationales_follow_the_comment_period(session, two_scorecards):
    old, _ = two_scorecards
    session.add(ModeratedGrade(cycle_id=old.cycle_id, sampled_plan_id=old.sampled_plan_id, section="A", grade=2,
                               rationale="Agreed after discussion of section A.", moderator_code="MOD-1",
                               created_at=NOW))
    session.commit()
    assert purge_expired(session, POLICY, now=NOW + timedelta(days=731)).counts[RATIONALES] == 1
    assert session.exec(select(ModeratedGrade.rationale)).all() == [""]


def test_feedback_notes_quoting_purged_comments_are_removed(session, two_scorecards, tmp_path):
    old, _ = two_scorecards
    notes = tmp_path / f"cycle-{old.cycle_id}" / "feedback"
    notes.mkdir(parents=True)
    (notes / "PLAN-1.md").write_text("Provision is not quantified.", encoding="utf-8")
    dry = purge_expired(session, POLICY, now=NOW + timedelta(days=731), reports_dir=tmp_path, dry_run=True)
    assert dry.feedback_folders == [str(notes)] and notes.exists()
    purge_expired(session, POLICY, now=NOW + timedelta(days=731), reports_dir=tmp_path)
    assert not notes.exists()


def test_policy_comes_from_settings():
    from audit.settings import Settings

    assert RetentionPolicy.from_settings(Settings(comment_retention_days=100, safeguarding_retention_days=50)) == (
        RetentionPolicy(100, 50))
