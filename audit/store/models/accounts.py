"""People who sign in: accounts, API tokens, web sessions held on the server and failed sign-ins (for throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from audit.store.models.base import utcnow


class User(SQLModel, table=True):
    """Someone who signs in to the web app or calls the API; auditors link to their `Auditor` code."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True)
    password_hash: str
    role: str = Field(description="audit.protection.permissions.Role: qa_lead, auditor, moderator, service_lead, board_member, "
                                  "parent_carer_auditor, admin, send_strategic_lead")
    auditor_id: int | None = Field(default=None, foreign_key="auditor.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Access control and sign-in (issue 7); nullable so older database files gain them (audit.store.db).
    service: str | None = Field(default=None, description="A service lead's agency (audit.vocabulary.SERVICES): "
                                                             "the results they may see.")
    session_generation: int | None = Field(default=0, description="Raised by 'sign out everywhere': sessions "
                                                                     "issued under an older value stop working.")
    sso_subject: str | None = Field(default=None, unique=True, index=True,
                                       description="The single sign-on identity (OIDC claim) linked by an admin.")
    # Issue 18: invitations and password resets by email (a work address; use a role mailbox where possible).
    email: str | None = Field(default=None, description="Where invitation and password reset links are sent.")


class AccountLink(SQLModel, table=True):
    """A single-use link emailed to a person: an invitation to set their first password, or a password reset.

    Only the SHA-256 of the link's token is stored (the token is 256 random bits); it expires, and it is spent
    when used or when a newer link of the same kind is sent (audit.protection.account_links).
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    purpose: str = Field(description="invite or reset")
    token_hash: str = Field(unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = Field(default=None, description="When it was used or replaced; a link works once.")
    created_by: str = Field("", description="Who sent it: an admin's username, or 'self' for a reset the person asked for.")


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    label: str = ""
    created_at: datetime = Field(default_factory=utcnow)




class WebSession(SQLModel, table=True):
    """A signed-in web session (issue 15): the cookie names it, so signing out ends it on the server too.

    The cookie carries a random session id; only its SHA-256 is stored (`token_hash`, so the audit trail
    shows it as a secret). Signing out deletes the row and "sign out everywhere" deletes every row of the
    account, so a copy of the cookie replayed later finds nothing. Rows past `expires_at` (the absolute
    session limit) are deleted as new sessions begin.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    began_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, counted per account and per client address to throttle guessing.

    `key` is a SHA-256 of the kind and the username or address, so the table holds no addresses in clear;
    rows older than the throttling window are deleted as new failures come in.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(description="account or address")
    key: str = Field(index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
