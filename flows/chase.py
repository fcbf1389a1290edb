"""The daily chase: remind auditors of scorecards due soon or overdue, and tell agency leads of long-overdue ones.

Each rule (audit.cycle.chasing.chase_rules) finds what to chase; chases are grouped into one email per recipient and
rule; each group is claimed, sent and marked in that order, each in its own transaction (see audit/cycle/chasing.py
for why that makes every reminder go at most once, even when the flow is rerun or killed mid-send). Scheduled
daily by flows/deployments.py; `ehcp-audit chase run` runs it by hand.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from audit import clock
from audit.cycle.chasing import Chase, chase_rules, claim, finish, mark_interrupted
from audit.settings import Settings, get_settings
from flows.mail import chase_message, send_email, smtp_configured
from flows.runtime import store_settings
from flows.steps import crash_point, step_transaction


@task(name="find-chases", cache_policy=NO_CACHE)
def find_step(settings: Settings, today: date) -> list[tuple[str, str, list[Chase]]]:
    """(rule key, email subject, chases) for every rule, and rows left mid-send by a dead run marked unknown."""
    with step_transaction(settings, "find-chases") as session:
        mark_interrupted(session)
        return [(rule.key, rule.subject, rule.find(session, today)) for rule in chase_rules(settings)]


@task(name="chase-recipient", cache_policy=NO_CACHE)
def chase_step(settings: Settings, subject: str, recipient: str | None, chases: list[Chase]) -> str:
    """Claim, send and mark one email's chases; returns how it ended (or 'already' when nothing was left)."""
    with step_transaction(settings, "claim") as session:
        claimed = claim(session, chases)
    if not claimed:
        return "already"
    if recipient is None:
        status, error = "no_address", "No email address is known for this recipient."
    elif not smtp_configured(settings):
        status, error = "no_smtp", "No SMTP server is configured (EHCP_AUDIT_SMTP_HOST)."
    else:
        try:
            send_email(settings, chase_message(settings, recipient, subject, [c.line for c in claimed.values()]),
                       to_addrs=[recipient])
            status, error = "sent", None
        except (OSError, smtplib.SMTPException) as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        crash_point("chase-recipient", "after-send")
    with step_transaction(settings, "mark") as session:
        finish(session, list(claimed), status, error)
    return status


@flow(name="chase", flow_run_name="chase-{today}", log_prints=True)
def chase(today: date | None = None, database_url: str | None = None, data_dir: str | None = None) -> dict:
    """Send today's reminders and escalations; safe to rerun (nothing is sent twice)."""
    settings = store_settings(get_settings(), database_url, data_dir)
    today = today or clock.today()
    outcome: dict[str, int] = defaultdict(int)
    for _rule_key, subject, chases in find_step(settings, today):
        by_recipient: dict[str | None, list[Chase]] = defaultdict(list)
        for c in chases:
            by_recipient[c.recipient].append(c)
        for recipient, group in sorted(by_recipient.items(), key=lambda item: item[0] or ""):
            outcome[chase_step(settings, subject, recipient, group)] += 1
    outcome.pop("already", None)
    print(f"Chase for {today}: " + (", ".join(f"{n} {status}" for status, n in sorted(outcome.items()))
                                    or "nothing to chase"))
    return dict(outcome)
