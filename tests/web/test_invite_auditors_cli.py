"""`ehcp-audit users invite-auditors`: every listed auditor with an email and no account is invited by email,
through a real SMTP server on loopback (issue 18, for issue 24's bulk set-up)."""

from __future__ import annotations

import re

from sqlmodel import select

from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import AccountLink, Auditor, User
from tests.smtp_server import smtp  # noqa: F401  (fixture)
from tests.web.conftest import run_cli


def accounts(settings) -> dict[str, str]:
    with transaction(engine_from_settings(settings)) as session:
        return {u.username: session.get(Auditor, u.auditor_id).code
                for u in session.exec(select(User).where(User.auditor_id.is_not(None))).all()}


def test_invite_auditors_emails_each_auditor_without_an_account_once(cli_store, smtp, monkeypatch):
    controller, inbox = smtp
    before = accounts(cli_store)
    dry = run_cli("users", "invite-auditors", "--dry-run")
    assert dry.exit_code == 0 and "Would be invited" in dry.output
    waiting = re.findall(r"(AUD-[A-Z0-9-]+)", dry.output)
    assert waiting and not set(waiting) & set(before.values()), "auditors who have an account are left out"
    assert inbox.messages == []

    refused = run_cli("users", "invite-auditors")
    assert refused.exit_code == 1 and "set EHCP_AUDIT_SMTP_HOST and EHCP_AUDIT_WEB_BASE_URL" in refused.output

    monkeypatch.setenv("EHCP_AUDIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EHCP_AUDIT_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("EHCP_AUDIT_WEB_BASE_URL", "https://audit.example.org")
    get_settings.cache_clear()
    result = run_cli("users", "invite-auditors")
    assert result.exit_code == 0, result.output
    assert f"Invited {len(waiting)} auditors" in result.output
    assert sorted(rcpt[0] for rcpt, _ in inbox.messages) == sorted(f"{code.lower()}@example.invalid" for code in waiting)
    body = inbox.messages[0][1].get_content()
    assert re.search(r"https://audit\.example\.org/account/set-password\?token=[\w-]{43}", body)
    after = accounts(cli_store)
    assert {after[code.lower()] for code in waiting} == set(waiting), "each account linked to its auditor"
    with transaction(engine_from_settings(cli_store)) as session:
        assert len(session.exec(select(AccountLink)).all()) == len(waiting)

    again = run_cli("users", "invite-auditors")
    assert again.exit_code == 0 and "nobody to invite" in again.output and len(inbox.messages) == len(waiting)
