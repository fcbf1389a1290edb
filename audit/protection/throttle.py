"""Sign-in throttling: too many failed sign-ins for one username, or from one address, pause further tries.

Failures are counted over a sliding window (`login_throttle_minutes`) per account and per client address.
The account key is the username as typed, whether or not such an account exists, so the pause (and its
message) tells nobody which usernames are real. Keys are stored as SHA-256 hashes, and rows older than the
window are deleted as new failures come in. A successful sign-in clears its account's failures, not the
address's (one address guessing across many accounts stays paused).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from audit.settings import Settings
from audit.store.models import LoginFailure


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", _key("account", username.strip().lower()))]
    if address:
        keys.append(("address", _key("address", address)))
    return keys


def throttled(session: Session, settings: Settings, username: str, address: str | None, now: datetime) -> bool:
    """True when the username or the address has had too many failures within the window."""
    since = now - timedelta(minutes=settings.login_throttle_minutes)
    limits = {"account": settings.login_max_failures_per_account, "address": settings.login_max_failures_per_address}
    for kind, key in _keys(username, address):
        count = session.exec(select(func.count()).select_from(LoginFailure)
                             .where(LoginFailure.key == key, LoginFailure.at > since)).one()
        if count >= limits[kind]:
            return True
    return False


def record_failure(session: Session, settings: Settings, username: str, address: str | None, now: datetime) -> None:
    """Count one failed sign-in against the username and the address; forget failures past the window."""
    session.exec(delete(LoginFailure).where(
        LoginFailure.at <= now - timedelta(minutes=settings.login_throttle_minutes)))
    for kind, key in _keys(username, address):
        session.add(LoginFailure(kind=kind, key=key, at=now))
    session.flush()


def clear_account(session: Session, username: str) -> None:
    """After a successful sign-in: the account's earlier failures no longer count."""
    session.exec(delete(LoginFailure).where(LoginFailure.key == _key("account", username.strip().lower())))
