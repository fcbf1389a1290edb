"""Commands for the web app: serve it, and manage the people who sign in to it."""

from __future__ import annotations

import copy
import ipaddress
import os
import signal
import sys
from typing import TYPE_CHECKING

import typer

from audit.errors import AuditError
from audit.protection.permissions import ROLES, Permission
from audit.vocabulary import SERVICES, label
from ehcp_audit_cli.common import console, friendly, needs, settings, store
from ehcp_audit_cli.tables import words_table

if TYPE_CHECKING:
    from audit.settings import Settings

users_app = typer.Typer(help="Accounts for the web app and API: add users, change roles, issue API tokens.",
                        no_args_is_help=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_settings(s: Settings, host: str) -> Settings:
    """The settings `serve` runs with: cookies Secure (and HSTS sent) unless EHCP_AUDIT_COOKIE_SECURE says otherwise,
    except for plain HTTP on loopback outside production. In production the app is behind a TLS proxy even when
    it listens on loopback, so a loopback address is no sign of plain HTTP there."""
    if s.cookie_secure is None:
        return s.model_copy(update={"cookie_secure": s.production or not is_loopback(host)})
    return s


SERVICE_HELP = f"The service a service lead sees results for: {', '.join(s.value for s in SERVICES)}."


@friendly
@needs(Permission.operate_service)
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; loopback by default."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes; one per core serves more auditors at once."),
) -> None:
    """Start the web app (pages for each role and the JSON API at /api/v1, docs at /api/docs)."""
    import uvicorn

    from audit.store.db import engine_from_settings, forget_engine, require_store
    from flows.runtime import shared_prefect_server
    from web.app import create_app, missing_assets, secret_key

    s = serve_settings(settings(), host)
    if problem := missing_assets():
        raise AuditError(problem)
    if s.production:
        require_store(s)  # a missing, empty or unreachable database stops here, naming the setting to set
    proxies = "from " + ", ".join(s.trusted_proxies) if s.trusted_proxies else "ignored"
    console.print(f"Serving on http://{host}:{port}/ with {workers} process{'es' if workers > 1 else ''} (secure "
                  f"cookies: {'on' if s.cookie_secure else 'off, loopback only'}; proxy headers: {proxies}). "
                  "Press Ctrl+C to stop.")
    if os.environ.get("FORWARDED_ALLOW_IPS"):
        console.print("FORWARDED_ALLOW_IPS is not used: name the proxies in EHCP_AUDIT_TRUSTED_PROXIES.")
    # The app applies EHCP_AUDIT_TRUSTED_PROXIES itself; uvicorn's own proxy handling stays off, as it
    # would believe X-Forwarded-For from any loopback peer (and FORWARDED_ALLOW_IPS) by default.
    options = {"host": host, "port": port, "log_level": "warning", "proxy_headers": False, "log_config": log_config()}
    # The cycle flows the web app triggers share one Prefect server that this process starts and stops (unless one
    # is configured): a web worker stopped by SIGTERM never stops a server of its own (docs/production.md).
    with shared_prefect_server(s) as prefect_api:
        if prefect_api:
            console.print(f"Cycle flows run here, on a temporary Prefect server stopped with this one ({prefect_api}).",
                          highlight=False)
        _exit_cleanly_on_sigterm()
        if workers == 1:
            uvicorn.run(create_app(s), **options)
            return
        # Each worker process builds its own app from the environment, so what was decided here travels there:
        # the cookie setting, and the session key, generated now (if not configured) so every worker signs with
        # it. The schema is made current here too, once, rather than by every worker racing to do it.
        secret_key(s)
        engine_from_settings(s)
        forget_engine(s.resolved_database_url)  # each worker opens its own connections
        os.environ["EHCP_AUDIT_COOKIE_SECURE"] = "true" if s.cookie_secure else "false"
        uvicorn.run("web.app:app_from_environment", factory=True, workers=workers, **options)


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM unwinds this process (SystemExit) instead of ending it on the spot, so what it started is stopped.

    uvicorn shuts down gracefully on SIGTERM, then raises it again with the handler that was there before it:
    Python's default for SIGTERM ends the process at once, skipping `finally` blocks and exit handlers."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def log_config() -> dict:
    """uvicorn's logging, plus the app's own errors (web.errors: each server error's reference and traceback)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["web"] = {"()": "uvicorn.logging.DefaultFormatter",
                                   "fmt": "%(levelprefix)s %(asctime)s %(name)s: %(message)s"}
    config["handlers"]["web"] = {"formatter": "web", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    config["loggers"]["web"] = {"handlers": ["web"], "level": "INFO", "propagate": False}
    return config


@users_app.command("add")
@friendly
@needs(Permission.manage_users)
def users_add(
    username: str = typer.Argument(..., help="The name the person signs in with."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    auditor: str | None = typer.Option(None, "--auditor", help="Auditor code this account grades as (auditors)."),
    service: str | None = typer.Option(None, "--service", help=SERVICE_HELP),
    password: str | None = typer.Option(None, "--password", help="Password (at least 10 characters); asked for if omitted."),
) -> None:
    """Add a user who can sign in to the web app."""
    from audit.protection.users import create_user

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with store() as session:
        user = create_user(session, username, password, role, auditor, service)
        console.print(f"Added {user.username} ({role}{', auditor ' + auditor if auditor else ''}).")


@users_app.command("list")
@friendly
@needs(Permission.manage_users)
def users_list() -> None:
    """List users, their roles and auditor codes."""
    from audit.protection.users import list_users

    with store() as session:
        table = words_table("Username", "Role", "Auditor", "Active", title="Accounts")
        for user, aud in list_users(session):
            table.add_row(user.username, label(user.role, "role"), aud.code if aud else "", "yes" if user.active else "no")
        console.print(table)


@users_app.command("set-role")
@friendly
@needs(Permission.manage_users)
def users_set_role(
    username: str = typer.Argument(..., help="The user."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    auditor: str | None = typer.Option(None, "--auditor", help="Auditor code (when the new role is auditor)."),
    service: str | None = typer.Option(None, "--service", help=SERVICE_HELP),
) -> None:
    """Change a user's role."""
    from audit.protection.users import get_user, set_role

    with store() as session:
        set_role(session, get_user(session, username), role, auditor, service)
    console.print(f"{username} is now {role}.")


