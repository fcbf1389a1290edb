"""Controlled vocabularies in one place: grades (ordered), agencies, phases, SEN2 need codes, statuses.

Statistics, roll-up rules and charts take the grade order from `Grade`; nothing else defines it.
"""

from __future__ import annotations

import re
from enum import Enum, IntEnum

from audit.errors import AuditError


class Grade(IntEnum):
    """The four judgements, ordered worst to best so `min`/`max`/`sorted` mean what a QA lead means."""

    INADEQUATE = 1
    REQUIRES_IMPROVEMENT = 2
    GOOD = 3
    OUTSTANDING = 4

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]

    @property
    def is_weak(self) -> bool:
        """Requires Improvement or Inadequate: needs a comment, raises actions."""
        return self <= Grade.REQUIRES_IMPROVEMENT

    @property
    def is_good_or_better(self) -> bool:
        return self >= Grade.GOOD

    @classmethod
    def parse(cls, text: object) -> "Grade":
        """Read a grade as people write it: label, common abbreviation or 1-4. Raises ValueError."""
        if isinstance(text, Grade):
            return text
        key = str(text).strip().lower().replace("_", " ").replace("-", " ")
        key = " ".join(key.split())
        if key in _GRADE_ALIASES:
            return _GRADE_ALIASES[key]
        raise ValueError(
            f"'{text}' is not a grade; use one of {', '.join(GRADE_LABELS)}"
        )

    @classmethod
    def labels_best_first(cls) -> list[str]:
        return [g.label for g in sorted(cls, reverse=True)]


_GRADE_LABELS = {
    Grade.INADEQUATE: "Inadequate",
    Grade.REQUIRES_IMPROVEMENT: "Requires Improvement",
    Grade.GOOD: "Good",
    Grade.OUTSTANDING: "Outstanding",
}
GRADE_LABELS = [_GRADE_LABELS[g] for g in sorted(Grade, reverse=True)]
_GRADE_ALIASES: dict[str, Grade] = {}
for _g, _label in _GRADE_LABELS.items():
    _GRADE_ALIASES[_label.lower()] = _g
    _GRADE_ALIASES[str(int(_g))] = _g
_GRADE_ALIASES.update({"ri": Grade.REQUIRES_IMPROVEMENT, "o": Grade.OUTSTANDING, "g": Grade.GOOD, "i": Grade.INADEQUATE})


class StrEnum(str, Enum):
    """String enum whose member names equal their values (SQLModel stores names)."""

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


class Agency(StrEnum):
    """Who judges a section, and who an auditor works for."""

    sen_team = "sen_team"
    education = "education"
    health = "health"
    social_care = "social_care"
    parent_carer_forum = "parent_carer_forum"

    @property
    def label(self) -> str:
        return {
            "sen_team": "SEN team",
            "education": "Education",
            "health": "Health",
            "social_care": "Social care",
            "parent_carer_forum": "Parent carer forum",
        }[self.value]


# The services the board sees results for, in the order it sees them.
SERVICES = [Agency.sen_team, Agency.education, Agency.health, Agency.social_care]


# An auditor code (docs/formats.md): capital letters and digits in groups joined by single hyphens, starting
# with a letter, at most AUDITOR_CODE_MAX characters: AUD-HE-01, CO-12, QA-LEAD. People are known by these
# codes only, and a code names files (a scorecard template is scorecard-cycle-N-<code>.xlsx), so nothing else
# (a name, an email address, a path such as ../../x) can be one. Every place a code comes in checks it here.
AUDITOR_CODE_MAX = 32
AUDITOR_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
AUDITOR_CODE_RULE = (f"capital letters and digits, in groups joined by single hyphens, starting with a letter, "
                     f"at most {AUDITOR_CODE_MAX} characters (for example AUD-HE-01)")


def auditor_code_problem(code: str) -> tuple[str, str] | None:
    """(message, fix) when `code` is not an auditor code, else None. The message begins with the code."""
    if AUDITOR_CODE.fullmatch(code) and len(code) <= AUDITOR_CODE_MAX:
        return None
    shown = f"'{code}'" if len(code) <= 40 else f"'{code[:37]}...'"
    if " " in code.strip() or "@" in code:
        return (f"{shown} looks like a name or an email address, but people are known by codes only",
                "use the person's staff or auditor code (for example CO-07), never their name")
    if len(code) > AUDITOR_CODE_MAX:
        return (f"{shown} is {len(code)} characters long; an auditor code has at most {AUDITOR_CODE_MAX}",
                "use a shorter code, such as AUD-HE-01")
    if AUDITOR_CODE.fullmatch(code.strip().upper()):
        return f"{shown} is not an auditor code: codes are written in capitals", f"write it as '{code.strip().upper()}'"
    return f"{shown} is not an auditor code", f"use {AUDITOR_CODE_RULE}"


def check_auditor_code(code: str) -> str:
    """The code, or AuditError with the rule and the fix: for a code typed into a command or a form."""
    problem = auditor_code_problem(code)
    if problem:
        raise AuditError(f"{problem[0]}. Fix: {problem[1]}.")
    return code


class AdviceType(StrEnum):
    education = "education"
    health = "health"
    social_care = "social_care"
    educational_psychology = "educational_psychology"


class Phase(StrEnum):
    early_years = "early_years"
    primary = "primary"
    secondary = "secondary"
    post_16 = "post_16"
    post_19 = "post_19"


YEAR_GROUPS = ["N1", "N2", "R"] + [str(n) for n in range(1, 15)]


class NeedCode(StrEnum):
    """SEN2 primary need codes."""

    ASD = "ASD"
    SLCN = "SLCN"
    SEMH = "SEMH"
    MLD = "MLD"
    SLD = "SLD"
    PMLD = "PMLD"
    SpLD = "SpLD"
    VI = "VI"
    HI = "HI"
    MSI = "MSI"
    PD = "PD"
    OTH = "OTH"
    NSA = "NSA"


class PlanStatus(StrEnum):
    active = "active"
    ceased = "ceased"
    transferred = "transferred"


class CycleStatus(StrEnum):
    draft = "draft"  # created, not yet sampled
    open = "open"  # sampled and assigned; collecting scorecards
    scored = "scored"  # every assignment in, results computed
    closed = "closed"  # closed by the QA lead (possibly with incomplete audits)


class SampleStatus(StrEnum):
    sampled = "sampled"
    withdrawn = "withdrawn"


# The stratum of a plan added to a cycle's sample to be re-audited after its amendment (issue 5).
REAUDIT_STRATUM = "re-audit"


class MarkerRole(StrEnum):
    """Every score says what it is (issue 4 adds second and moderated)."""

    first = "first"
    second = "second"
    moderated = "moderated"


class ScorecardStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"


class ActionKind(StrEnum):
    amendment = "amendment"  # a case officer amends one weak plan
    improvement = "improvement"  # an action on the area's improvement plan


class TaskStatus(StrEnum):
    """An amendment task's life (issue 5): raised, done by the case officer, re-audited in a later cycle."""

    not_started = "not_started"
    done = "done"
    reaudited = "reaudited"


class LinkLevel(StrEnum):
    """What an improvement action can be linked to, and what a rule can watch."""

    criterion = "criterion"
    section = "section"
    service = "service"

SYSTEM = "ehcp-audit"  # who, for changes the cycle flow makes from the data
