"""'Send reminders': one email per auditor with outstanding scorecards through a local SMTP server (aiosmtpd),
each recorded with its outcome; a dead server is recorded as failed and shown; without SMTP, record only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, Cycle, Plan, ReminderLog, SampledPlan, Scorecard
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)
from tests.web.conftest import engine_of, sign_in
from web.app import create_app


def client_for(settings, port: int) -> TestClient:
    app = create_app(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                                 "smtp_from": "qa@example.org"}))
    app.state.continue_cycle = lambda *args, **kwargs: None
    return TestClient(app, follow_redirects=False)


def outstanding_work(app) -> dict[str, tuple[str | None, set[str]]]:
    """Auditor code -> (email, plan refs) for every active assignment of cycle 1."""
    with transaction(engine_of(app)) as session:
        rows = session.exec(select(Auditor.code, Auditor.email, Plan.plan_ref)
                            .join(Assignment, Assignment.auditor_id == Auditor.id)
                            .join(SampledPlan, SampledPlan.id == Assignment.sampled_plan_id)
                            .join(Plan, Plan.id == SampledPlan.plan_id)
                            .where(Assignment.cycle_id == 1, Assignment.active == True)).all()  # noqa: E712
    work: dict = {}
    for code, address, ref in rows:
        work.setdefault(code, (address, set()))[1].add(ref)
    return work


def submit_everything_of(app, code: str) -> None:
    with transaction(engine_of(app)) as session:
        auditor = session.exec(select(Auditor).where(Auditor.code == code)).one()
        version = session.get(Cycle, 1).rubric_version_id
        for a in session.exec(select(Assignment).where(Assignment.auditor_id == auditor.id,
                                                       Assignment.cycle_id == 1)).all():
            session.add(Scorecard(assignment_id=a.id, rubric_version_id=version, auditor_id=auditor.id,
                                  status="submitted", source="web"))


def email_logs(app) -> dict[str, ReminderLog]:
    with transaction(engine_of(app)) as session:
        rows = session.exec(select(ReminderLog, Auditor.code).join(Auditor, Auditor.id == ReminderLog.auditor_id)
                            .where(ReminderLog.channel == "email")).all()
        return {code: log for log, code in rows}


def test_send_reminders_emails_each_auditor_with_outstanding_work_and_records_it(settings, smtp):
    controller, inbox = smtp
    with client_for(settings, controller.port) as client:
        app = client.app
        work = outstanding_work(app)
        assert len(work) >= 3, "the template cycle spreads its plans over several auditors"
        done_code, missing_code, *emailed = sorted(work)
        submit_everything_of(app, done_code)
        with transaction(engine_of(app)) as session:
            session.exec(select(Auditor).where(Auditor.code == missing_code)).one().email = None
        token = sign_in(client, "demo-qa-lead")
        assert "Send reminders" in client.get("/cycles/1").text
        r = client.post("/cycles/1/reminders", data={"csrf_token": token})
        assert r.status_code == 303
        page = client.get(r.headers["location"]).text

    assert sorted(tuple(to) for to, _ in inbox.messages) == sorted((work[c][0],) for c in emailed)
    for to, message in inbox.messages:
        code = next(c for c in emailed if work[c][0] == to[0])
        body = message.get_body(("plain",)).get_content()
        assert message["Subject"].startswith("Reminder:") and "Web test cycle" in message["Subject"]
        assert message["From"] == "qa@example.org" and message["To"] == to[0]
        assert all(ref in body for ref in work[code][1]) and "due " in body
        assert "http://testserver/my-audits" in body
    logs = email_logs(app)
    assert set(logs) == {missing_code, *emailed}, "nothing for the auditor who submitted everything"
    assert {c: logs[c].status for c in emailed} == dict.fromkeys(emailed, "sent")
    assert logs[missing_code].status == "no email address"
    assert "Not emailed: no email address" in page and "Email sent" in page and f"{len(emailed)} sent" in page


def test_a_dead_smtp_server_is_recorded_as_failed_and_shown(settings):
    with client_for(settings, free_port()) as client:  # nothing listens there
        token = sign_in(client, "demo-qa-lead")
        r = client.post("/cycles/1/reminders", data={"csrf_token": token})
        assert r.status_code == 303
        page = client.get(r.headers["location"]).text
        logs = email_logs(client.app)
    assert logs and {log.status for log in logs.values()} == {"failed"}
    assert all("Connection refused" in log.error or "Errno" in log.error for log in logs.values())
    assert "Email failed:" in page and "0 sent" in page


def test_without_smtp_the_button_records_only_and_says_so(app, client):
    token = sign_in(client, "demo-qa-lead")
    page = client.get("/cycles/1").text
    assert "Record reminders" in page and "Send reminders" not in page and "EHCP_AUDIT_SMTP_HOST" in page
    r = client.post("/cycles/1/reminders", data={"csrf_token": token})
    page = client.get(r.headers["location"]).text
    assert "No email was sent" in page and "EHCP_AUDIT_SMTP_HOST" in page and "Recorded only" in page
    with transaction(engine_of(app)) as session:
        assert {log.channel for log in session.exec(select(ReminderLog)).all()} == {"recorded"}


def test_the_cycle_page_shows_who_the_daily_chase_reached_and_how(app, client):
    from datetime import date

    from audit.cycle.chasing import Overdue, claim, finish

    with transaction(engine_of(app)) as session:
        chases = Overdue().find(session, date(2099, 1, 1))
        sent = claim(session, chases[:1])
        finish(session, list(sent), "sent")
        failed = claim(session, chases[1:2])
        finish(session, list(failed), "failed", "SMTPRecipientsRefused: no such mailbox")
    sign_in(client, "demo-qa-lead")
    html = client.get("/cycles/1").text
    assert "Automatic reminders and escalations" in html
    assert "Overdue (auditor)" in html and "Email sent" in html
    assert "Failed: SMTPRecipientsRefused: no such mailbox" in html
    assert chases[0].recipient_label in html
