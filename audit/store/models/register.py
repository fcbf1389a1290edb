"""The area and its register: local areas, pseudonymised plans, the auditor pool."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import utcnow


class LocalArea(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, description="Short code, e.g. a DfE LA number or 'DEMO'.")
    name: str


class Plan(SQLModel, table=True):
    """One row of the area's EHC plan register (pseudonymised)."""

    __table_args__ = (UniqueConstraint("area_id", "plan_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    plan_ref: str = Field(index=True)
    team: str
    phase: str
    year_group: str
    primary_need: str
    setting_type: str
    status: str
    case_officer: str
    request_date: date | None = None
    final_issued_date: date | None = None
    timescale_exception: bool = False
    education_advice_requested: date | None = None
    education_advice_received: date | None = None
    education_advice_author: str | None = None
    health_advice_requested: date | None = None
    health_advice_received: date | None = None
    health_advice_author: str | None = None
    social_care_advice_requested: date | None = None
    social_care_advice_received: date | None = None
    social_care_advice_author: str | None = None
    educational_psychology_advice_requested: date | None = None
    educational_psychology_advice_received: date | None = None
    educational_psychology_advice_author: str | None = None
    last_review_meeting_date: date | None = None
    review_decision_date: date | None = None
    imported_at: datetime = Field(default_factory=utcnow)
    # Optional clocks added by issue 8 (docs/timeliness.md); an existing SQLite file needs these columns added.
    decision_to_assess_date: date | None = None
    phase_transfer_date: date | None = None
    phase_transfer_to: str | None = None
    phase_transfer_amended_date: date | None = None
    transfer_in_notified_date: date | None = None
    transfer_in_received_date: date | None = None
    # Optional clocks added by issue 22 (docs/timeliness.md, docs/formats.md); migration 0005.
    area_started_date: date | None = None
    decision_to_assess_outcome: str | None = None
    decision_to_assess_exception: bool = False
    education_advice_exception: bool = False
    health_advice_exception: bool = False
    social_care_advice_exception: bool = False
    educational_psychology_advice_exception: bool = False
    decision_not_to_issue_date: date | None = None
    amendment_notice_date: date | None = None
    amendment_issued_date: date | None = None
    post_16_move: bool = False
    transfer_in_move_date: date | None = None
    transfer_in_family_told_date: date | None = None
    transfer_in_previous_review_date: date | None = None
    transfer_in_review_date: date | None = None
    transfer_out_notified_date: date | None = None
    transfer_out_move_date: date | None = None
    transfer_out_sent_date: date | None = None

    def advice_authors(self) -> set[str]:
        return {
            a
            for a in (
                self.education_advice_author,
                self.health_advice_author,
                self.social_care_advice_author,
                self.educational_psychology_advice_author,
            )
            if a
        }


class Auditor(SQLModel, table=True):
    """A person who grades plans, known by a code (no names in the store)."""

    __table_args__ = (UniqueConstraint("area_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    code: str = Field(index=True)
    agency: str
    team: str = ""
    email: str | None = None
    active: bool = True
