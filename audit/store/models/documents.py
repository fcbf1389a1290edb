"""Plan documents (issue 20): the original file as imported, its sections A to K, pre-check flags, views.

The original bytes are kept so that a section split can be redone with a new heading mapping; the whole
document (original and sections) falls under the retention purge (audit.protection.retention). Every view
of a document adds a `DocumentView` row, so the audit trail records who read which plan's text and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_list, utcnow


class PlanDocument(SQLModel, table=True):
    """One imported plan document, matched to a register plan; the newest import of a plan is current."""

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    label: str = Field(description="The plan reference and kind (DEMO-7Q2M4K9P.docx): the uploaded file's own "
                                   "name is not kept, as exports often name the child.")
    kind: str = Field(description="docx or pdf")
    sha256: str = Field(index=True)
    original: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    imported_at: datetime = Field(default_factory=utcnow, index=True)
    purged_at: datetime | None = None


class DocumentSection(SQLModel, table=True):
    """One section of a plan document (A to K, H1 and H2) as split; `items` are section F's provision rows."""

    __table_args__ = (UniqueConstraint("document_id", "letter"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="plandocument.id", index=True)
    letter: str
    heading: str
    text: str
    items: list = _json_list()


class PrecheckFlag(SQLModel, table=True):
    """A suggestion of the text pre-check; an auditor confirms or dismisses it with a reason. Never a grade."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="plandocument.id", index=True)
    rule_id: str = Field(index=True)
    section: str
    quote: str
    explanation: str
    status: str = Field(default="open", description="open, confirmed or dismissed")
    reason: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)


class DocumentView(SQLModel, table=True):
    """One reading of a plan document: written on every view so the audit trail holds it."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="plandocument.id", index=True)
    viewer: str
    role: str
    at: datetime = Field(default_factory=utcnow)


class GradeEvidence(SQLModel, table=True):
    """The passage of the plan an auditor relied on for a criterion's grade, kept with the scorecard."""

    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    criterion_id: str
    section: str
    passage: str
    saved_at: datetime = Field(default_factory=utcnow)


class PrecheckRuleSwitch(SQLModel, table=True):
    """A pre-check rule switched off, or on again, for an area by its QA lead (the web's rules page). A rule the
    service's settings switch off (EHCP_AUDIT_PRECHECK_RULES_OFF) stays off whatever this says."""

    __table_args__ = (UniqueConstraint("area_id", "rule_id"),)
    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    rule_id: str
    enabled: bool
    changed_by: str
    changed_at: datetime = Field(default_factory=utcnow)
