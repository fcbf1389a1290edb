"""The operator alert flow's own rules (its automation is tested on a real server in board_pack_trigger.feature)."""

from __future__ import annotations

import pytest
from prefect.logging import disable_run_logger

import flows.operator_alert as module
from audit.settings import Settings
from tests.smtp_server import free_port, smtp  # noqa: F401  (a fixture)


@pytest.fixture
def settings_with(monkeypatch, tmp_path):
    def use(**values) -> None:
        monkeypatch.setattr(module, "get_settings", lambda: Settings(data_dir=tmp_path, **values))
    return use


def test_an_alert_about_an_alert_is_ignored(settings_with):
    settings_with(operator_emails=["ops@example.org"], smtp_host="127.0.0.1")
    assert module.operator_alert.fn("operator-alert-chase-1", "Failed", "boom").startswith("ignored")


def test_nothing_is_sent_without_an_operator_address(settings_with):
    settings_with(smtp_host="127.0.0.1")
    assert module.operator_alert.fn("chase-2026-12-04", "Failed", "boom").startswith("not sent")


def test_an_smtp_server_that_is_down_never_fails_the_alert(settings_with):
    settings_with(operator_emails=["ops@example.org"], smtp_host="127.0.0.1", smtp_port=free_port())
    with disable_run_logger():
        assert module.operator_alert.fn("chase-2026-12-04", "Crashed", "").startswith("not sent: ")


def test_the_operator_gets_the_run_name_state_and_message(settings_with, smtp):
    controller, inbox = smtp
    settings_with(operator_emails=["ops@example.org"], smtp_host="127.0.0.1", smtp_port=controller.port)
    assert module.operator_alert.fn("board-pack-3-None", "Failed", "No cycle 3.") == "sent"
    (recipients, message), = inbox.messages
    assert recipients == ["ops@example.org"]
    assert message["Subject"] == "ehcp-audit: the flow run board-pack-3-None failed"
    assert "No cycle 3." in message.get_content()
