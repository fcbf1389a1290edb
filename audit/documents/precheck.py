"""The offline text pre-check: run the rules over a plan's sections and say what each flags, in words.

Rules can be switched off per area in two places: by the service's operator in the settings
(EHCP_AUDIT_PRECHECK_RULES_OFF, a JSON map of area code to rule ids; "*" for every area), and by the area's QA
lead on the web (a PrecheckRuleSwitch row, kept in the audit trail). A rule runs when neither switches it off.
A flag is only ever a suggestion; auditors confirm or dismiss it with a reason.
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


def area_rules(settings, area_code: str | None = None, session=None) -> list[Rule]:
    """The rules that run for an area: its rule folder, less those the settings switch off and, given the store
    (`session`), those the area's QA lead switched off."""
    from audit.documents.rules import load_rules

    code = area_code or settings.area_code
    off = {code: [*settings.precheck_rules_off.get(code, []), *(switched_off(session, code) if session else [])]}
    return rules_for_area(load_rules(settings.precheck_dir), code, {**settings.precheck_rules_off, **off})


def switched_off(session, area_code: str) -> list[str]:
    """The rule ids the area's QA lead has switched off on the web."""
    from sqlmodel import select

    from audit.store.models import LocalArea, PrecheckRuleSwitch

    return list(session.exec(select(PrecheckRuleSwitch.rule_id).join(
        LocalArea, LocalArea.id == PrecheckRuleSwitch.area_id).where(
        LocalArea.code == area_code, PrecheckRuleSwitch.enabled.is_(False))).all())


def switch_rule(session, area, rule_id: str, enabled: bool, known: list[Rule], by: str) -> None:
    """Switch one rule on or off for the area (the change is in the audit trail); an unknown rule is refused."""
    from sqlmodel import select

    from audit import clock
    from audit.errors import NotFound
    from audit.store.models import PrecheckRuleSwitch

    if rule_id not in {r.id for r in known}:
        raise NotFound(f"There is no pre-check rule '{rule_id}'.")
    row = session.exec(select(PrecheckRuleSwitch).where(PrecheckRuleSwitch.area_id == area.id,
                                                        PrecheckRuleSwitch.rule_id == rule_id)).first()
    row = row or PrecheckRuleSwitch(area_id=area.id, rule_id=rule_id, enabled=enabled, changed_by=by)
    row.enabled, row.changed_by, row.changed_at = enabled, by, clock.now()
    session.add(row)
    session.flush()


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
