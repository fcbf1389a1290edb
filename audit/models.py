"""Tables of the audit store (SQLModel). Plans carry pseudonymised references only, never names.

Uniqueness that reruns rely on is declared here as database constraints, not only checked in code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlmodel import Field, SQLModel

from audit import clock


def utcnow() -> datetime:
    return clock.now()


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(MutableDict.as_mutable(JSON), nullable=False))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(MutableList.as_mutable(JSON), nullable=False))


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


class RubricVersion(SQLModel, table=True):
    """An immutable rubric, identified by the hash of its parsed content."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True, description="The rubric's id in its file, e.g. 'whole-plan'.")
    version_label: str
    content_hash: str = Field(unique=True, index=True)
    title: str
    kind: str = Field(description="whole_plan or themed")
    theme: Optional[str] = None
    content: dict = _json_dict()
    created_at: datetime = Field(default_factory=utcnow)


class Cycle(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
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
    opened_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None


class SampledPlan(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cycle_id", "plan_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    stratum: str = Field(description="The stratum key the plan was drawn from, e.g. 'team=North|phase=primary'.")
    status: str = "sampled"
    withdrawn_reason: Optional[str] = None
    withdrawn_at: Optional[datetime] = None
    replacement_for_id: Optional[int] = Field(default=None, foreign_key="sampledplan.id")
    # Issue 5: set when the plan is in the cycle to be re-audited after its amendment task was done.
    reaudit_task_id: Optional[int] = Field(default=None, foreign_key="action.id")


class Assignment(SQLModel, table=True):
    """The sections of one sampled plan that one agency judges, given to one auditor."""

    __table_args__ = (UniqueConstraint("sampled_plan_id", "agency", "marker_role"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id", index=True)
    agency: str
    sections: list = _json_list()
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    marker_role: str = "first"
    due_date: date
    active: bool = Field(True, description="False once the sampled plan is withdrawn.")
    created_at: datetime = Field(default_factory=utcnow)


class Scorecard(SQLModel, table=True):
    """One auditor's grades for one assignment; points at the rubric version it was made against."""

    id: Optional[int] = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", unique=True, index=True)
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    auditor_id: int = Field(foreign_key="auditor.id")
    status: str = "draft"
    source: str = Field("file", description="file, web or api")
    late: bool = False
    submitted_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CriterionGrade(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("scorecard_id", "criterion_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    scorecard_id: int = Field(foreign_key="scorecard.id", index=True)
    section: str
    criterion_id: str
    grade: Optional[int] = Field(default=None, description="audit.codes.Grade value; None in a draft.")
    comment: str = ""


class SectionResult(SQLModel, table=True):
    """A section's grade for one sampled plan, rolled up from its criteria by the rubric's rule."""

    __table_args__ = (UniqueConstraint("cycle_id", "sampled_plan_id", "section"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id")
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    section: str
    agency: str
    grade: Optional[int] = None
    status: str = Field("complete", description="complete, incomplete or not_applicable")


class PlanResult(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cycle_id", "sampled_plan_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id")
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    grade: Optional[int] = Field(default=None, description="None while the plan is incomplete.")
    status: str = "complete"
    missing_sections: list = _json_list()
    computed_at: datetime = Field(default_factory=utcnow)


class Action(SQLModel, table=True):
    """An amendment task for one plan or an improvement-plan action raised by a finding.

    `key` makes raising idempotent: the same finding in the same cycle maps to the same key.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    key: str = Field(unique=True, index=True)
    kind: str
    cycle_id: Optional[int] = Field(default=None, foreign_key="cycle.id", index=True)
    plan_id: Optional[int] = Field(default=None, foreign_key="plan.id")
    section: Optional[str] = None
    criterion_id: Optional[str] = None
    title: str
    detail: str = ""
    lead: str
    milestone: date
    status: str = "not_started"
    evidence: dict = _json_dict()
    created_at: datetime = Field(default_factory=utcnow)
    # Issue 5, amendment tasks: when (and by whom) the amendment was done, and the cycle that re-audits it.
    done_at: Optional[datetime] = None
    done_by: Optional[str] = None
    reaudit_cycle_id: Optional[int] = Field(default=None, foreign_key="cycle.id")


class User(SQLModel, table=True):
    """Someone who signs in to the web app or calls the API; auditors link to their `Auditor` code."""

    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True)
    password_hash: str
    role: str = Field(description="audit.permissions.Role: qa_lead, auditor, moderator, service_lead, board_member, "
                                  "parent_carer_auditor, admin")
    auditor_id: Optional[int] = Field(default=None, foreign_key="auditor.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Access control and sign-in (issue 7); nullable so older database files gain them (audit.db).
    service: Optional[str] = Field(default=None, description="A service lead's agency (audit.codes.SERVICES): "
                                                             "the results they may see.")
    session_generation: Optional[int] = Field(default=0, description="Raised by 'sign out everywhere': sessions "
                                                                     "issued under an older value stop working.")
    sso_subject: Optional[str] = Field(default=None, unique=True, index=True,
                                       description="The single sign-on identity (OIDC claim) linked by an admin.")


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    id: Optional[int] = Field(default=None, primary_key=True)
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

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    began_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class ReminderLog(SQLModel, table=True):
    """A reminder the QA lead recorded (or sent) to an auditor with outstanding scorecards."""

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    sent_at: datetime = Field(default_factory=utcnow)
    channel: str = Field("recorded", description="recorded (no message sent) or email")
    outstanding: int = 0
    status: Optional[str] = Field(None, description="For email: sent, failed or no email address; None when only recorded.")
    error: Optional[str] = Field(None, description="Why an email failed.")


class CycleModeration(SQLModel, table=True):
    """The second-marking and moderation rules a cycle was run under, frozen when second marking is selected."""

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", unique=True, index=True)
    rules: dict = _json_dict()
    created_at: datetime = Field(default_factory=utcnow)


class ModeratedGrade(SQLModel, table=True):
    """A moderator's agreed section grade for a double-marked plan; the two original scorecards are untouched."""

    __table_args__ = (UniqueConstraint("sampled_plan_id", "section"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    sampled_plan_id: int = Field(foreign_key="sampledplan.id", index=True)
    section: str
    grade: int = Field(description="audit.codes.Grade value")
    rationale: str
    moderator_code: str
    created_at: datetime = Field(default_factory=utcnow)


class CalibrationExercise(SQLModel, table=True):
    """A reference plan every auditor grades, compared with the moderated reference grade per section."""

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str
    plan_id: int = Field(foreign_key="plan.id")
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    reference: dict = _json_dict()
    reference_rationale: dict = _json_dict()
    moderator_code: Optional[str] = None
    created_at: datetime = Field(default_factory=utcnow)


class CalibrationGrade(SQLModel, table=True):
    """One auditor's section grade in a calibration exercise."""

    __table_args__ = (UniqueConstraint("exercise_id", "auditor_id", "section"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    exercise_id: int = Field(foreign_key="calibrationexercise.id", index=True)
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    section: str
    grade: int = Field(description="audit.codes.Grade value")
    created_at: datetime = Field(default_factory=utcnow)


class DeliveryLog(SQLModel, table=True):
    """One attempt to deliver a board pack (issue 8): where the files are and whether the email went."""

    id: Optional[int] = Field(default=None, primary_key=True)
    cycle_id: Optional[int] = Field(default=None, foreign_key="cycle.id", index=True)
    channel: str = Field("email", description="email")
    recipients: list = _json_list()
    subject: str = ""
    folder: str = Field("", description="Where the pack's files were written before sending.")
    status: str = Field("pending", description="pending, sent, failed or skipped (no SMTP host or recipients)")
    error: str = ""
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None


# --- Sign-in throttling (issue 7, web-sec) -----------------------------------------------------------------


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, counted per account and per client address to throttle guessing.

    `key` is a SHA-256 of the kind and the username or address, so the table holds no addresses in clear;
    rows older than the throttling window are deleted as new failures come in.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(description="account or address")
    key: str = Field(index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


# --- Improvement plans (issue 5): actions, their links to rubric criteria, audit evidence, status history ---


class ImprovementPlan(SQLModel, table=True):
    """An area's improvement plan (a WSoA, an APP, or the plan audit findings feed), on one status scale."""

    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str
    scale: str = Field(description="Key of its status scale (config/scales/*.yaml or the area's own).")
    layout: str = Field("app", description="wsoa or app: the table layout it is imported from and exported to.")
    layout_options: dict = _json_dict()  # headings as written, review-period columns, repeated headers
    source_file: Optional[str] = None
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""


class WeaknessArea(SQLModel, table=True):
    """An area of weakness of a plan (a WSoA "Area 2: ...", an APP "Ref 1 Lack of joint commissioning")."""

    __table_args__ = (UniqueConstraint("plan_id", "reference"),)

    id: Optional[int] = Field(default=None, primary_key=True)
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

    id: Optional[int] = Field(default=None, primary_key=True)
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
    action_due: Optional[date] = None
    impact_due: Optional[date] = None
    status: Optional[str] = Field(None, description="Status key on the plan's scale; None until first graded.")
    raised_key: Optional[str] = Field(default=None, unique=True, index=True)
    raised_cycle_id: Optional[int] = Field(default=None, foreign_key="cycle.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""


class ActionLink(SQLModel, table=True):
    """What an action is meant to improve: a rubric criterion, a section, or a service (agency)."""

    __table_args__ = (UniqueConstraint("action_id", "level", "target", "rubric"),)

    id: Optional[int] = Field(default=None, primary_key=True)
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

    id: Optional[int] = Field(default=None, primary_key=True)
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

    id: Optional[int] = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    proposed: str = Field(description="Status key on the plan's scale.")
    basis: str = Field("", description="Why, in words, from the figures.")
    series: dict = _json_dict()  # per target: baseline and each later cycle's weak share
    regressed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    decision: Optional[str] = Field(None, description="accepted or overridden; None while awaiting a decision.")
    decided_status: Optional[str] = None
    decided_by: Optional[str] = None
    decided_at: Optional[datetime] = None
    decision_reason: Optional[str] = None


class ActionStatusChange(SQLModel, table=True):
    """Every change of an action's status: who, when, why, and whether it came from a proposal."""

    id: Optional[int] = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    status: str
    previous: Optional[str] = None
    period: Optional[str] = Field(None, description="A WSoA review column such as 'Sept 2018', when imported from one.")
    source: str = Field(description="import, lead, accepted (a proposal) or overridden (a proposal)")
    proposal_id: Optional[int] = Field(default=None, foreign_key="statusproposal.id")
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: str
    reason: str


class ActionEvent(SQLModel, table=True):
    """Everything else that happens to an action (created, imported, linked, evidence added or updated)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="improvementaction.id", index=True)
    kind: str
    at: datetime = Field(default_factory=utcnow)
    by: str
    reason: str = ""
    detail: dict = _json_dict()


class AmendmentEvent(SQLModel, table=True):
    """The history of a plan's amendment task: raised, done, re-audit scheduled, re-audited, chased."""

    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="action.id", index=True)
    kind: str
    at: datetime = Field(default_factory=utcnow)
    by: str
    reason: str = ""
    detail: dict = _json_dict()


# --- Production mode (issue 6): the audit programme as schedules, and the chase (reminder) delivery log ---------


class AuditProgramme(SQLModel, table=True):
    """A recurring audit the QA lead sets: a cadence and a rubric; each scheduled run opens one cycle."""

    __table_args__ = (UniqueConstraint("area_id", "name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    name: str = Field(description="Cycles are named after it and the slot's month, e.g. 'Termly audit September 2026'.")
    cadence: str = Field(description="monthly, termly or cron (audit.programmes.CADENCES)")
    cron: str = Field(description="The cron expression the deployment is scheduled with (derived for monthly and termly).")
    timezone: str = "Europe/London"
    rubric_version_id: int = Field(foreign_key="rubricversion.id")
    sample_size: int
    strata: list = _json_list()
    due_days: int = Field(28, description="Scorecards are due this many days after the cycle opens.")
    exclude_audited_months: int = 12
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScheduledCycle(SQLModel, table=True):
    """The cycle a programme opened for one scheduled slot; the unique pair makes a rerun of the slot a no-op."""

    __table_args__ = (UniqueConstraint("programme_id", "slot"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="auditprogramme.id", index=True)
    slot: str = Field(description="The scheduled start in UTC, ISO 8601 to the second.")
    cycle_id: int = Field(foreign_key="cycle.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChaseDelivery(SQLModel, table=True):
    """One chase (reminder or escalation) about one subject under one rule: sent at most once (audit/chasing.py).

    The row is written ("sending") and committed before the email goes, then marked; a run that finds a row
    still "sending" knows an earlier run died mid-send and marks it "unknown" instead of sending again.
    """

    __table_args__ = (UniqueConstraint("rule", "subject_type", "subject_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    rule: str = Field(description="The chase rule's key, e.g. assignment-overdue.")
    subject_type: str = Field(description="What is chased: assignment (or, from issue 5, action).")
    subject_id: int
    cycle_id: Optional[int] = Field(default=None, foreign_key="cycle.id", index=True)
    auditor_id: Optional[int] = Field(default=None, foreign_key="auditor.id", index=True)
    recipient: Optional[str] = Field(None, description="Email address written to; None when none is known.")
    recipient_role: str = Field("auditor", description="auditor or agency_lead")
    status: str = Field("sending", description="sending, sent, failed, no_address, no_smtp or unknown")
    attempts: int = 0
    error: Optional[str] = None
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None


# --- Issue 7, data protection (trail helper): audit trail, safeguarding route, retention purge -------------


class TrailEntry(SQLModel, table=True):
    """One append-only audit trail entry: who changed what, when, with before and after values.

    Written only by audit.trail's session and connection listeners; database triggers refuse UPDATE and
    DELETE (audit/trail_guard.py). Each entry's hash covers the previous entry's hash, so an edit made
    outside the application breaks the chain (`ehcp-audit trail verify`).
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(index=True, description="web:USER, api:USER, cli:OS-USER, flow:NAME or system")
    action: str = Field(description="create, update, delete; bulk create, bulk update, bulk delete for statements")
    table_name: str = Field(index=True)
    row_key: Optional[str] = Field(default=None, index=True, description="Primary key of the row; None for a bulk statement.")
    rows: int = Field(1, description="Rows the entry covers (a bulk statement's row count).")
    before: Optional[dict] = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Optional[dict] = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str = Field(unique=True, description="The previous entry's hash ('' for the first entry).")
    entry_hash: str = Field(unique=True)


class SafeguardingFlag(SQLModel, table=True):
    """A safeguarding concern an auditor raised while reviewing an assigned plan, followed up until closed.

    The designated contact is emailed at once (flows/alerts.py); `notify_status` says whether that worked.
    The concern text is purged under the retention policy once the flag has been closed long enough.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="localarea.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    raised_by: str = Field(description="The auditor's code.")
    raised_at: datetime = Field(default_factory=utcnow)
    concern: str = Field(description="What the auditor saw; purged after closure (audit.retention).")
    status: str = Field("open", index=True, description="open or closed")
    notify_status: str = Field("pending", description="pending, sent or failed")
    notify_attempts: int = 0
    last_attempt_at: Optional[datetime] = None
    notified_at: Optional[datetime] = None
    notify_error: str = ""
    closed_at: Optional[datetime] = None
    closed_by: Optional[str] = None
    closure_note: str = ""
    purged_at: Optional[datetime] = Field(default=None, description="When the concern text and notes were purged.")


class SafeguardingNote(SQLModel, table=True):
    """A follow-up action recorded on a safeguarding flag by the QA lead or designated contact."""

    id: Optional[int] = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="safeguardingflag.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    by: str
    note: str


class PurgeRecord(SQLModel, table=True):
    """One run of the retention purge: what was purged, how many, the cut-off, when and by whom."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    by: str = Field(description="The actor: cli:USER, flow:retention-purge, ...")
    what: str = Field(description="scorecard comments, moderation rationales, safeguarding concerns")
    cutoff: datetime = Field(description="Everything older than this was purged.")
    rows: int = 0
    detail: dict = _json_dict()
