"""Invitations and password resets by email: single-use links that expire (issue 18).

An admin invites a person (username, work email, role and, for auditors, an auditor from the auditor list);
the person follows the emailed link and sets their own password. Anyone with an account and an email address
can ask for a reset link; an admin can force one, which also stops the old password and ends every session.
Only the SHA-256 of a link's 256-bit token is stored, so a copy of the store opens no account; a link works
once, until it expires, and sending a newer link of the same kind spends the older one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from audit.errors import AuditError
from audit.protection.users import MIN_PASSWORD_LENGTH, _hasher, create_user, sign_out_everywhere
from audit.store.models import AccountLink, Auditor, User

INVITE, RESET = "invite", "reset"
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


class LinkRefused(AuditError):
    """A link that cannot be used: `reason` is unknown, used, expired or switched_off."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_email(email: str) -> str:
    email = email.strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise AuditError("Enter an email address in the correct format, like name@example.org")
    return email


def _unusable_password() -> str:
    """A hash nobody knows the password of: an invited account cannot be signed in to until its link is used."""
    return _hasher.hash(secrets.token_urlsafe(32))


def issue_link(session: Session, user: User, purpose: str, by: str, now: datetime, lasts: timedelta) -> str:
    """A new link for the user (spending any unused one of the same kind); returns the token, shown only in the email."""
    for older in session.exec(select(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == purpose,
                                                        AccountLink.used_at.is_(None))).all():
        older.used_at = now
        session.add(older)
    token = secrets.token_urlsafe(32)  # 256 bits
    session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=_hash(token), created_at=now,
                            expires_at=now + lasts, created_by=by))
    session.flush()
    return token


def invite(session: Session, username: str, email: str, role: str, auditor_code: str | None, service: str | None,
           by: str, now: datetime, lasts: timedelta) -> tuple[User, str]:
    """A new account that cannot sign in until its owner sets a password through the invitation link."""
    email = check_email(email)
    user = create_user(session, username, secrets.token_urlsafe(24), role, auditor_code, service)
    user.password_hash, user.email = _unusable_password(), email
    session.add(user)
    return user, issue_link(session, user, INVITE, by, now, lasts)


def auditors_to_invite(session: Session, area_id: int) -> list[Auditor]:
    """The area's active auditors with an email address and no account yet, by code."""
    linked = {u.auditor_id for u in session.exec(select(User).where(User.auditor_id.is_not(None))).all()}
    auditors = session.exec(select(Auditor).where(Auditor.area_id == area_id, Auditor.active.is_(True))
                            .order_by(Auditor.code)).all()
    return [a for a in auditors if a.email and a.id not in linked]


def invite_auditor(session: Session, auditor: Auditor, by: str, now: datetime, lasts: timedelta) -> tuple[User, str]:
    """An account for an auditor from the list: their code (lower case) as username, their email, the auditor role
    (a parent carer forum auditor's role for the forum's auditors)."""
    role = "parent_carer_auditor" if auditor.agency == "parent_carer_forum" else "auditor"
    return invite(session, auditor.code.lower(), auditor.email, role, auditor.code, None, by, now, lasts)


def force_reset(session: Session, user: User, by: str, now: datetime, lasts: timedelta) -> str:
    """An admin's reset: the old password stops working, every session ends, and a reset link is issued."""
    if not user.email:
        raise AuditError(f"{user.username} has no email address to send a reset link to.")
    user.password_hash = _unusable_password()
    sign_out_everywhere(session, user)
    return issue_link(session, user, RESET, by, now, lasts)


def request_reset(session: Session, who: str, now: datetime, lasts: timedelta) -> tuple[User, str] | None:
    """A reset link for the active account with this username or email address, or None (the caller says the same
    either way, so the answer does not tell whether an account exists)."""
    who = who.strip().lower()
    if not who:
        return None
    users = session.exec(select(User).where(User.active.is_(True))).all()
    user = next((u for u in users if u.email and (u.username == who or u.email.lower() == who)), None)
    if user is None:
        return None
    return user, issue_link(session, user, RESET, "self", now, lasts)


def usable_link(session: Session, token: str, now: datetime) -> tuple[AccountLink, User]:
    """The link this token opens and its account, or LinkRefused saying why not."""
    link = session.exec(select(AccountLink).where(AccountLink.token_hash == _hash(token or ""))).first() if token else None
    user = session.get(User, link.user_id) if link else None
    if link is None or user is None:
        raise LinkRefused("unknown", "This link is not recognised. Check you copied the whole link from the email.")
    if link.used_at is not None:
        raise LinkRefused("used", "This link has already been used. Each link works once.")
    if _aware(link.expires_at) <= now:
        raise LinkRefused("expired", "This link has expired.")
    if not user.active:
        raise LinkRefused("switched_off", "This account has been switched off. Ask your admin.")
    return link, user


def set_password(session: Session, token: str, password: str, confirm: str, now: datetime) -> User:
    """Set the account's password through its link, spend the link and end every older session."""
    link, user = usable_link(session, token, now)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuditError(f"Your password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if password != confirm:
        raise AuditError("The passwords do not match. Enter the same password twice.")
    user.password_hash = _hasher.hash(password)
    link.used_at = now
    session.add(link)
    sign_out_everywhere(session, user)
    return user


def _aware(moment: datetime) -> datetime:
    """Stored times come back naive from SQLite; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
