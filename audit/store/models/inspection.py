"""The inspection pack's self-evaluation (issue 23): every version of each heading's paragraph, kept.

A version's text holds its figures as tokens (`{timeliness.percent.3}`: a table, a column and a row of the
pack's evidence), never as typed numbers, so the figure shown is always read from the data when the pack is
made (reports/inspection_tokens.py). Versions are only added, never changed: the latest is the one the pack
uses, the earlier ones are the history (who, when).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import utcnow


class SelfEvaluationVersion(SQLModel, table=True):
    """One version of one heading's self-evaluation paragraph for one cycle's inspection pack."""

    __table_args__ = (UniqueConstraint("cycle_id", "heading_key", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    heading_key: str = Field(description="The framework heading's key (rubrics/inspection/*.yaml).")
    number: int = Field(description="1 for the paragraph generated from the data, then 2, 3 ... per edit.")
    text: str = Field(sa_column=Column(Text, nullable=False),
                      description="The paragraph with its figures as tokens such as {overall.plans}.")
    made_by: str = Field(description="The username who saved it, or 'generated from the data' for version 1.")
    made_at: datetime = Field(default_factory=utcnow)
