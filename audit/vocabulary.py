"""Controlled vocabularies in one place: every code the product stores and the words a person reads for it.

Grades (ordered), agencies, phases, SEN2 need codes, plan stages and strata, statuses of cycles, samples,
scorecards, tasks and actions, roles, marker roles, trail actions and who acted. Statistics, roll-up rules and
charts take the grade order from `Grade`; nothing else defines it. Every surface (CLI, web, reports, flows)
shows a code through `label(code, family)` or `stratum_label(key)`; no other module keeps a label map.
"""

from __future__ import annotations

import enum
import re
from enum import IntEnum

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
    def parse(cls, text: object) -> Grade:
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


class StrEnum(enum.StrEnum):
    """String enum whose member names equal their values (SQLModel stores names)."""

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
        return LABELS["agency"][self.value]


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


# --- labels: the words a person reads for each code --------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "grade": {g.name.lower(): g.label for g in Grade} | {str(int(g)): g.label for g in Grade},
    "agency": {"sen_team": "SEN team", "education": "Education", "health": "Health", "social_care": "Social care",
               "parent_carer_forum": "Parent carer forum"},
    "advice": {"education": "Education", "health": "Health", "social_care": "Social care",
               "educational_psychology": "Educational psychology"},
    "phase": {"early_years": "Early years", "primary": "Primary", "secondary": "Secondary", "post_16": "Post-16",
              "post_19": "Post-19"},
    # SEN2 primary need codes written out, the code kept in brackets because boards and teams use it.
    "need": {"ASD": "Autistic spectrum disorder (ASD)", "SLCN": "Speech, language and communication needs (SLCN)",
             "SEMH": "Social, emotional and mental health (SEMH)", "MLD": "Moderate learning difficulty (MLD)",
             "SLD": "Severe learning difficulty (SLD)", "PMLD": "Profound and multiple learning difficulty (PMLD)",
             "SpLD": "Specific learning difficulty (SpLD)", "VI": "Visual impairment (VI)",
             "HI": "Hearing impairment (HI)", "MSI": "Multi-sensory impairment (MSI)",
             "PD": "Physical disability (PD)", "OTH": "Other difficulty or disability (OTH)",
             "NSA": "No specialist assessment of need (NSA)"},
    "plan_status": {"active": "Active", "ceased": "Ceased", "transferred": "Transferred out"},
    "plan_stage": {"new": "New plan", "annual_review": "Annual review"},
    "stratum_field": {"team": "Team", "phase": "Phase", "primary_need": "Primary need", "setting_type": "Setting type",
                      "plan_stage": "New plan or annual review"},
    "rubric_kind": {"whole_plan": "Whole plan", "themed": "Themed"},
    "cycle_status": {"draft": "Not started", "open": "Open", "scored": "Scored", "closed": "Closed"},
    "sample_status": {"sampled": "Sampled", "withdrawn": "Withdrawn"},
    # A sampled plan's real state on the cycle page (audit.cycle.tracking), and its re-audit mark.
    "plan_state": {"not_started": "Not started", "in_progress": "In progress",
                   "submitted": "All scorecards in, not yet graded", "graded": "Graded", "incomplete": "Incomplete",
                   "withdrawn": "Withdrawn", "reaudit": "Re-audit"},
    # An auditor's piece of work, and a scorecard: the words of the progress tables.
    "work_status": {"not_started": "Not started", "draft": "In draft", "submitted": "Submitted", "late": "Late",
                    "total": "Total"},
    "section_status": {"complete": "Complete", "incomplete": "Incomplete", "not_applicable": "Not applicable"},
    "task_status": {"not_started": "Open", "done": "Done", "reaudited": "Re-audited"},
    "action_kind": {"amendment": "Amendment task", "improvement": "Improvement action"},
    "marker_role": {"first": "First marker", "second": "Second marker", "moderated": "Moderated"},
    "link_level": {"criterion": "Criterion", "section": "Section", "service": "Service"},
    "role": {"qa_lead": "QA lead", "auditor": "Auditor", "moderator": "Moderator", "service_lead": "Service lead",
             "board_member": "Board member", "parent_carer_auditor": "Parent carer forum auditor", "admin": "Admin",
             "send_strategic_lead": "SEND strategic lead"},
    "moderation_policy": {"first": "the first marker's grade counts", "lower": "the lower grade counts",
                          "moderator": "every double-marked plan is moderated"},
    "timeliness_group": {"within_20_weeks": "Within 20 weeks", "over_20_weeks": "Over 20 weeks",
                         "not_issued": "Not issued", "all": "All"},
    "chase_rule": {"assignment-due-soon": "Due soon (auditor)", "assignment-overdue": "Overdue (auditor)",
                   "assignment-escalation": "Escalated to agency lead"},
    "chase_outcome": {"sent": "Email sent", "sending": "Being sent, or interrupted while sending", "failed": "Failed",
                      "no_address": "Not emailed: no address", "no_smtp": "Not emailed: email not set up",
                      "unknown": "Interrupted: may not have been sent"},
    "delivery_status": {"pending": "Pending", "sent": "Sent", "failed": "Failed",
                        "skipped": "Skipped (email not set up)"},
    "flag_status": {"open": "Open", "closed": "Closed"},
    "action_event": {"created": "Created", "imported": "Imported", "linked": "Linked", "evidence": "Evidence added",
                     "evidence-updated": "Evidence updated", "proposal": "Status proposed",
                     "proposal-updated": "Proposal updated", "revised": "Changed by a new version of the plan",
                     "removed": "Left out of a new version of the plan"},
    "trail_action": {"create": "added", "update": "changed", "delete": "removed", "bulk create": "added in bulk",
                     "bulk update": "changed in bulk", "bulk delete": "removed in bulk", "view": "viewed"},
    # Who acted, by the prefix the trail records (audit.store.actor): web:USER, api:USER, cli:USER, flow:NAME.
    "actor_kind": {"web": "on the web", "api": "through the API", "cli": "on the command line",
                   "flow": "the workflow", "system": "the system"},
}
ROLE_LABELS = LABELS["role"]