@users_app.command("deactivate")
@friendly
@needs(Permission.manage_users)
def users_deactivate(username: str = typer.Argument(..., help="The user.")) -> None:
    """Switch an account off (it can no longer sign in or use its API tokens)."""
    from audit.protection.users import get_user, set_active

    with store() as session:
        set_active(session, get_user(session, username), False)
    console.print(f"{username} can no longer sign in.")


@users_app.command("token")
@friendly
@needs(Permission.manage_users)
def users_token(
    username: str = typer.Argument(..., help="The user the token acts as."),
    label: str = typer.Option("", "--label", help="What the token is for, e.g. 'case management system'."),
) -> None:
    """Issue an API bearer token for a user; it is shown once, only its hash is kept."""
    from audit.protection.users import create_api_token, get_user

    with store() as session:
        token = create_api_token(session, get_user(session, username), label)
    console.print(token, highlight=False, soft_wrap=True)


@users_app.command("sign-out-everywhere")
@friendly
@needs(Permission.manage_users)
def users_sign_out_everywhere(username: str = typer.Argument(..., help="The user.")) -> None:
    """End every web session of a user, on every device, and revoke their API tokens."""
    from audit.protection.users import get_user, sign_out_everywhere

    with store() as session:
        sign_out_everywhere(session, get_user(session, username))
    console.print(f"{username} is signed out everywhere; their API tokens no longer work.")


@users_app.command("link-sso")
@friendly
@needs(Permission.manage_users)
def users_link_sso(
    username: str = typer.Argument(..., help="The user."),
    subject: str | None = typer.Option(None, "--subject", help="The identity's subject claim at the provider "
                                          "(Entra ID: the object id, oid). Leave out to unlink."),
) -> None:
    """Link a user to their single sign-on identity (checked by you; roles never come from the provider)."""
    from audit.protection.users import get_user, link_sso

    with store() as session:
        link_sso(session, get_user(session, username), subject)
    console.print(f"{username} {'signs in as ' + subject if subject else 'has no single sign-on identity'}.")


@users_app.command("invite-auditors")
@friendly
@needs(Permission.manage_users)
def users_invite_auditors(
    dry_run: bool = typer.Option(False, "--dry-run", help="List who would be invited; send nothing."),
) -> None:
    """Invite every auditor on the area's auditor list who has an email address and no account yet.

    Each gets an account named by their auditor code and an email with a single-use link to set their own
    password (EHCP_AUDIT_INVITE_LINK_HOURS). Needs EHCP_AUDIT_SMTP_HOST and EHCP_AUDIT_WEB_BASE_URL."""
    from datetime import timedelta

    from audit import clock
    from audit.cycle.lifecycle import get_area
    from audit.errors import AuditError
    from audit.protection.account_links import INVITE, auditors_to_invite, invite_auditor
    from flows.mail import account_link_message, send_email, smtp_configured

    config = settings()
    with store() as session:
        waiting = [(a.code, a.email) for a in auditors_to_invite(session, get_area(session, config.area_code).id)]
    if not waiting:
        console.print("Every auditor with an email address already has an account; nobody to invite.")
        return
    if dry_run:
        table = words_table("Auditor", "Email", title="Would be invited")
        for code, email in waiting:
            table.add_row(code, email)
        console.print(table)
        return
    if not smtp_configured(config) or not config.web_base_url:
        raise AuditError("Invitations are emailed with a link to the service: set EHCP_AUDIT_SMTP_HOST and "
                         "EHCP_AUDIT_WEB_BASE_URL (e.g. https://audit.example.org), then run this again.")
    lasts, sent, failed = timedelta(hours=config.invite_link_hours), 0, []
    for code, email in waiting:
        try:  # one unit of work per auditor: an invitation whose email fails is not recorded
            with store() as session:
                auditor = next(a for a in auditors_to_invite(session, get_area(session, config.area_code).id)
                               if a.code == code)
                user, token = invite_auditor(session, auditor, "cli", clock.now(), lasts)
                url = f"{config.web_base_url.rstrip('/')}/account/set-password?token={token}"
                send_email(config, account_link_message(config, email, INVITE, user.username, url, clock.now() + lasts))
            sent += 1
        except (OSError, AuditError) as exc:
            failed.append(f"{code}: {exc}")
    console.print(f"Invited {sent} auditor{'s' if sent != 1 else ''}; each link works once, for "
                  f"{config.invite_link_hours} hours.")
    if failed:
        console.print("Not invited (run this again to retry):\n" + "\n".join(failed), highlight=False)
        raise typer.Exit(1)
