"""People who sign in: accounts, roles, argon2 password hashes and API tokens.

Only hashes are stored: argon2id for passwords, SHA-256 for API tokens (they are long random strings, so a
fast hash is enough and lets a token be looked up by its hash).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from audit.codes import ScorecardStatus
from audit.errors import AuditError, Conflict, NotFound
from audit.models import ApiToken, Assignment, Auditor, LocalArea, Scorecard, User

ROLES = ("qa_lead", "auditor", "moderator", "service_lead", "board_member", "admin")
ROLE_LABELS = {
    "qa_lead": "QA lead",
    "auditor": "Auditor",
    "moderator": "Moderator",
    "service_lead": "Service lead",
    "board_member": "Board member",
    "admin": "Admin",
}
MIN_PASSWORD_LENGTH = 10
DEMO_PASSWORD = "demo-password-2026"  # printed by `ehcp-audit demo`; only for the synthetic area

_hasher = PasswordHasher()
# Verifying against this when the username is unknown takes as long as a real check, so timing does not
# tell an attacker which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuditError(f"'{role}' is not a role; use one of {', '.join(ROLES)}.")
    return role


def _auditor_by_code(session: Session, code: str) -> Auditor:
    auditor = session.exec(select(Auditor).where(Auditor.code == code)).first()
    if auditor is None:
        raise NotFound(f"No auditor '{code}'. Import auditors first: ehcp-audit auditors import FILE")
    return auditor


def create_user(
    session: Session, username: str, password: str, role: str, auditor_code: str | None = None
) -> User:
    """Add an account; auditors must be linked to their auditor code."""
    username = username.strip().lower()
    if not username:
        raise AuditError("Enter a username.")
    _check_role(role)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuditError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"There is already a user called '{username}'.")
    if role == "auditor" and not auditor_code:
        raise AuditError("An auditor account needs the auditor code it signs in as (for example AUD-ED-01).")
    auditor_id = _auditor_by_code(session, auditor_code).id if auditor_code else None
    user = User(username=username, password_hash=_hasher.hash(password), role=role, auditor_id=auditor_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (never says which part was wrong)."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
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


def set_role(session: Session, user: User, role: str, auditor_code: str | None = None) -> User:
    """Change a user's role (an auditor keeps or gets an auditor link)."""
    user.role = _check_role(role)
    if auditor_code:
        user.auditor_id = _auditor_by_code(session, auditor_code).id
    if role == "auditor" and user.auditor_id is None:
        raise AuditError("An auditor account needs the auditor code it signs in as (for example AUD-ED-01).")
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    user.active = active
    session.add(user)
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


def ensure_demo_users(session: Session, area: LocalArea, password: str = DEMO_PASSWORD) -> list[tuple[User, str]]:
    """One account per role (two auditors of different agencies, most outstanding work first); rerunnable.

    Returns (user, auditor code or "") for every demo account.
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
    wanted = [(f"demo-{role.replace('_', '-')}", role, None) for role in ROLES if role != "auditor"]
    wanted += [(f"demo-auditor-{a.agency.replace('_', '-')}", "auditor", a.code) for a in chosen]
    accounts = []
    for username, role, code in wanted:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            user = create_user(session, username, password, role, code)
        else:
            user.password_hash = _hasher.hash(password)
            user.active = True
            set_role(session, user, role, code)
        accounts.append((user, code or ""))
    return accounts
