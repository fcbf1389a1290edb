"""Improvement plans (issue 5): actions, their links to rubric criteria, audit evidence, status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from audit.store.models.base import _json_dict, _json_list, utcnow


class ImprovementPlan(SQLModel, table=True):
    """An area's improvement plan (a WSoA, an APP, or the plan audit findings feed), on one status scale."""

    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str
    scale: str = Field(description="Key of its status scale (config/scales/*.yaml or the area's own).")
    layout: str = Field("app", description="wsoa or app: the table layout it is imported from and exported to.")
    layout_options: dict = _json_dict()  # headings as written, review-period columns, repeated headers
    source_file: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    version: str = Field("", description="The document's own version, as its version control table writes it.")
    version_date: date | None = None
    version_owner: str = ""
    people: dict = _json_dict()  # initials -> designation, from the plan's initials and designation list


class PlanRevision(SQLModel, table=True):
    """One version of a plan as imported (issue 25): the document's version control and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="improvementplan.id", index=True)
    number: int = Field(description="1 for the first import, then 2, 3 ... for each revision imported onto it.")
    version: str = ""
    version_date: date | None = None
    version_owner: str = ""
    source_file: str = ""
    changes: dict = _json_dict()  # added, removed, reworded, re-dated, status changed: lists of references
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = ""


class WeaknessArea(SQLModel, table=True):
    """An area of weakness of a plan (a WSoA "Area 2: ...", an APP "Ref 1 Lack of joint commissioning")."""

    __table_args__ = (UniqueConstraint("plan_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="improvementplan.id", index=True)
    reference: str
    title: str
    position: int = 0


class ImprovementAction(SQLModel, table=True):
    """One action of an improvement plan, with the columns the WSoA and APP tables use.

    `raised_key` (cycle, rule, level, target) is set when a rule raised the action, so a rerun cannot raise it
    twice. Milestones are kept as written ("Dec 21 Mar 22"); `*_due` is the last date found in them.
    """

    __table_args__ = (UniqueConstraint("plan_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="improvementplan.id", index=True)
    weakness_id: int = Field(foreign_key="weaknessarea.id", index=True)
    reference: str
    position: int = 0
    finding: str = Field("", description="The WSoA sub finding the action addresses (blank in an APP).")
    action: str
    lead: str = ""
    progress: str = ""
    output_evidence: str = Field("", description="Expected evidence of output (WSoA: evidence of success).")
    action_milestone: str = ""
    impact_evidence: str = Field("", description="Expected evidence of impact.")
    impact_milestone: str = ""
    action_due: date | None = None
    impact_due: date | None = None
    action_milestone_kind: str = Field("", description="date, range, recurring or none (audit.improvement.milestones).")
    impact_milestone_kind: str = ""
    removed_in: int | None = Field(default=None, description="The plan revision that no longer has this action.")
    status: str | None = Field(None, description="Status key on the plan's scale; None until first graded.")
    raised_key: str | None = Field(default=None, unique=True, index=True)
    raised_cycle_id: int | None = Field(default=None, foreign_key="cycle.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""


class ActionLink(SQLModel, table=True):
    """What an action is meant to improve: a rubric criterion, a section, or a service (agency)."""

    __table_args__ = (UniqueConstraint("action_id", "level", "target", "rubric"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    level: str = Field(description="criterion, section or service")
    target: str = Field(description="Criterion id (F2), section code (F) or agency (health).")
    rubric: str = Field("", description="Rubric key the criterion belongs to; empty = any rubric.")
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    reason: str = ""


class ActionEvidence(SQLModel, table=True):
    """The audits that evidence an action: one cycle's count of weak plans on one linked target."""

    __table_args__ = (UniqueConstraint("action_id", "cycle_id", "rule", "level", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    rule: str
    level: str
    target: str
    plans: int = Field(description="Plans graded on the target in the cycle.")
    weak: int = Field(description="Of which Requires Improvement or Inadequate.")
    share: float
    plan_refs: list = _json_list()  # pseudonymised references of the weak plans
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: str = ""
    reason: str = ""


class StatusProposal(SQLModel, table=True):
    """The status the data proposes for an action after a cycle, and the lead's decision on it (both kept)."""

    __table_args__ = (UniqueConstraint("action_id", "cycle_id"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    proposed: str = Field(description="Status key on the plan's scale.")
    basis: str = Field("", description="Why, in words, from the figures.")
    series: dict = _json_dict()  # per target: baseline and each later cycle's weak share
    regressed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    decision: str | None = Field(None, description="accepted or overridden; None while awaiting a decision.")
    decided_status: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None


class ActionStatusChange(SQLModel, table=True):
    """Every change of an action's status: who, when, why, and whether it came from a proposal."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    status: str
    previous: str | None = None
    period: str | None = Field(None, description="A WSoA review column such as 'Sept 2018', when imported from one.")
    source: str = Field(description="import, lead, accepted (a proposal) or overridden (a proposal)")
    proposal_id: int | None = Field(default=None, foreign_key="statusproposal.id")
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: str
    reason: str


class ActionEvent(SQLModel, table=True):
    """Everything else that happens to an action (created, imported, linked, evidence added or updated)."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    kind: str
    at: datetime = Field(default_factory=utcnow)
    by: str
    reason: str = ""
    detail: dict = _json_dict()


class AmendmentEvent(SQLModel, table=True):
    """The history of a plan's amendment task: raised, done, re-audit scheduled, re-audited, chased."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="action.id", index=True)
    kind: str
    at: datetime = Field(default_factory=utcnow)
    by: str
    reason: str = ""
    detail: dict = _json_dict()
