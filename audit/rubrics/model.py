"""A rubric as the rest of the domain sees it: frozen dataclasses built from validated content.

Loading, validation, hashing and storing live in `audit.rubrics.loading`; this module only holds the shapes.

A section is graded by one agency, or by several (`agencies`, with a `combine` rule). Each agency's share of a
shared section is a *part*, graded like a section of its own under the code "E:health"; the section's grade
combines its parts' grades. `Rubric.units_for_agency` lists what an agency grades: its own sections and its parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from audit.rubrics.conditions import Condition, applies
from audit.vocabulary import Grade

SECTION_METHODS = ("weighted", "best_fit", "lowest")
KINDS = ("whole_plan", "themed")
PART_SEPARATOR = ":"


@dataclass(frozen=True)
class Cap:
    """A limiting rule: if any target grades at or below `at_or_below`, the result is at most `cap_at`."""

    targets: tuple[str, ...]
    at_or_below: Grade
    cap_at: Grade

    def triggered_by(self, grades: dict[str, Grade]) -> bool:
        """True when a target present in `grades` is at or below the trigger grade."""
        return any(grades[t] <= self.at_or_below for t in self.targets if t in grades)


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str
    weight: float
    descriptors: dict[Grade, str] = field(hash=False)
    applies_if: tuple[Condition, ...] = ()  # register conditions; empty: every plan
    allow_not_applicable: bool = False  # the auditor may mark it not applicable, with a reason
    agencies: tuple[str, ...] = ()  # in a shared section: the agencies that grade it (empty: all of them)


@dataclass(frozen=True)
class AgencyPart:
    """One agency of a shared section, and the advice that must have been requested for it to grade."""

    agency: str
    applies_if_advice: str | None = None


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    agency: str  # the one agency, or a shared section's first (its lead, where one agency must be named)
    weight: float
    applies_if_advice: str | None
    criteria: tuple[Criterion, ...]
    caps: tuple[Cap, ...] = ()
    agencies: tuple[AgencyPart, ...] = ()  # two or more when the section is shared
    combine: str | None = None  # how a shared section's parts make its grade: weighted, best_fit or lowest
    applies_if: tuple[Condition, ...] = ()
    parent: str | None = None  # for a part: the shared section's code

    @property
    def shared(self) -> bool:
        return len(self.agencies) > 1

    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def graded_by(self) -> tuple[str, ...]:
        """The agencies that grade the section: its one agency, or every agency of a shared section."""
        return tuple(p.agency for p in self.agencies) if self.shared else (self.agency,)

    def applies_to(self, plan) -> bool:
        """Whether this section (or part) is graded for the plan: its advice requested and its conditions met."""
        advice = self.applies_if_advice
        if advice and (plan.get(f"{advice}_advice_requested") if isinstance(plan, dict)
                       else getattr(plan, f"{advice}_advice_requested", None)) is None:
            return False
        return applies(self.applies_if, plan)

    def parts(self) -> tuple[Section, ...]:
        """What is graded: the section itself, or one part per agency of a shared section."""
        if not self.shared:
            return (self,)
        out = []
        for part in self.agencies:
            criteria = tuple(c for c in self.criteria if not c.agencies or part.agency in c.agencies)
            ids = {c.id for c in criteria}
            caps = tuple(replace(cap, targets=tuple(t for t in cap.targets if t in ids)) for cap in self.caps
                         if ids & set(cap.targets))
            out.append(replace(self, code=f"{self.code}{PART_SEPARATOR}{part.agency}", agency=part.agency,
                               applies_if_advice=part.applies_if_advice, criteria=criteria, caps=caps, agencies=(),
                               combine=None, parent=self.code))
        return tuple(out)


@dataclass(frozen=True)
class Rollup:
    section_method: str
    plan_method: str
    caps: tuple[Cap, ...] = ()


@dataclass(frozen=True)
class Rubric:
    """One immutable rubric version; `content` is the normalised content the hash was taken of."""

    key: str
    title: str
    version_label: str
    kind: str
    theme: str | None
    rollup: Rollup
    sections: tuple[Section, ...]
    content: dict = field(hash=False, compare=False, repr=False)
    content_hash: str = ""

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    @property
    def units(self) -> tuple[Section, ...]:
        """Everything graded on its own: single-agency sections and the parts of shared sections, in order."""
        return tuple(part for s in self.sections for part in s.parts())

    def section(self, code: str) -> Section:
        """The section (or a shared section's part, "E:health") with this code; KeyError names what exists."""
        for s in self.sections:
            if s.code == code:
                return s
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(f"rubric '{self.key}' has no section '{code}'; it has {', '.join(self.section_codes())}")

    def section_codes(self) -> list[str]:
        return [s.code for s in self.sections]

    def criterion(self, criterion_id: str) -> tuple[Section, Criterion]:
        """The criterion with this id and the section holding it."""
        for s in self.sections:
            for c in s.criteria:
                if c.id == criterion_id:
                    return s, c
        raise KeyError(f"rubric '{self.key}' has no criterion '{criterion_id}'")

    def sections_for_agency(self, agency: str) -> list[Section]:
        """What an agency grades: its sections and its parts of shared sections (codes like "E:health")."""
        return [u for u in self.units if u.agency == str(agency)]

    units_for_agency = sections_for_agency

    def agencies(self) -> list[str]:
        """Agencies that grade anything, in order of first appearance."""
        return list(dict.fromkeys(u.agency for u in self.units))
