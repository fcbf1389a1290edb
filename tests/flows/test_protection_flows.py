"""The retention-purge and safeguarding-alerts flows in Prefect's local mode: what a schedule would run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

import audit.clock
from audit.protection.safeguarding import raise_flag, record_notification
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import (
    Assignment,
    Auditor,
    CriterionGrade,
    PurgeRecord,
    SafeguardingFlag,
)
from tests.factories import ROOT
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)
from tests.unit.test_retention import grade_with_comments

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]
LONG_AGO = audit.clock.now() - timedelta(days=3 * 365)


@pytest.fixture
def store(tmp_path):
    from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
    from tests.factories import make_auditor_pool, make_plan, whole_plan_rubric

    settings = Settings(data_dir=tmp_path / "data", rubrics_dir=ROOT / "rubrics")
    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, "LOCAL", create=True)
        make_auditor_pool(session, area, per_agency=1)
        for _ in range(2):
            make_plan(session, area)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Old cycle", sample_size=2,
                             due_date=audit.clock.today() + timedelta(days=10))
        open_cycle(session, cycle)
        assignment = session.exec(select(Assignment).order_by(Assignment.id)).first()
        grade_with_comments(session, assignment, LONG_AGO)
        flag = raise_flag(session, assignment, session.get(Auditor, assignment.auditor_id), "Seen in section B.")
        record_notification(session, flag, "ConnectionRefusedError: the server was down")
    return settings


def run_flow(flow, settings, **overrides):
    return flow(database_url=settings.resolved_database_url, data_dir=str(settings.data_dir), **overrides)


def test_the_retention_flow_purges_and_records_itself_as_the_actor(prefect_harness, store):
    from flows.retention import retention_purge

    lines = run_flow(retention_purge, store)
    assert any(line.startswith("purged") and "scorecard comments" in line for line in lines)
    with transaction(engine_from_settings(store)) as session:
        assert session.exec(select(CriterionGrade).where(CriterionGrade.comment != "")).all() == []
        records = session.exec(select(PurgeRecord)).all()
        assert {r.by for r in records} == {"flow:retention-purge"} and len(records) == 5  # one per kind


def test_the_alerts_flow_retries_failed_alerts_and_fails_while_it_cannot_send(prefect_harness, store, smtp,
                                                                             monkeypatch):
    from audit.settings import get_settings
    from flows.safeguarding import safeguarding_alerts

    controller, inbox = smtp
    monkeypatch.setenv("EHCP_AUDIT_SAFEGUARDING_CONTACTS", '["dsl@example.org"]')
    monkeypatch.setenv("EHCP_AUDIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EHCP_AUDIT_SMTP_PORT", str(free_port()))
    get_settings.cache_clear()
    try:
        with pytest.raises(Exception, match="could not be emailed"):
            run_flow(safeguarding_alerts, store)
        monkeypatch.setenv("EHCP_AUDIT_SMTP_PORT", str(controller.port))
        get_settings.cache_clear()
        assert run_flow(safeguarding_alerts, store) == {"sent": 1, "failed": 0}
    finally:
        get_settings.cache_clear()
    assert len(inbox.messages) == 1 and inbox.messages[0][0] == ["dsl@example.org"]
    with transaction(engine_from_settings(store)) as session:
        flag = session.exec(select(SafeguardingFlag)).one()
        assert (flag.notify_status, flag.notify_attempts) == ("sent", 3)
