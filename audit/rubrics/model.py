"""A rubric as the rest of the domain sees it: frozen dataclasses built from validated content.

Loading, validation, hashing and storing live in `audit.rubrics.loading`; this module only holds the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audit.vocabulary import Grade

SECTION_METHODS = ("weighted", "best_fit", "lowest")
KINDS = ("whole_plan", "themed")


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


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    agency: str
    weight: float
    applies_if_advice: str | None
    criteria: tuple[Criterion, ...]
    caps: tuple[Cap, ...] = ()

    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]


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

    def section(self, code: str) -> Section:
        """The section with this code; KeyError names the codes that exist."""
        for s in self.sections:
            if s.code == code:
                return s
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
        return [s for s in self.sections if s.agency == str(agency)]

    def agencies(self) -> list[str]:
        """Agencies that judge a section, in order of first appearance."""
        return list(dict.fromkeys(s.agency for s in self.sections))
