"""The one SMTP sender: the board pack (flows/board_pack.py), auditor reminders (web/qa.py), the daily chase
(flows/chase.py) and safeguarding alerts (flows/alerts.py) all use it.

Plain I/O, no Prefect and no domain rules: build an `EmailMessage`, then `send_email`. Settings:
EHCP_AUDIT_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, _FROM.
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from audit.settings import Settings
from audit.words import day, moment


def smtp_configured(settings: Settings) -> bool:
    """Email can be sent only when an SMTP host is set."""
    return bool(settings.smtp_host)


def send_email(settings: Settings, message: EmailMessage, to_addrs: list[str] | None = None) -> None:
    """Send over SMTP with the configured host, port, STARTTLS and login; raises OSError/SMTPException on failure."""
    if not settings.smtp_host:
        raise ValueError("No SMTP host configured: set EHCP_AUDIT_SMTP_HOST")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message, to_addrs=to_addrs)


def reminder_message(settings: Settings, to: str, cycle_name: str, items: list, my_audits_url: str) -> EmailMessage:
    """A reminder to one auditor: their outstanding plan references (pseudonymised), sections and due dates.

    `items` holds (plan_ref, sections, due_date) tuples; no other detail of the child or the plan is included.
    """
    message = EmailMessage()
    message["Subject"] = f"Reminder: {len(items)} audit scorecard(s) outstanding in {cycle_name}"
    message["From"] = settings.smtp_from
    message["To"] = to
    lines = [f"- {ref}: {', '.join(sections) or 'all sections'}, due {day(due)}"
             for ref, sections, due in items]
    message.set_content(
        f"You have {len(items)} audit scorecard(s) not yet submitted in {cycle_name}:\n\n" + "\n".join(lines)
        + f"\n\nOpen them in My audits: {my_audits_url}\n")
    return message


def chase_message(settings: Settings, to: str, subject: str, lines: list[str]) -> EmailMessage:
    """A chase email (audit/cycle/chasing.py): one line per assignment, pseudonymised references only."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = to
    link = f"\n\nOpen them in My audits: {settings.web_base_url.rstrip('/')}/my-audits" if settings.web_base_url else ""
    message.set_content("These audit scorecards are not yet submitted:\n\n" + "\n".join(f"- {line}" for line in lines)
                        + link + "\n\nThis is an automatic message from ehcp-audit; you get it once for each item.\n")
    return message


def safeguarding_message(settings: Settings, to: list[str], plan_ref: str, cycle_name: str, raised_by: str,
                         raised_at: datetime, concern: str, flag_url: str | None) -> EmailMessage:
    """The alert to the designated safeguarding contact(s): the plan by its pseudonymised reference and the concern.

    The subject names no plan or child; the body carries what the contact needs to act at once.
    """
    message = EmailMessage()
    message["Subject"] = "Safeguarding concern raised during an EHC plan audit"
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    where = f"Open it to record follow-up and close it: {flag_url}\n" if flag_url else (
        "Follow it up under Safeguarding in the audit service.\n")
    message.set_content(
        f"An auditor ({raised_by}) raised a safeguarding concern on {moment(raised_at)} while "
        f"reviewing plan {plan_ref} in {cycle_name}.\n\nConcern:\n{concern}\n\n{where}\n"
        "Find the child from the plan reference in your case management system. If a child may be in immediate "
        "danger, call the police on 999.\n")
    return message


def account_link_message(settings: Settings, to: str, purpose: str, username: str, url: str,
                         expires: datetime) -> EmailMessage:
    """An invitation to set a first password, or a password reset link (audit.protection.account_links)."""
    message = EmailMessage()
    message["From"], message["To"] = settings.smtp_from, to
    service = settings.service_name
    if purpose == "invite":
        message["Subject"] = f"You have been invited to {service}"
        opening = (f"{settings.organisation_name} has set up an account for you on {service}.\n\n"
                   f"Your username is: {username}\n\nSet your password with this link:")
    else:
        message["Subject"] = f"Reset your password for {service}"
        opening = (f"Someone asked to reset the password of the account {username} on {service}, or an admin "
                   "asked you to set a new one.\n\nSet a new password with this link:")
    message.set_content(
        f"{opening}\n\n{url}\n\nThe link works once, until {moment(expires)}. If you did not expect this email, "
        f"you can ignore it; nothing changes until the link is used.\n\nHelp: {settings.contact_email}\n")
    return message


def survey_link_message(settings: Settings, to: str, audience: str, link: str, short_address: str, code: str,
                        expires: datetime) -> EmailMessage:
    """A family's (or young person's) personal survey link (issue 21): what it is for, the link, the code to type,
    when it expires. It names no plan, child or school: an email can be read by someone else in the house."""
    message = EmailMessage()
    message["From"], message["To"] = settings.smtp_from, to
    who = settings.organisation_name
    if audience == "young_person":
        message["Subject"] = "Tell us what you think of your plan"
        opening = (f"{who} would like to know what you think of your EHC plan. It takes about 5 minutes. You do "
                   "not have to answer, and nobody will be cross whatever you say.")
    else:
        message["Subject"] = "A short survey about your child's EHC plan"
        opening = (f"{who} checks the quality of education, health and care plans with partners, including the "
                   "parent carer forum. We would like to know what you think of your child's plan: a few "
                   "statements to agree or disagree with, and space to say more. It takes about 5 minutes.")
    message.set_content(
        f"{opening}\n\nOpen your personal link:\n{link}\n\nOr go to {short_address} and type the code {code}.\n\n"
        f"The link works once, until {day(expires.date())}. Please do not pass it on. If you did not expect this "
        f"email, you can ignore it.\n\nQuestions: {settings.contact_email}\n")
    return message


def send_survey_links(settings: Settings, messages: list[tuple[str, EmailMessage]]) -> list[str]:
    """Send each (plan reference, message) over one connection; the plan references whose message failed."""
    failed = []
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        for plan_ref, message in messages:
            try:
                smtp.send_message(message)
            except smtplib.SMTPException:  # one refused address must not stop the others
                failed.append(plan_ref)
    return failed