def humanise(code: object) -> str:
    """A code no family knows (an area's own word, a new status) in words: 'no_smtp' -> 'No smtp'."""
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label(code: object, family: str) -> str:
    """The words for `code` in a family of LABELS ('phase', 'need', 'cycle_status' ...); '' for None."""
    if code is None or code == "":
        return ""
    value = getattr(code, "value", code)
    words = LABELS[family].get(str(value))
    return words if words is not None else humanise(value)


def _lower_first(text: str) -> str:
    """'Annual review' -> 'annual review', but 'SEN team' and 'ASD' stay as written."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


STRATUM_VALUE_FAMILIES = {"phase": "phase", "primary_need": "need", "plan_stage": "plan_stage"}


def stratum_label(key: str | None) -> str:
    """A stratum key as words: 'team=North|plan_stage=annual_review' -> 'Team North, annual review'."""
    if not key or key == "all":
        return "Whole register (not stratified)"
    if key == REAUDIT_STRATUM:
        return "Re-audit after amendment"
    parts = []
    for part in key.split("|"):
        field, _, value = part.partition("=")
        if field in STRATUM_VALUE_FAMILIES:
            parts.append(label(value, STRATUM_VALUE_FAMILIES[field]))
        else:
            parts.append(f"{label(field, 'stratum_field')} {value}".strip())
    words = [parts[0]] + [_lower_first(p) for p in parts[1:]]
    return ", ".join(words)


def section_words(code: str) -> str:
    """A rubric unit as words: 'A' stays 'A'; a shared section's part 'A:parent_carer_forum' reads
    'A (Parent carer forum's part)'."""
    section, _, agency = str(code).partition(":")
    return f"{section} ({label(agency, 'agency')}'s part)" if agency else section
