"""Second marking and calibration: the cycle's moderation record, agreed grades, calibration exercises."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_dict, utcnow


class CycleModeration(SQLModel, table=True):
    """The second-marking and moderation rules a cycle was run under, frozen when second marking is selected."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", unique=True, index=True)
    rules: dict = _json_dict()
    created_at: datetime = Field(default_factory=utcnow)


class ModeratedGrade(SQLModel, table=True):
    """A moderator's agreed section grade for a double-marked plan; the two original scorecards are untouched."""

    __table_args__ = (UniqueConstraint("sampled_plan_id", "section"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id", index=True)
    section: str
    grade: int = Field(description="audit.vocabulary.Grade value")
    rationale: str
    moderator_code: str
    created_at: datetime = Field(default_factory=utcnow)


class CalibrationExercise(SQLModel, table=True):
    """A reference plan every auditor grades, compared with the moderated reference grade per section."""

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str
    plan_id: int = Field(foreign_key="plan.id")
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    reference: dict = _json_dict()
    reference_rationale: dict = _json_dict()
    moderator_code: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CalibrationGrade(SQLModel, table=True):
    """One auditor's section grade in a calibration exercise."""

    __table_args__ = (UniqueConstraint("exercise_id", "auditor_id", "section"),)

    id: int | None = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="calibrationexercise.id", index=True)
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    section: str
    grade: int = Field(description="audit.vocabulary.Grade value")
    created_at: datetime = Field(default_factory=utcnow)
