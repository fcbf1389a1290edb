"""Moderation and agreement pages: the queue, both scorecards side by side, agreed grades, agreement figures."""

from __future__ import annotations

import pytest
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import get_cycle
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.moderation.marking import ModerationRules, moderation_queue, select_second_marking
from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, CriterionGrade, ModeratedGrade, User
from audit.vocabulary import Grade
from tests.factories import whole_plan_rubric
from tests.web.conftest import auditor_users, engine_of, sign_in

NOW = audit.clock.now()


def _grade(session, rubric, cycle, role, grade):
    for a in session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id, Assignment.marker_role == role,
                                                   Assignment.active == True)).all():  # noqa: E712
        entries = {cid: GradeEntry(grade, f"{role} marker's reasons.") for _, cid in assigned_criteria(rubric, a)}
        save_scorecard(session, a, session.get(Auditor, a.auditor_id), rubric, entries, submit=True,
                       source="test", now=NOW)


@pytest.fixture
def disputed(app):
    """Every first scorecard Good, every second Inadequate: two grades apart, so every piece is queued."""
    rubric = whole_plan_rubric()
    with transaction(engine_of(app)) as session:
        cycle = get_cycle(session, 1)
        _grade(session, rubric, cycle, "first", Grade.GOOD)
        select_second_marking(session, cycle, ModerationRules(share=1.0), today=audit.clock.today())
        _grade(session, rubric, cycle, "second", Grade.INADEQUATE)
        piece = moderation_queue(session, cycle)[0]
        return {"sampled_plan_id": piece.sampled_plan_id, "plan_ref": piece.plan_ref, "agency": piece.agency,
                "section": piece.first.assignment.sections[0], "first": piece.first.auditor.code,
                "second": piece.second.auditor.code}


def _criterion_grades(app):
    with transaction(engine_of(app)) as session:
        return sorted((g.scorecard_id, g.criterion_id, g.grade) for g in session.exec(select(CriterionGrade)).all())


def test_queue_lists_a_disagreeing_plan_with_a_link(client, disputed):
    sign_in(client, "demo-qa-lead")
    page = client.get("/cycles/1/moderation").text
    assert disputed["plan_ref"] in page and "2 grades apart" in page
    assert f'href="/cycles/1/moderation/{disputed["sampled_plan_id"]}"' in page
    assert 'href="/cycles/1/moderation"' in client.get("/cycles/1").text


def test_side_by_side_shows_both_markers_grades_and_comments(client, disputed):
    sign_in(client, "demo-moderator")
    page = client.get(f"/cycles/1/moderation/{disputed['sampled_plan_id']}").text
    assert disputed["first"] in page and disputed["second"] in page
    assert "Good" in page and "Inadequate" in page
    assert "first marker&#39;s reasons." in page and "second marker&#39;s reasons." in page
    assert f"Record agreed grade for section {disputed['section']}" in page


def test_recording_without_a_rationale_shows_the_error_summary_and_saves_nothing(app, client, disputed):
    token = sign_in(client, "demo-moderator")
    r = client.post(f"/cycles/1/moderation/{disputed['sampled_plan_id']}",
                    data={"csrf_token": token, "agency": disputed["agency"], "section": disputed["section"],
                          "grade": str(int(Grade.REQUIRES_IMPROVEMENT)), "rationale": "  "})
    assert r.status_code == 400 and "There is a problem" in r.text and "<title>Error:" in r.text
    assert f"Enter why this grade was agreed for section {disputed['section']}" in r.text
    assert f'href="#rationale-{disputed["agency"]}-{disputed["section"]}"' in r.text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(ModeratedGrade)).all() == []


def test_recording_with_a_rationale_saves_the_agreed_grade_and_keeps_the_originals(app, client, disputed):
    token = sign_in(client, "demo-moderator")
    before = _criterion_grades(app)
    r = client.post(f"/cycles/1/moderation/{disputed['sampled_plan_id']}",
                    data={"csrf_token": token, "agency": disputed["agency"], "section": disputed["section"],
                          "grade": str(int(Grade.REQUIRES_IMPROVEMENT)), "rationale": "Provision unquantified."})
    assert r.status_code == 303
    with transaction(engine_of(app)) as session:
        row = session.exec(select(ModeratedGrade)).one()
        assert (row.section, row.grade, row.rationale, row.moderator_code) == (
            disputed["section"], int(Grade.REQUIRES_IMPROVEMENT), "Provision unquantified.", "demo-moderator")
    assert _criterion_grades(app) == before
    page = client.get(r.headers["location"]).text
    assert "The agreed grade was recorded" in page and "Agreed grade: <strong>Requires Improvement</strong>" in page
    labels = page[page.index('id="labels"'):]
    row = labels[labels.index("<td class=\"govuk-table__cell\">Moderated</td>"):]
    assert "demo-moderator" in row and "Requires Improvement" in row and "govuk-tag--green\">Counts" in row
    assert labels.count("<td class=\"govuk-table__cell\">First marker</td>") and "Inadequate" in labels


def test_a_marker_cannot_moderate_their_own_plan(app, client, disputed):
    with transaction(engine_of(app)) as session:
        user = session.exec(select(User).where(User.username == "demo-moderator")).one()
        user.auditor_id = session.exec(select(Auditor).where(Auditor.code == disputed["first"])).one().id
    token = sign_in(client, "demo-moderator")
    r = client.post(f"/cycles/1/moderation/{disputed['sampled_plan_id']}",
                    data={"csrf_token": token, "agency": disputed["agency"], "section": disputed["section"],
                          "grade": "2", "rationale": "Kept as typed."})
    assert r.status_code == 409 and "There is a problem" in r.text and "cannot moderate it" in r.text
    assert "Kept as typed." in r.text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(ModeratedGrade)).all() == []


def test_an_auditor_is_refused(app, client, disputed):
    sign_in(client, auditor_users(app)[0].username)
    for url in ("/cycles/1/moderation", f"/cycles/1/moderation/{disputed['sampled_plan_id']}", "/cycles/1/agreement"):
        r = client.get(url)
        assert r.status_code == 403 and "does not give access" in r.text, url


def test_agreement_page_shows_raw_agreement_beside_alpha(client, disputed):
    sign_in(client, "demo-qa-lead")
    page = client.get("/cycles/1/agreement").text
    for text in ("Whole cycle", "By agency", "By section", "By auditor", "Exact agreement", "Within one grade",
                 "Krippendorff&#39;s alpha (ordinal)", "Gwet&#39;s AC1"):
        assert text in page, text
    assert page.index("Exact agreement") < page.index("Krippendorff")
    assert "0.0%" in page  # every pair two grades apart: no exact agreement
    assert "too few for a coefficient" in page and "resample plans, not sections" in page
