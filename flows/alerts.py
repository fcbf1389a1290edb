"""Safeguarding alerts: email the designated contact(s) at once and record the outcome. Plain I/O, no Prefect.

Called by the web page and the API the moment a flag is recorded (outside the audit cycle, waiting for no
flow), by `ehcp-audit safeguarding notify`, and by the safeguarding-alerts flow (flows/safeguarding.py),
which retries every failed or lost send on a schedule. The flag is committed before the email is tried, so
a failed email never loses it; the failure is recorded on the flag and shown to the QA lead.
"""

from __future__ import annotations

import smtplib

from sqlalchemy.engine import Engine

from audit.protection.safeguarding import SENT, flag_view, get_flag, needing_notification, record_notification
from audit.settings import Settings
from audit.store.db import transaction
from flows.mail import safeguarding_message, send_email, smtp_configured


def why_not_sendable(settings: Settings) -> str | None:
    """Why no alert can be sent with these settings, or None."""
    if not settings.safeguarding_contacts:
        return "no designated safeguarding contact is set (EHCP_AUDIT_SAFEGUARDING_CONTACTS)"
    if not smtp_configured(settings):
        return "no SMTP server is set (EHCP_AUDIT_SMTP_HOST)"
    return None


def notify_contacts(settings: Settings, engine: Engine, flag_id: int, flag_url: str | None = None) -> str:
    """Email the designated contact(s) about one flag now; record the attempt; return sent or failed."""
    with transaction(engine) as session:
        view = flag_view(session, get_flag(session, flag_id))
        flag = view.flag
        message = safeguarding_message(settings, settings.safeguarding_contacts, view.plan_ref, view.cycle_name,
                                       flag.raised_by, flag.raised_at, flag.concern, flag_url)
    error = why_not_sendable(settings)
    if error is None:
        try:  # outside any transaction: a slow server holds no lock on the store
            send_email(settings, message, to_addrs=settings.safeguarding_contacts)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
    with transaction(engine) as session:
        return record_notification(session, get_flag(session, flag_id), error).notify_status


def retry_notifications(settings: Settings, engine: Engine) -> dict[str, int]:
    """Try again every flag whose contact has not been emailed; counts of sent and still failing."""
    with transaction(engine) as session:
        waiting = [f.id for f in needing_notification(session)]
    counts = {"sent": 0, "failed": 0}
    for flag_id in waiting:
        counts["sent" if notify_contacts(settings, engine, flag_id) == SENT else "failed"] += 1
    return counts
