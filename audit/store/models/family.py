"""Family voice (issue 21): personal survey links and the answers families and young people give.

A link stores only the SHA-256 of its token (the token itself is shown once, to the QA lead who makes the
links). A response names the sampled plan (a pseudonymised reference) and the survey version it answered;
nothing about who answered, their address or their browser is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_dict, utcnow


class SurveyLink(SQLModel, table=True):
    """One personal, single-use link for one audience (family or young person) of one sampled plan."""

    __table_args__ = (UniqueConstraint("sampled_plan_id", "audience"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id", index=True)
    audience: str = Field(description="family or young_person")
    survey_key: str
    token_hash: str = Field(unique=True, index=True, description="sha256 hex of the token; the token is never kept.")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class SurveyResponse(SQLModel, table=True):
    """The answers to one survey about one sampled plan, from a link or imported from another survey tool."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id", index=True)
    audience: str
    survey_key: str
    survey_hash: str = Field(description="Content hash of the survey version answered.")
    language: str = "en"
    answers: dict = _json_dict()
    comment: str = Field("", description="What they wrote in their own words; purged under retention.")
    source: str = Field("link", description="link or import")
    received_at: datetime = Field(default_factory=utcnow, index=True)
