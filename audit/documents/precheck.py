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


def area_rules(settings, area_code: str | None = None) -> list[Rule]:
    """The rules that run for an area under these settings (its rule folder, its switched-off rules)."""
    from audit.documents.rules import load_rules

    return rules_for_area(load_rules(settings.precheck_dir), area_code or settings.area_code,
                          settings.precheck_rules_off)


def check_sections(plan: str, sections: dict[str, Section], rules: list[Rule]) -> list[Flag]:
    """Every flag the rules raise on one plan, in rule order then document order."""
    flags = []
    for rule in rules:
        for letter, quote, detail in rule.run(sections):
            flags.append(Flag(plan, rule.id, letter, quote, f"{rule.explanation} {detail}".strip()))
    return flags


def _check_path(path: Path, rules: list[Rule], mapping) -> tuple[list[Flag], list]:
    from audit.documents.intake import gather
    from audit.documents.parsing import parse

    accepted, problems = gather([path])
    flags: list[Flag] = []
    for incoming in accepted:
        parsed, found = parse(incoming, mapping)
        problems += found
        if parsed is not None:
            flags += check_sections(parsed.stated_reference() or incoming.name, parsed.sections, rules)
    return flags, problems


def check_files(paths: list[Path], rules: list[Rule], mapping=None, workers: int = 1) -> tuple[list[Flag], list]:
    """Flags for plan documents on disk (no store): the plan is the reference it states, else its file name.

    With `workers` > 1 the files are read and checked in that many processes (reading a PDF's text layer is
    the slow part); the flags come back in the order of the files either way."""
    flags: list[Flag] = []
    problems: list = []
    if workers > 1 and len(paths) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from functools import partial

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(partial(_check_path, rules=rules, mapping=mapping), paths,
                                    chunksize=max(1, len(paths) // (workers * 8))))
    else:
        results = [_check_path(path, rules, mapping) for path in paths]
    for found_flags, found_problems in results:
        flags += found_flags
        problems += found_problems
    return flags, problems
