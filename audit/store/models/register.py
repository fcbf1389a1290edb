"""The area and its register: local areas, pseudonymised plans, the auditor pool."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import utcnow


class LocalArea(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, description="Short code, e.g. a DfE LA number or 'DEMO'.")
    name: str


class Plan(SQLModel, table=True):
    """One row of the area's EHC plan register (pseudonymised)."""

    __table_args__ = (UniqueConstraint("area_id", "plan_ref"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    plan_ref: str = Field(index=True)
    team: str
    phase: str
    year_group: str
    primary_need: str
    setting_type: str
    status: str
    case_officer: str
    request_date: Optional[date] = None
    final_issued_date: Optional[date] = None
    timescale_exception: bool = False
    education_advice_requested: Optional[date] = None
    education_advice_received: Optional[date] = None
    education_advice_author: Optional[str] = None
    health_advice_requested: Optional[date] = None
    health_advice_received: Optional[date] = None
    health_advice_author: Optional[str] = None
    social_care_advice_requested: Optional[date] = None
    social_care_advice_received: Optional[date] = None
    social_care_advice_author: Optional[str] = None
    educational_psychology_advice_requested: Optional[date] = None
    educational_psychology_advice_received: Optional[date] = None
    educational_psychology_advice_author: Optional[str] = None
    last_review_meeting_date: Optional[date] = None
    review_decision_date: Optional[date] = None
    imported_at: datetime = Field(default_factory=utcnow)
    # Optional clocks added by issue 8 (docs/timeliness.md); an existing SQLite file needs these columns added.
    decision_to_assess_date: Optional[date] = None
    phase_transfer_date: Optional[date] = None
    phase_transfer_to: Optional[str] = None
    phase_transfer_amended_date: Optional[date] = None
    transfer_in_notified_date: Optional[date] = None
    transfer_in_received_date: Optional[date] = None
    # Optional clocks added by issue 22 (docs/timeliness.md, docs/formats.md); migration 0005.
    area_started_date: Optional[date] = None
    decision_to_assess_outcome: Optional[str] = None
    decision_to_assess_exception: bool = False
    education_advice_exception: bool = False
    health_advice_exception: bool = False
    social_care_advice_exception: bool = False
    educational_psychology_advice_exception: bool = False
    decision_not_to_issue_date: Optional[date] = None
    amendment_notice_date: Optional[date] = None
    amendment_issued_date: Optional[date] = None
    post_16_move: bool = False
    transfer_in_move_date: Optional[date] = None
    transfer_in_family_told_date: Optional[date] = None
    transfer_in_previous_review_date: Optional[date] = None
    transfer_in_review_date: Optional[date] = None
    transfer_out_notified_date: Optional[date] = None
    transfer_out_move_date: Optional[date] = None
    transfer_out_sent_date: Optional[date] = None

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

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    code: str = Field(index=True)
    agency: str
    team: str = ""
    email: Optional[str] = None
    active: bool = True
