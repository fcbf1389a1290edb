"""The offline text pre-check: run the rules over a plan's sections and say what each flags, in words.

Rules can be switched off per area (settings: EHCP_AUDIT_PRECHECK_RULES_OFF, a JSON map of area code to rule
ids; "*" for every area). A flag is only ever a suggestion; auditors confirm or dismiss it with a reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from audit.documents.rules import Rule
from audit.documents.sections import Section


@dataclass(frozen=True)
class Flag:
    plan: str
    rule_id: str
    section: str
    quote: str
    explanation: str

    def as_dict(self) -> dict:
        return asdict(self)


def rules_for_area(rules: list[Rule], area_code: str | None, switched_off: dict[str, list[str]]) -> list[Rule]:
    """The rules that run for an area: all but those its settings switch off."""
    off = set(switched_off.get("*", [])) | set(switched_off.get(area_code or "", []))
    return [r for r in rules if r.id not in off]


def check_sections(plan: str, sections: dict[str, Section], rules: list[Rule]) -> list[Flag]:
    """Every flag the rules raise on one plan, in rule order then document order."""
    flags = []
    for rule in rules:
        for letter, quote, detail in rule.run(sections):
            flags.append(Flag(plan, rule.id, letter, quote, f"{rule.explanation} {detail}".strip()))
    return flags


def check_files(paths: list[Path], rules: list[Rule], mapping=None) -> tuple[list[Flag], list]:
    """Flags for plan documents on disk (no store): the plan is the reference it states, else its file name."""
    from audit.documents.intake import gather
    from audit.documents.parsing import parse

    accepted, problems = gather(paths)
    flags: list[Flag] = []
    for incoming in accepted:
        parsed, found = parse(incoming, mapping)
        problems += found
        if parsed is not None:
            flags += check_sections(parsed.stated_reference() or incoming.name, parsed.sections, rules)
    return flags, problems
