"""People who sign in: accounts, roles, argon2 password hashes and API tokens.

Only hashes are stored: argon2id for passwords, SHA-256 for API tokens (they are long random strings, so a
fast hash is enough and lets a token be looked up by its hash).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections import Counter
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlmodel import Session, select

from audit.errors import AuditError, Conflict, NotFound
from audit.protection.permissions import AUDITOR_ROLES, ROLE_LABELS, ROLES, Role, check_role
from audit.store.models import ApiToken, Assignment, Auditor, LocalArea, Scorecard, User, WebSession
from audit.vocabulary import SERVICES, Agency, ScorecardStatus, check_auditor_code

__all__ = ["ROLES", "ROLE_LABELS"]  # re-exported: older imports read the roles from here
MIN_PASSWORD_LENGTH = 10
DEMO_PASSWORD = "demo-password-2026"  # printed by `ehcp-audit demo`; only for the synthetic area

_hasher = PasswordHasher()
# Verifying against this when the username is unknown takes as long as a real check, so timing does not
# tell an attacker which usernames exist. It is a hash of a random password nobody kept, made with the hasher's
# parameters: computing one at import cost every command that imports this module 0.1-0.2 s (issue 16).
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$aNVBmPyMexMia0bzJfX8kA$Dzh/Pqorrf2EoeXMkI/4y3qcVJFXKtB13QM4XEqSYiI"


@functools.cache
def _dummy_hash() -> str:
    """The hash verified for unknown usernames: the one above, or a new one if the hasher's parameters changed
    (a verify then costs what a real user's does, whatever argon2-cffi's defaults become)."""
    return _hasher.hash(secrets.token_urlsafe(32)) if _hasher.check_needs_rehash(_DUMMY_HASH) else _DUMMY_HASH


def _check_links(role: str, auditor_id: int | None, service: str | None) -> None:
    """Roles that grade need an auditor code; a service lead needs the service whose results they see."""
    check_role(role)
    if role in AUDITOR_ROLES and auditor_id is None:
        raise AuditError(f"A {ROLE_LABELS[role].lower()} account needs the auditor code it signs in as "
                         "(for example AUD-ED-01).")
    if role == Role.service_lead.value and service is None:
        raise AuditError("A service lead account needs its service: one of "
                         f"{', '.join(s.value for s in SERVICES)}.")


def _check_service(service: str | None) -> str | None:
    if service in (None, ""):
        return None
    if service not in {s.value for s in SERVICES}:
        raise AuditError(f"'{service}' is not a service; use one of {', '.join(s.value for s in SERVICES)}.")
    return service


def _auditor_by_code(session: Session, code: str) -> Auditor:
    check_auditor_code(code)  # the one pattern (audit.vocabulary): a malformed code is named as such, not "not found"
    auditor = session.exec(select(Auditor).where(Auditor.code == code)).first()
    if auditor is None:
        raise NotFound(f"No auditor '{code}'. Import auditors first: ehcp-audit auditors import FILE")
    return auditor


def create_user(
    session: Session, username: str, password: str, role: str, auditor_code: str | None = None,
    service: str | None = None,
) -> User:
    """Add an account; auditors link to their auditor code, service leads to their service."""
    username = username.strip().lower()
    if not username:
        raise AuditError("Enter a username.")
    check_role(role)
    service = _check_service(service)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuditError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"There is already a user called '{username}'.")
    auditor_id = _auditor_by_code(session, auditor_code).id if auditor_code else None
    _check_links(role, auditor_id, service)
    user = User(username=username, password_hash=_hasher.hash(password), role=role, auditor_id=auditor_id,
                service=service if role == Role.service_lead.value else None)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (never says which part was wrong)."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    try:
        ok = _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"No user '{username}'. 'ehcp-audit users list' lists them.")
    return user


def set_role(session: Session, user: User, role: str, auditor_code: str | None = None,
             service: str | None = None) -> User:
    """Change a user's role (an auditor keeps or gets an auditor link, a service lead a service)."""
    check_role(role)
    service = _check_service(service) or (user.service if role == Role.service_lead.value else None)
    auditor_id = _auditor_by_code(session, auditor_code).id if auditor_code else user.auditor_id
    _check_links(role, auditor_id, service)
    user.role, user.auditor_id = role, auditor_id
    user.service = service if role == Role.service_lead.value else None
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    """Switch an account on or off; off also ends its web sessions."""
    user.active = active
    session.add(user)
    if not active:
        _end_sessions_of(session, user)
    session.flush()
    return user


