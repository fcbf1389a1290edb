"""Auditors in the web app: sign in, My audits, the scorecard form (errors, draft, submit, read-only), object checks."""

from __future__ import annotations

import re
import threading

from fastapi.testclient import TestClient
from sqlmodel import func, select

from audit.cycle.assignment import cycle_rubric
from audit.cycle.scorecards import assigned_criteria
from audit.store.db import transaction
from audit.store.models import CriterionGrade, Cycle, Scorecard
from tests.web.conftest import assignments_of, auditor_users, engine_of, flows_started, sign_in


def criteria_of(app, assignment) -> list[str]:
    with transaction(engine_of(app)) as session:
        rubric = cycle_rubric(session, session.get(Cycle, assignment.cycle_id))
        return [cid for _, cid in assigned_criteria(rubric, assignment)]


def full_form(app, assignment, token, action="submit", grade="3") -> dict:
    data = {"csrf_token": token, "action": action}
    for cid in criteria_of(app, assignment):
        data[f"grade-{cid}"] = grade
        data[f"comment-{cid}"] = f"Checked {cid}"
    return data


def test_sign_in_rejects_a_wrong_password_and_keeps_the_username(client):
    token = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', token).group(1)
    response = client.post("/sign-in", data={"username": "demo-admin", "password": "wrong password", "csrf_token": token})
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Enter a correct username and password" in response.text
    assert 'value="demo-admin"' in response.text


def test_session_cookie_is_httponly_samesite_lax_and_secure_by_default(settings):
    from web.app import create_app

    app = create_app(settings.model_copy(update={"cookie_secure": None}))
    with TestClient(app, base_url="https://testserver") as c:
        cookie = c.get("/sign-in").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_my_audits_lists_plan_sections_due_date_and_status(app, client):
    user = auditor_users(app)[0]
    sign_in(client, user.username)
    page = client.get("/my-audits").text
    first = assignments_of(app, user)[0]
    assert "My audits" in page and ", ".join(first.sections) in page
    assert first.due_date.strftime("%B %Y") in page and "Not started" in page


def test_descriptors_are_shown_beside_the_choices(app, client):
    user = auditor_users(app)[0]
    sign_in(client, user.username)
    assignment = assignments_of(app, user)[0]
    with transaction(engine_of(app)) as session:
        rubric = cycle_rubric(session, session.get(Cycle, assignment.cycle_id))
    cid = criteria_of(app, assignment)[0]
    descriptor = next(iter(rubric.criterion(cid)[1].descriptors.values()))
    page = client.get(f"/my-audits/{assignment.id}").text
    assert f'name="grade-{cid}"' in page and descriptor.replace("'", "&#39;").replace('"', "&#34;")[:40] in page


def test_a_weak_grade_without_comment_shows_the_error_summary_and_keeps_what_was_typed(app, client):
    user = auditor_users(app)[0]
    token = sign_in(client, user.username)
    assignment = assignments_of(app, user)[0]
    data = full_form(app, assignment, token)
    first, second = criteria_of(app, assignment)[:2]
    data[f"grade-{first}"] = "2"
    data[f"comment-{first}"] = ""
    data[f"comment-{second}"] = "Typed before the error"
    response = client.post(f"/my-audits/{assignment.id}", data=data)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text and f'href="#comment-{first}"' in response.text
    assert "Error: Scorecard" in response.text  # the title says there is an error
    assert "Typed before the error" in response.text
    assert re.search(rf'value="2" checked|id="grade-{first}-2" name="grade-{first}" type="radio" value="2" checked',
                     response.text) or 'value="2" checked' in response.text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(func.count()).select_from(Scorecard)).one() == 0


def test_save_a_draft_come_back_then_submit_and_only_view_afterwards(app, client, triggered):
    user = auditor_users(app)[0]
    token = sign_in(client, user.username)
    assignment = assignments_of(app, user)[0]
    cid = criteria_of(app, assignment)[0]
    draft = {"csrf_token": token, "action": "draft", f"grade-{cid}": "4", f"comment-{cid}": "Strong voice"}
    response = client.post(f"/my-audits/{assignment.id}", data=draft)
    assert response.status_code == 303 and response.headers["location"].endswith("?saved=true")
    page = client.get(response.headers["location"]).text
    assert "Your draft was saved" in page and "Strong voice" in page and "In draft" in page

    response = client.post(f"/my-audits/{assignment.id}", data=full_form(app, assignment, token))
    assert response.status_code == 303 and response.headers["location"].endswith("/submitted")
    confirmation = client.get(response.headers["location"]).text
    assert "Scorecard submitted" in confirmation and "govuk-panel" in confirmation

    view = client.get(f"/my-audits/{assignment.id}").text
    assert "can no longer be changed" in view and "<form method=\"post\" action=\"/my-audits/" not in view
    again = client.post(f"/my-audits/{assignment.id}", data=full_form(app, assignment, token, grade="1"))
    assert again.status_code == 409 and "already submitted" in again.text
    with transaction(engine_of(app)) as session:
        grades = session.exec(select(CriterionGrade.grade)).all()
    assert set(grades) == {3}, "the refused resubmission changed nothing"


