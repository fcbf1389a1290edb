"""Tables of the audit store (SQLModel), one module per capability. Plans carry pseudonymised references only,
never names. Uniqueness that reruns rely on is declared as database constraints, not only checked in code.

Every table is imported here so that `SQLModel.metadata` (and Alembic) sees the whole schema whichever
module a caller needed, and so `from audit.store.models import Plan` works from anywhere."""

from __future__ import annotations

from audit.store.models.accounts import AccountLink, ApiToken, LoginFailure, User, WebSession  # noqa: F401
from audit.store.models.base import utcnow  # noqa: F401
from audit.store.models.cycle import (  # noqa: F401
    Action,
    Assignment,
    CriterionGrade,
    Cycle,
    PlanResult,
    ReminderLog,
    RubricVersion,
    SampledPlan,
    Scorecard,
    SectionResult,
)
from audit.store.models.documents import (  # noqa: F401
    DocumentSection,
    DocumentView,
    GradeEvidence,
    PlanDocument,
    PrecheckFlag,
    PrecheckRuleSwitch,
)
from audit.store.models.family import SurveyLink, SurveyResponse  # noqa: F401
from audit.store.models.improvement import (  # noqa: F401
    ActionEvent,
    ActionEvidence,
    ActionLink,
    ActionStatusChange,
    AmendmentEvent,
    ImprovementAction,
    ImprovementPlan,
    PlanRevision,
    StatusProposal,
    WeaknessArea,
)
from audit.store.models.inspection import SelfEvaluationVersion  # noqa: F401
from audit.store.models.moderation import (  # noqa: F401
    CalibrationExercise,
    CalibrationGrade,
    CycleModeration,
    ModeratedGrade,
)
from audit.store.models.operations import (  # noqa: F401
    AuditProgramme,
    ChaseDelivery,
    DeliveryLog,
    ScheduledCycle,
)
from audit.store.models.protection import (  # noqa: F401
    PurgeRecord,
    SafeguardingFlag,
    SafeguardingNote,
    TrailEntry,
)
from audit.store.models.register import Auditor, LocalArea, Plan  # noqa: F401
