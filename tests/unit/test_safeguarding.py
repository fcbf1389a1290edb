"""The safeguarding route in the domain and the alert sender: recorded first, emailed at once, retried, followed up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.errors import Conflict, InputRejected, NotFound
from audit.protection.safeguarding import (
    FAILED,
    PENDING,
    SENT,
    add_note,
    close_flag,
    flag_view,
    list_flags,
    needing_notification,
    raise_flag,
)
from audit.settings import Settings
from audit.store.models import Assignment, Auditor, Plan, SafeguardingFlag, SampledPlan, TrailEntry
from flows.alerts import notify_contacts, retry_notifications, why_not_sendable
from tests.factories import make_auditor_pool, make_plan, whole_plan_rubric
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)

NOW = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
CONCERN = "Section B records a disclosure in March and no action since."


@pytest.fixture
def assigned(session, area):
    make_auditor_pool(session, area, per_agency=1)
    for _ in range(2):
        make_plan(session, area)
    cycle = create_cycle(session, area, whole_plan_rubric(), name="Autumn audit", sample_size=2,
                         due_date=date(2026, 12, 1), created_at=NOW)
    open_cycle(session, cycle)
    session.commit()
    assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
    return assignment, session.get(Auditor, assignment.auditor_id)


def plan_ref_of(session, assignment) -> str:
    return session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                        .where(SampledPlan.id == assignment.sampled_plan_id)).one()


def mailer(smtp_port: int | None, contacts=("safeguarding@example.org",)) -> Settings:
    return Settings(smtp_host="127.0.0.1" if smtp_port else None, smtp_port=smtp_port or 25,
                    smtp_from="audit@example.org", safeguarding_contacts=list(contacts))


def test_a_flag_records_who_when_which_plan_and_the_concern(session, assigned):
    assignment, auditor = assigned
    flag = raise_flag(session, assignment, auditor, f"  {CONCERN}  ", now=NOW)
    session.commit()
    assert (flag.raised_by, flag.concern, flag.status, flag.notify_status) == (auditor.code, CONCERN, "open", PENDING)
    assert flag.raised_at == NOW and flag.assignment_id == assignment.id
    view = flag_view(session, flag)
    assert view.plan_ref == plan_ref_of(session, assignment) and view.cycle_name == "Autumn audit"
    recorded = session.exec(select(TrailEntry).where(TrailEntry.table_name == "safeguardingflag")).one()
    assert recorded.after["concern"] == f"[text, {len(CONCERN)} characters]"  # never the words


def test_only_the_assigned_auditor_can_flag_and_the_concern_must_be_usable(session, assigned):
    assignment, auditor = assigned
    other = session.exec(select(Auditor).where(Auditor.id != auditor.id)).first()
    with pytest.raises(NotFound):
        raise_flag(session, assignment, other, CONCERN)
    for bad, words in (("   ", "is empty"), ("<script>x</script>", "markup"), ("=HYPERLINK(1)", "formula")):
        with pytest.raises(InputRejected, match=words):
            raise_flag(session, assignment, auditor, bad)
    assert session.exec(select(SafeguardingFlag)).all() == []


def test_the_contact_gets_one_email_at_once_with_the_plan_reference_and_the_concern(session, engine, assigned, smtp):
    controller, inbox = smtp
    assignment, auditor = assigned
    flag = raise_flag(session, assignment, auditor, CONCERN, now=NOW)
    session.commit()
    status = notify_contacts(mailer(controller.port, ["dsl@example.org", "mash@example.org"]), engine, flag.id,
                             "http://audit.example/safeguarding/1")
    assert status == SENT and len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["dsl@example.org", "mash@example.org"]
    ref = plan_ref_of(session, assignment)
    assert ref not in message["Subject"] and "Safeguarding concern" in message["Subject"]
    body = message.get_content()
    assert ref in body and CONCERN in body and auditor.code in body and "/safeguarding/1" in body and "999" in body
    session.refresh(flag)
    assert (flag.notify_status, flag.notify_attempts, flag.notify_error) == (SENT, 1, "")


def test_a_failed_email_keeps_the_flag_shows_why_and_is_retried(session, engine, assigned, smtp):
    controller, inbox = smtp
    assignment, auditor = assigned
    flag = raise_flag(session, assignment, auditor, CONCERN)
    session.commit()
    assert notify_contacts(mailer(free_port()), engine, flag.id) == FAILED  # nothing listens there
    session.refresh(flag)
    assert flag.notify_status == FAILED and "ConnectionRefusedError" in flag.notify_error and flag.notify_attempts == 1
    assert [f.id for f in needing_notification(session)] == [flag.id]
    assert retry_notifications(mailer(None), engine) == {"sent": 0, "failed": 1}
    session.refresh(flag)
    assert "EHCP_AUDIT_SMTP_HOST" in flag.notify_error and flag.notify_attempts == 2
    assert retry_notifications(mailer(controller.port), engine) == {"sent": 1, "failed": 0}
    session.refresh(flag)
    assert flag.notify_status == SENT and len(inbox.messages) == 1
    assert needing_notification(session) == [] and retry_notifications(mailer(controller.port), engine)["sent"] == 0


def test_a_send_lost_mid_way_is_retried_after_a_few_minutes(session, assigned):
    assignment, auditor = assigned
    raise_flag(session, assignment, auditor, CONCERN, now=NOW)
    session.commit()
    assert needing_notification(session, now=NOW + timedelta(minutes=1)) == []  # still being sent
    assert len(needing_notification(session, now=NOW + timedelta(minutes=6))) == 1


def test_nothing_can_be_sent_without_contacts_or_smtp():
    assert "EHCP_AUDIT_SAFEGUARDING_CONTACTS" in why_not_sendable(mailer(25, contacts=()))
    assert "EHCP_AUDIT_SMTP_HOST" in why_not_sendable(mailer(None))
    assert why_not_sendable(mailer(25)) is None


def test_follow_up_notes_then_closure_and_nothing_after(session, assigned):
    assignment, auditor = assigned
    flag = raise_flag(session, assignment, auditor, CONCERN, now=NOW)
    add_note(session, flag, "Discussed with the designated safeguarding lead.", "qa-lead", now=NOW + timedelta(hours=1))
    with pytest.raises(InputRejected, match="is empty"):
        add_note(session, flag, " ", "qa-lead")
    close_flag(session, flag, "Referred to children's social care on 2 November.", "qa-lead", now=NOW + timedelta(hours=2))
    session.commit()
    view = flag_view(session, flag)
    assert [n.note for n in view.notes] == ["Discussed with the designated safeguarding lead."]
    assert (flag.status, flag.closed_by) == ("closed", "qa-lead") and flag.closure_note.startswith("Referred")
    with pytest.raises(Conflict, match="takes no more notes"):
        add_note(session, flag, "late", "qa-lead")
    with pytest.raises(Conflict, match="already closed"):
        close_flag(session, flag, "again", "qa-lead")
    assert [v.flag.id for v in list_flags(session, flag.area_id, "closed")] == [flag.id]
    assert list_flags(session, flag.area_id, "open") == []
