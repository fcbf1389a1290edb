"""An audit cycle's tables: rubric versions, cycles, the sample, assignments, scorecards and grades, results,
actions raised, reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_dict, _json_list, utcnow


class RubricVersion(SQLModel, table=True):
    """An immutable rubric, identified by the hash of its parsed content."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, description="The rubric's id in its file, e.g. 'whole-plan'.")
    version_label: str
    content_hash: str = Field(unique=True, index=True)
    title: str
    kind: str = Field(description="whole_plan or themed")
    theme: str | None = None
    content: dict = _json_dict()
    created_at: datetime = Field(default_factory=utcnow)


class Cycle(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    sample_size: int
    strata: list = _json_list()
    exclusions: dict = _json_dict()
    seed: int
    due_date: date
    status: str = "draft"
    created_at: datetime = Field(default_factory=utcnow)
    opened_at: datetime | None = None
    closed_at: datetime | None = None


class SampledPlan(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cycle_id", "plan_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    stratum: str = Field(description="The stratum key the plan was drawn from, e.g. 'team=North|phase=primary'.")
    status: str = "sampled"
    withdrawn_reason: str | None = None
    withdrawn_at: datetime | None = None
    replacement_for_id: int | None = Field(default=None, foreign_key="sampledplan.id")
    # Issue 5: set when the plan is in the cycle to be re-audited after its amendment task was done.
    reaudit_task_id: int | None = Field(default=None, foreign_key="action.id")


class Assignment(SQLModel, table=True):
    """The sections of one sampled plan that one agency judges, given to one auditor."""

    __table_args__ = (UniqueConstraint("sampled_plan_id", "agency", "marker_role"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id", index=True)
    agency: str
    sections: list = _json_list()
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    marker_role: str = "first"
    due_date: date
    active: bool = Field(True, description="False once the sampled plan is withdrawn.")
    created_at: datetime = Field(default_factory=utcnow)
    # A second marker's piece: the second-marking rules that picked it (random, extremes, per_auditor), so agreement
    # on the randomly chosen plans can be told from agreement on the rule-chosen ones. None for first markers.
    selected_by: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Criteria of these sections whose register conditions (rubric `applies_if`) do not hold for the plan, frozen
    # when the piece is assigned, so the scorecard, the roll-up and moderation leave out the same ones (issue 22).
    skipped_criteria: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Scorecard(SQLModel, table=True):
    """One auditor's grades for one assignment; points at the rubric version it was made against."""

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", unique=True, index=True)
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    auditor_id: int = Field(foreign_key="auditor.id")
    status: str = "draft"
    source: str = Field("file", description="file, web or api")
    late: bool = False
    submitted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CriterionGrade(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("scorecard_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scorecard_id: int = Field(foreign_key="scorecard.id", index=True)
    section: str
    criterion_id: str
    grade: int | None = Field(default=None, description="audit.vocabulary.Grade value; None in a draft.")
    comment: str = ""
    # The auditor marked the criterion not applicable (the rubric allows it); the comment holds the reason.
    not_applicable: bool = False


class SectionResult(SQLModel, table=True):
    """A section's grade for one sampled plan, rolled up from its criteria by the rubric's rule."""

    __table_args__ = (UniqueConstraint("cycle_id", "sampled_plan_id", "section"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id")
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    section: str
    agency: str
    grade: int | None = None
    status: str = Field("complete", description="complete, incomplete or not_applicable")
    # A shared section: each agency's part, {agency: grade or None}; the grade above combines them (issue 22).
    parts: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class PlanResult(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cycle_id", "sampled_plan_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id")
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    grade: int | None = Field(default=None, description="None while the plan is incomplete.")
    status: str = "complete"
    missing_sections: list = _json_list()
    computed_at: datetime = Field(default_factory=utcnow)


class Action(SQLModel, table=True):
    """An amendment task for one plan or an improvement-plan action raised by a finding.

    `key` makes raising idempotent: the same finding in the same cycle maps to the same key.
    """

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    key: str = Field(unique=True, index=True)
    kind: str
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    section: str | None = None
    criterion_id: str | None = None
    title: str
    detail: str = ""
    lead: str
    milestone: date
    status: str = "not_started"
    evidence: dict = _json_dict()
    created_at: datetime = Field(default_factory=utcnow)
    # Issue 5, amendment tasks: when (and by whom) the amendment was done, and the cycle that re-audits it.
    done_at: datetime | None = None
    done_by: str | None = None
    reaudit_cycle_id: int | None = Field(default=None, foreign_key="cycle.id")


class ReminderLog(SQLModel, table=True):
    """A reminder the QA lead recorded (or sent) to an auditor with outstanding scorecards."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    sent_at: datetime = Field(default_factory=utcnow)
    channel: str = Field("recorded", description="recorded (no message sent) or email")
    outstanding: int = 0
    status: str | None = Field(None, description="For email: sent, failed or no email address; None when only recorded.")
    error: str | None = Field(None, description="Why an email failed.")
