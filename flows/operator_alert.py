"""The operator alert flow: email the service's operator when a flow run fails or crashes.

Triggered by an automation on every `prefect.flow-run.Failed` and `prefect.flow-run.Crashed` event
(flows/deployments.py, `operator-alert/operator-alert-on-failure`), so a chase, a board pack or a cycle that did
not run is known the same morning rather than when someone asks.
Inputs: the failed run's name, its state and the Prefect event's message (templated by the automation).
Outputs: one email to EHCP_AUDIT_OPERATOR_EMAILS over the shared SMTP sender; nothing when none is set.

It never fails itself (a failure would fire the same automation again): a send that does not go is logged.
It holds no personal data: run names carry cycle and programme numbers only.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from prefect import flow, get_run_logger

from audit.settings import Settings, get_settings
from flows.mail import send_email, smtp_configured

OWN_NAME = "operator-alert"


def alert_message(settings: Settings, flow_run_name: str, state: str, message: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = f"ehcp-audit: the flow run {flow_run_name} {state.lower()}"
    email["From"] = settings.smtp_from
    email["To"] = ", ".join(settings.operator_emails)
    email.set_content(
        f"The flow run {flow_run_name} ended {state}.\n\n{message or 'No message was recorded.'}\n\n"
        "See it in the Prefect UI or with: prefect flow-run ls --state-type FAILED. What to do: docs/operations.md, "
        "section 10.\n")
    return email


@flow(name=OWN_NAME, flow_run_name="operator-alert-{flow_run_name}", log_prints=True)
def operator_alert(flow_run_name: str, state: str = "Failed", message: str = "") -> str:
    """Email the operator(s) about one failed run; returns sent, not sent (why) or ignored."""
    if flow_run_name.startswith(OWN_NAME):
        return "ignored: an alert about an alert"
    settings = get_settings()
    if not settings.operator_emails or not smtp_configured(settings):
        print("Not emailed: set EHCP_AUDIT_OPERATOR_EMAILS and EHCP_AUDIT_SMTP_HOST")
        return "not sent: no operator address or no SMTP server"
    try:
        send_email(settings, alert_message(settings, flow_run_name, state, message), to_addrs=settings.operator_emails)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        get_run_logger().error("The operator alert for %s was not emailed: %s", flow_run_name, exc)
        return f"not sent: {type(exc).__name__}"
    return "sent"