def list_users(session: Session) -> list[tuple[User, Auditor | None]]:
    return list(session.exec(
        select(User, Auditor).join(Auditor, Auditor.id == User.auditor_id, isouter=True).order_by(User.username)
    ).all())


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, label: str = "") -> str:
    """A new bearer token for the user; returned once, only its hash is kept."""
    token = "ehcp_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    user = session.get(User, row.user_id) if row else None
    return user if user is not None and user.active else None


def sign_out_everywhere(session: Session, user: User) -> User:
    """End every session of the user (on every device) and revoke their API tokens."""
    user.session_generation = (user.session_generation or 0) + 1
    for token in session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).all():
        session.delete(token)
    _end_sessions_of(session, user)
    session.add(user)
    session.flush()
    return user


# --- web sessions held on the server (issue 15): a signed-out cookie replayed later finds nothing ----------


def begin_web_session(session: Session, user: User, now: datetime, lasts: timedelta) -> str:
    """A new web session for the user, ending at the latest `lasts` from now; returns the id for the cookie.

    Sessions already past their end are deleted here, so the table holds only live ones (and the ended ones
    of idle browsers until their absolute limit).
    """
    session.exec(delete(WebSession).where(WebSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(user_id=user.id, token_hash=_token_hash(session_id), began_at=now, expires_at=now + lasts))
    session.flush()
    return session_id


def web_session_live(session: Session, user: User, session_id: str, now: datetime) -> bool:
    """True while the session id is the user's, not signed out and not past its end."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _token_hash(session_id))).first()
    return row is not None and row.user_id == user.id and row.expires_at > now


def end_web_session(session: Session, session_id: str) -> None:
    """Sign one session out (this browser); a copy of its cookie no longer signs anyone in."""
    session.exec(delete(WebSession).where(WebSession.token_hash == _token_hash(session_id)))


def _end_sessions_of(session: Session, user: User) -> None:
    for row in session.exec(select(WebSession).where(WebSession.user_id == user.id)).all():
        session.delete(row)



def link_sso(session: Session, user: User, subject: str | None) -> User:
    """Link (or with None, unlink) the single sign-on identity an admin checked belongs to this account."""
    subject = (subject or "").strip() or None
    if subject is not None:
        other = session.exec(select(User).where(User.sso_subject == subject, User.id != user.id)).first()
        if other is not None:
            raise Conflict(f"The sign-on identity '{subject}' is already linked to {other.username}.")
    user.sso_subject = subject
    session.add(user)
    session.flush()
    return user


def user_for_sso(session: Session, subject: str) -> User | None:
    """The active account linked to this sign-on identity, or None (accounts are never created from claims)."""
    user = session.exec(select(User).where(User.sso_subject == subject)).first() if subject else None
    return user if user is not None and user.active else None


def ensure_demo_users(session: Session, area: LocalArea, password: str = DEMO_PASSWORD) -> list[tuple[User, str]]:
    """One account per role (two auditors of different agencies, most outstanding work first); rerunnable.

    The parent carer forum auditor signs in as a parent carer forum auditor code when the area has one; the
    service lead sees health's results. Returns (user, auditor code or "") for every demo account.
    """
    rows = session.exec(
        select(Auditor, Scorecard.status)
        .join(Assignment, Assignment.auditor_id == Auditor.id)
        .join(Scorecard, Scorecard.assignment_id == Assignment.id, isouter=True)
        .where(Auditor.area_id == area.id, Assignment.active == True)  # noqa: E712
    ).all()
    open_work: Counter[str] = Counter()
    by_code: dict[str, Auditor] = {}
    for auditor, status in rows:
        by_code[auditor.code] = auditor
        open_work[auditor.code] += 0 if status == ScorecardStatus.submitted.value else 1
    chosen: list[Auditor] = []
    for code in sorted(by_code, key=lambda c: (-open_work[c], c)):
        if by_code[code].agency not in {a.agency for a in chosen}:
            chosen.append(by_code[code])
        if len(chosen) == 2:
            break
    forum = session.exec(select(Auditor).where(Auditor.area_id == area.id,
                                               Auditor.agency == Agency.parent_carer_forum.value)
                         .order_by(Auditor.code)).first()
    wanted = [(f"demo-{role.replace('_', '-')}", role, None) for role in ROLES if role not in AUDITOR_ROLES]
    wanted += [(f"demo-auditor-{a.agency.replace('_', '-')}", "auditor", a.code) for a in chosen]
    if forum is not None:
        wanted.append(("demo-parent-carer-auditor", Role.parent_carer_auditor.value, forum.code))
    accounts = []
    for username, role, code in wanted:
        service = Agency.health.value if role == Role.service_lead.value else None
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            user = create_user(session, username, password, role, code, service)
        else:
            user.password_hash = _hasher.hash(password)
            user.active = True
            set_role(session, user, role, code, service)
        accounts.append((user, code or ""))
    return accounts
