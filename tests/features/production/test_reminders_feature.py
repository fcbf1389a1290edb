"""Steps for reminders.feature: the chase flow against a Prefect server, emails to the local SMTP server."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import Session, select

from audit.cycle.chasing import chase_history
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.settings import Settings, get_settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Assignment, Auditor, Cycle
from audit.synthetic.submissions import submit_simulated
from tests.factories import ROOT, make_auditor_pool, make_plan, whole_plan_rubric
from tests.prefect_server import BIN, flow_env
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)

scenarios("production/reminders.feature")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect-server")]

CREATED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LEAD = "health-lead@example.org"


def on(day: str) -> date:
    return datetime.strptime(day, "%d %B %Y").date()


@pytest.fixture
def ctx(tmp_path, database_url, smtp, monkeypatch, prefect_server):
    controller, inbox = smtp
    env = {"EHCP_AUDIT_DATABASE_URL": database_url, "EHCP_AUDIT_DATA_DIR": str(tmp_path / "data"),
           "EHCP_AUDIT_RUBRICS_DIR": str(ROOT / "rubrics"), "EHCP_AUDIT_SMTP_HOST": "127.0.0.1",
           "EHCP_AUDIT_SMTP_PORT": str(controller.port), "EHCP_AUDIT_AGENCY_LEADS": json.dumps({"health": LEAD}),
           "EHCP_AUDIT_REMIND_DUE_SOON_DAYS": "3", "EHCP_AUDIT_WEB_BASE_URL": "https://audit.example.org"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    with temporary_settings({PREFECT_API_URL: prefect_server}):
        yield {"inbox": inbox, "api": prefect_server, "controller": controller}
    get_settings.cache_clear()


def settings() -> Settings:
    return get_settings()


@given(parsers.parse("an open cycle whose scorecards are due on {day}"))
def open_cycle_due(ctx, day):
    with transaction(engine_from_settings(settings())) as session:
        area = get_area(session, settings().area_code, create=True)
        for _ in range(4):
            make_plan(session, area)
        make_auditor_pool(session, area, per_agency=2)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Autumn audit", sample_size=4,
                             due_date=on(day), created_at=CREATED)
        open_cycle(session, cycle)
        ctx["cycle_id"] = cycle.id


@given("the health auditors have email addresses and have not submitted")
def health_emails(ctx):
    with transaction(engine_from_settings(settings())) as session:
        health = session.exec(select(Auditor).where(Auditor.agency == "health").order_by(Auditor.code)).all()
        for auditor in health:
            auditor.email = f"{auditor.code.lower()}@example.org"
            session.add(auditor)
        ctx["health"] = {a.email: a.code for a in health
                         if session.exec(select(Assignment).where(Assignment.auditor_id == a.id)).first()}
    assert ctx["health"], "some health auditor has work"


@given(parsers.parse("agency leads are told when scorecards are {days:d} days overdue"))
def escalation_delay(monkeypatch, days):
    monkeypatch.setenv("EHCP_AUDIT_ESCALATE_AFTER_DAYS", str(days))
    get_settings.cache_clear()


@given("the first health auditor has submitted every scorecard")
def first_submits(ctx):
    first_email = sorted(ctx["health"])[0]
    with transaction(engine_from_settings(settings())) as session:
        others = set(session.exec(select(Auditor.code)).all()) - {ctx["health"][first_email]}
        submit_simulated(session, session.get(Cycle, ctx["cycle_id"]), seed=3, skip_auditors=others, now=CREATED)
    ctx["submitted"] = first_email


@given("the mail server is down")
def mail_down(monkeypatch):
    monkeypatch.setenv("EHCP_AUDIT_SMTP_PORT", str(free_port()))  # nothing listens there
    get_settings.cache_clear()


def run_chase(day: date) -> dict:
    from flows.chase import chase

    return chase(today=day)


@when(parsers.parse("the daily chase runs on {day}"))
def chase_once(ctx, day):
    ctx["outcome"] = run_chase(on(day))


@when(parsers.parse("the daily chase runs on {day}, and again the same day"))
def chase_twice(ctx, day):
    run_chase(on(day))
    ctx["outcome"] = run_chase(on(day))


@when(parsers.parse("the mail server is back and the daily chase runs on {day}"))
def mail_back(ctx, monkeypatch, day):
    monkeypatch.setenv("EHCP_AUDIT_SMTP_PORT", str(ctx["controller"].port))
    get_settings.cache_clear()
    ctx["outcome"] = run_chase(on(day))


@when(parsers.parse("the chase process is killed just after sending its first email on {day}"))
def killed_after_send(ctx, day):
    run = subprocess.run([str(BIN / "ehcp-audit"), "chase", "run", "--today", on(day).isoformat()],
                         env=flow_env(ctx["api"], settings(), EHCP_AUDIT_TEST_CRASH_AT="chase-recipient:after-send"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr
    assert len(ctx["inbox"].messages) == 1, "the first email went before the process died"


def emails(ctx, subject_start: str) -> Counter:
    return Counter(to for tos, message in ctx["inbox"].messages for to in tos
                   if message["Subject"].startswith(subject_start))


@then(parsers.parse('each health auditor gets one "{kind}" reminder listing their plans'))
@then(parsers.parse('each health auditor gets one "{kind}" reminder'))
def one_reminder_each(ctx, kind):
    subject = {"due soon": "Reminder:", "overdue": "Overdue:"}[kind]
    assert emails(ctx, subject) == Counter(dict.fromkeys(ctx["health"], 1))
    for _tos, message in ctx["inbox"].messages:
        if message["Subject"].startswith(subject):
            body = message.get_content()
            assert "T-" in body and "https://audit.example.org/my-audits" in body


@then(parsers.parse('only the other health auditors get an "overdue" reminder'))
def others_only(ctx):
    expected = {a: 1 for a in ctx["health"] if a != ctx["submitted"]}
    assert emails(ctx, "Overdue:") == Counter(expected)


@then("the health agency lead has had no email")
def lead_untouched(ctx):
    assert all(LEAD not in tos for tos, _ in ctx["inbox"].messages)


@then("the health agency lead gets one escalation naming the auditors and their plans")
def lead_told(ctx):
    escalations = [m for tos, m in ctx["inbox"].messages if LEAD in tos]
    assert len(escalations) == 1 and escalations[0]["Subject"].startswith("Escalation:")
    body = escalations[0].get_content()
    for code in ctx["health"].values():
        assert code in body
    assert "days overdue" in body


@then("nobody got the same email twice")
def no_repeats(ctx):
    sent = Counter((to, m["Subject"]) for tos, m in ctx["inbox"].messages for to in tos)
    assert sent and max(sent.values()) == 1


def history(ctx):
    with Session(engine_from_settings(settings())) as session:
        return chase_history(session, ctx["cycle_id"])


@then("the QA lead sees who was chased, under which rule, and when")
def qa_sees(ctx):
    rows = history(ctx)
    rules = Counter(row.rule for row, _ in rows)
    assert set(rules) == {"assignment-due-soon", "assignment-overdue", "assignment-escalation"}
    emailed = [row for row, _ in rows if row.recipient in ctx["health"] or row.recipient == LEAD]
    assert emailed and all(row.status == "sent" and row.sent_at is not None and row.attempts == 1 for row in emailed)
    # Auditors of other agencies have no address in this area: recorded, so the QA lead can chase them by hand.
    assert all(row.status == "no_address" and row.recipient is None for row, _ in rows if row not in emailed)
    assert {code for row, code in rows
            if row.rule == "assignment-overdue" and row.status == "sent"} == set(ctx["health"].values())
    assert {row.recipient for row, _ in rows if row.rule == "assignment-escalation" and row.status == "sent"} == {LEAD}


@then("the QA lead sees the interrupted reminder still marked as being sent")
def interrupted_shown(ctx):
    statuses = Counter(row.status for row, _ in history(ctx) if row.rule == "assignment-overdue")
    assert statuses["sending"] >= 1 and statuses["sent"] >= 1


@then("the QA lead sees the health auditors' reminders as failed, with the reason")
def failed_shown(ctx):
    rows = [row for row, _ in history(ctx) if row.rule == "assignment-overdue" and row.recipient in ctx["health"]]
    assert rows and all(row.status == "failed" and "ConnectionRefusedError" in (row.error or "") for row in rows)
    assert ctx["inbox"].messages == []


@then("the QA lead sees them sent on the second attempt")
def sent_second_time(ctx):
    rows = [row for row, _ in history(ctx) if row.rule == "assignment-overdue" and row.recipient in ctx["health"]]
    assert rows and all(row.status == "sent" and row.attempts == 2 for row in rows)
