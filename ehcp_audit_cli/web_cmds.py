"""Commands for the web app: serve it, and manage the people who sign in to it."""

from __future__ import annotations

import copy
import ipaddress
import os
import signal
import sys

import typer

from audit.protection.permissions import ROLES, Permission
from audit.vocabulary import SERVICES, label
from ehcp_audit_cli.common import console, friendly, needs, settings, store
from ehcp_audit_cli.tables import words_table

users_app = typer.Typer(help="Accounts for the web app and API: add users, change roles, issue API tokens.",
                        no_args_is_help=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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

    from audit.store.db import engine_from_settings, forget_engine
    from flows.runtime import shared_prefect_server
    from web.app import create_app, secret_key

    s = settings()
    if s.cookie_secure is None:
        # Plain HTTP is only acceptable on this machine; anywhere else cookies need HTTPS.
        s = s.model_copy(update={"cookie_secure": not is_loopback(host)})
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