def test_an_auditor_cannot_open_or_post_another_auditors_assignment(app, client):
    mine, theirs = auditor_users(app)[:2]
    token = sign_in(client, mine.username)
    other = assignments_of(app, theirs)[0]
    assert client.get(f"/my-audits/{other.id}").status_code == 404
    assert client.post(f"/my-audits/{other.id}", data=full_form(app, other, token)).status_code == 404
    assert client.get(f"/api/v1/assignments/{other.id}").status_code == 404
    with transaction(engine_of(app)) as session:
        assert session.exec(select(func.count()).select_from(Scorecard)).one() == 0


def test_a_form_without_its_csrf_token_is_refused(app, client):
    user = auditor_users(app)[0]
    sign_in(client, user.username)
    assignment = assignments_of(app, user)[0]
    data = full_form(app, assignment, "forged-token")
    response = client.post(f"/my-audits/{assignment.id}", data=data)
    assert response.status_code == 403 and "The form has expired" in response.text
    del data["csrf_token"]
    assert client.post(f"/my-audits/{assignment.id}", data=data).status_code == 403
    with transaction(engine_of(app)) as session:
        assert session.exec(select(func.count()).select_from(Scorecard)).one() == 0


def test_the_last_submission_lets_the_cycle_flow_continue(app, triggered):
    """Every auditor submits; only the submission that completes the cycle triggers the flow."""
    with transaction(engine_of(app)) as session:
        from audit.store.models import Assignment, User

        users = {u.auditor_id: u for u in session.exec(select(User).where(User.role == "auditor")).all()}
        pending = session.exec(select(Assignment)).all()
    from audit.protection.users import create_user
    from audit.store.models import Auditor

    with transaction(engine_of(app)) as session:
        for a in pending:
            if a.auditor_id not in users:
                code = session.get(Auditor, a.auditor_id).code
                users[a.auditor_id] = create_user(session, f"extra-{code.lower()}", "password-123456", "auditor", code)
    for n, a in enumerate(pending, start=1):
        with TestClient(app, follow_redirects=False) as c:
            password = "password-123456" if users[a.auditor_id].username.startswith("extra-") else None
            token = sign_in(c, users[a.auditor_id].username, *( [password] if password else []))
            assert c.post(f"/my-audits/{a.id}", data=full_form(app, a, token)).status_code == 303
        flows_started(app)
        assert triggered == ([] if n < len(pending) else [(a.cycle_id, False)])


def test_two_simultaneous_submissions_store_one_scorecard_and_the_second_is_told(app):
    user = auditor_users(app)[0]
    assignment = assignments_of(app, user)[0]
    clients = [TestClient(app, follow_redirects=False) for _ in range(2)]
    tokens = [sign_in(c, user.username) for c in clients]
    forms = [full_form(app, assignment, tokens[0], grade="4"), full_form(app, assignment, tokens[1], grade="3")]
    for cid in criteria_of(app, assignment):
        forms[1][f"comment-{cid}"] = f"Second auditor's words on {cid}"
    barrier = threading.Barrier(2)
    responses = [None, None]

    def post(i):
        barrier.wait()
        responses[i] = clients[i].post(f"/my-audits/{assignment.id}", data=forms[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in responses)
    assert codes == [303, 409], [r.text[:300] for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert "govuk-error-summary" in loser.text
    assert "already submitted" in loser.text or "at the same moment" in loser.text
    winner = 0 if responses[0].status_code == 303 else 1
    if winner == 0:  # the refused one gets its own typed words back, so nothing is lost silently
        assert "Second auditor&#39;s words" in loser.text or "Second auditor's words" in loser.text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(func.count()).select_from(Scorecard)).one() == 1
        grades = set(session.exec(select(CriterionGrade.grade)).all())
    assert grades == {4 if winner == 0 else 3}
    for c in clients:
        c.close()
