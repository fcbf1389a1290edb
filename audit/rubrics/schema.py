"""The rubric file format: check raw content and normalise it, collecting every problem in one pass.

Normalised content is what gets hashed and stored: known keys only, defaults filled in, whitespace in
text collapsed, grade labels spelled canonically, whole-number weights as integers. Normalising
normalised content changes nothing, so a stored version rebuilds with the same hash.
"""

from __future__ import annotations

import math
import re
from typing import Any

from audit.cells import text_problem
from audit.errors import Problem
from audit.limits import DEFAULT_TEXT_CHARS
from audit.rubrics.conditions import normalise_conditions
from audit.rubrics.inheritance import (
    Inherited,
    complete_descriptors,
    criterion_agencies,
    shared_agencies,
)
from audit.rubrics.inheritance import (
    flag as _flag,
)
from audit.rubrics.model import KINDS, SECTION_METHODS
from audit.vocabulary import AdviceType, Agency, Grade

TOP_KEYS = ("id", "title", "version", "kind", "theme", "rollup", "descriptors", "allow_not_applicable", "sections")
ROLLUP_KEYS = ("section", "plan", "caps")
SECTION_KEYS = ("code", "title", "agency", "agencies", "combine", "weight", "applies_if_advice", "applies_if",
                "descriptors", "allow_not_applicable", "criteria", "caps")
CRITERION_KEYS = ("id", "text", "weight", "applies_if", "agencies", "allow_not_applicable", "descriptors")
CAP_KEYS = ("at_or_below", "cap_at")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_GRADES_BEST_FIRST = sorted(Grade, reverse=True)


class _Checker:
    """Walks raw content; every check records a Problem and returns a usable placeholder."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str, fix: str | None = None) -> None:
        self.problems.append(Problem(file=self.source, column=path or None, message=message, fix=fix))

    def mapping(self, raw: Any, path: str, allowed: tuple[str, ...], what: str) -> dict:
        if not isinstance(raw, dict):
            self.problem(path, f"{what} should be a block of 'name: value' lines, not {_kind(raw)}",
                         f"write it with the keys {', '.join(allowed)}")
            return {}
        for key in raw:
            if key not in allowed:
                self.problem(_join(path, str(key)), f"'{key}' is not a known key of {what}",
                             f"use only {', '.join(allowed)} (check the spelling)")
        return raw

    def text(self, raw: dict, key: str, path: str, required: bool = True) -> str:
        value = raw.get(key)
        where = _join(path, key)
        if value is None:
            if required:
                self.problem(where, f"'{key}' is missing", f"add a '{key}:' line")
            return ""
        if isinstance(value, (bool, dict, list)):
            self.problem(where, f"'{key}' should be text, not {_kind(value)}", "put the text in quotes")
            return ""
        if isinstance(value, float):
            # YAML reads 2026.10 as the number 2026.1; refusing it avoids a silently changed label.
            self.problem(where, f"'{key}' was read as the number {value}", f'put it in quotes: {key}: "{value}"')
            return str(value)
        text = " ".join(str(value).split())
        if required and not text:
            self.problem(where, f"'{key}' is empty", f"write the {key} after '{key}:'")
        bad = text_problem(text, DEFAULT_TEXT_CHARS)
        if bad is not None:  # rubric text is printed in scorecards, spreadsheets and web pages
            self.problem(where, f"'{key}' {bad[0]}", bad[1])
        return text

    def code(self, raw: dict, key: str, path: str) -> str:
        value = self.text(raw, key, path)
        if value and not _CODE.match(value):
            self.problem(_join(path, key), f"'{value}' is not a usable {key}",
                         "use letters, digits, '.', '_' or '-' with no spaces")
        return value

    def choice(
        self, raw: dict, key: str, path: str, allowed: list[str], required: bool = True, what: str | None = None
    ) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.problem(_join(path, key), f"'{key}' is missing", f"add '{key}:' with one of {', '.join(allowed)}")
            return None
        if str(value) not in allowed:
            self.problem(_join(path, key), f"'{value}' is not a known {what or key}", f"use one of {', '.join(allowed)}")
            return None
        return str(value)

    def weight(self, raw: dict, path: str) -> int | float:
        value = raw.get("weight", 1)
        where = _join(path, "weight")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.problem(where, f"weight '{value}' is not a number", "use a positive number such as 1 or 2")
            return 1
        if value <= 0:
            self.problem(where, f"weight {value} is not positive", "use a number above 0")
            return 1
        # 1 and 1.0 must hash alike: whole numbers are stored as integers.
        return int(value) if float(value).is_integer() else float(value)

    def grade(self, raw: dict, key: str, path: str) -> str:
        value = raw.get(key)
        if value is None:
            self.problem(_join(path, key), f"'{key}' is missing", f"add '{key}:' with a grade such as Inadequate")
            return Grade.INADEQUATE.label
        try:
            return Grade.parse(value).label
        except ValueError:
            self.problem(_join(path, key), f"'{value}' is not a grade",
                         f"use one of {', '.join(g.label for g in _GRADES_BEST_FIRST)}")
            return Grade.INADEQUATE.label

    def items(self, raw: dict, key: str, path: str, required: bool = True) -> list:
        value = raw.get(key)
        if value is None:
            if required:
                self.problem(_join(path, key), f"'{key}' is missing", f"add a '{key}:' list")
            return []
        if not isinstance(value, list):
            self.problem(_join(path, key), f"'{key}' should be a list of '- ' items, not {_kind(value)}",
                         "start each item with '- '")
            return []
        if required and not value:
            self.problem(_join(path, key), f"'{key}' is empty", f"add at least one item under '{key}:'")
        return value


def normalise(content: Any, source: str) -> tuple[dict, list[Problem]]:
    """Check raw rubric content; return (normalised content, problems). Content is usable only if no problems."""
    check = _Checker(source)
    raw = check.mapping(content, "", TOP_KEYS, "the rubric")
    out: dict[str, Any] = {
        "id": check.code(raw, "id", ""),
        "title": check.text(raw, "title", ""),
        "version": check.text(raw, "version", ""),
        "kind": check.choice(raw, "kind", "", list(KINDS)),
        "theme": check.choice(raw, "theme", "", AdviceType.values(), required=False),
    }
    if out["kind"] == "themed" and out["theme"] is None and raw.get("theme") is None:
        check.problem("theme", "a themed rubric needs a theme", f"add 'theme:' with one of {', '.join(AdviceType.values())}")
    if out["kind"] == "whole_plan" and out["theme"] is not None:
        check.problem("theme", "a whole-plan rubric has no theme", "set 'theme: null' or 'kind: themed'")

    inherited = Inherited(_descriptors(check, raw.get("descriptors"), "descriptors", partial=True)
                          if "descriptors" in raw else {}, _flag(check, raw, "allow_not_applicable", ""))
    sections = [_section(check, s, f"sections[{i}]", inherited)
                for i, s in enumerate(check.items(raw, "sections", ""))]
    out["rollup"] = _rollup(check, raw.get("rollup"), [s["code"] for s in sections])
    out["sections"] = sections
    _duplicates(check, [(s["code"], f"sections[{i}].code") for i, s in enumerate(sections)], "section code")
    _duplicates(
        check,
        [(c["id"], f"sections[{i}].criteria[{j}].id") for i, s in enumerate(sections) for j, c in enumerate(s["criteria"])],
        "criterion id",
    )
    return out, check.problems


def _rollup(check: _Checker, raw: Any, section_codes: list[str]) -> dict:
    if raw is None:
        check.problem("rollup", "the roll-up rule is missing",
                      "add 'rollup:' with 'section:' and 'plan:' (weighted, best_fit or lowest)")
        raw = {}
    raw = check.mapping(raw, "rollup", ROLLUP_KEYS, "rollup")
    return {
        "section": check.choice(raw, "section", "rollup", list(SECTION_METHODS), what="roll-up method"),
        "plan": check.choice(raw, "plan", "rollup", list(SECTION_METHODS), what="roll-up method"),
        "caps": [
            _cap(check, c, f"rollup.caps[{i}]", "sections", section_codes, "section")
            for i, c in enumerate(check.items(raw, "caps", "rollup", required=False))
        ],
    }


def _section(check: _Checker, raw: Any, path: str, inherited: Inherited) -> dict:
    raw = check.mapping(raw, path, SECTION_KEYS, "a section")
    own = Inherited(
        {**inherited.descriptors, **(_descriptors(check, raw.get("descriptors"), f"{path}.descriptors", partial=True)
                                     if "descriptors" in raw else {})},
        _flag(check, raw, "allow_not_applicable", path, inherited.allow_not_applicable))
    parts = shared_agencies(check, raw, path) if "agencies" in raw else None
    agencies = [p["agency"] for p in parts] if parts else []
    criteria = [_criterion(check, c, f"{path}.criteria[{j}]", own, agencies)
                for j, c in enumerate(check.items(raw, "criteria", path))]
    ids = [c["id"] for c in criteria]
    out = {"code": check.code(raw, "code", path), "title": check.text(raw, "title", path)}
    if parts is None:
        out["agency"] = check.choice(raw, "agency", path, Agency.values())
        if "combine" in raw:
            check.problem(_join(path, "combine"), "'combine' is only for a section graded by more than one agency",
                          "remove it, or list the agencies under 'agencies:'")
    else:
        out["agencies"] = parts
        out["combine"] = check.choice(raw, "combine", path, list(SECTION_METHODS), what="rule for combining grades")
        for agency in agencies:
            if not any(not c.get("agencies") or agency in c["agencies"] for c in criteria):
                check.problem(_join(path, "agencies"), f"{agency} grades no criterion of this section",
                              f"give {agency} a criterion, or take it out of 'agencies'")
    out["weight"] = check.weight(raw, path)
    if parts is None:
        out["applies_if_advice"] = check.choice(raw, "applies_if_advice", path, AdviceType.values(), required=False)
    if "applies_if" in raw:
        out["applies_if"] = normalise_conditions(raw["applies_if"], _join(path, "applies_if"), check.problem)
    out["caps"] = [_cap(check, c, f"{path}.caps[{k}]", "criteria", ids, "criterion in this section")
                   for k, c in enumerate(check.items(raw, "caps", path, required=False))]
    out["criteria"] = criteria
    return out


def _criterion(check: _Checker, raw: Any, path: str, inherited: Inherited, section_agencies: list[str]) -> dict:
    raw = check.mapping(raw, path, CRITERION_KEYS, "a criterion")
    out: dict[str, Any] = {
        "id": check.code(raw, "id", path),
        "text": check.text(raw, "text", path),
        "weight": check.weight(raw, path),
    }
    if "applies_if" in raw:
        out["applies_if"] = normalise_conditions(raw["applies_if"], _join(path, "applies_if"), check.problem)
    if "agencies" in raw:
        out["agencies"] = criterion_agencies(check, raw["agencies"], _join(path, "agencies"), section_agencies)
    if _flag(check, raw, "allow_not_applicable", path, inherited.allow_not_applicable):
        out["allow_not_applicable"] = True
    given = raw.get("descriptors") is not None
    own = _descriptors(check, raw["descriptors"], f"{path}.descriptors", partial=True) if given else {}
    out["descriptors"] = complete_descriptors(check, {**inherited.descriptors, **own}, f"{path}.descriptors",
                                              bool(inherited.descriptors) or given)
    return out


def _descriptors(check: _Checker, raw: Any, path: str, partial: bool = False) -> dict[str, str]:
    """The descriptors written at one level, by grade label; `partial` allows some grades only (the rest inherited)."""
    labels = [g.label for g in _GRADES_BEST_FIRST]
    if not isinstance(raw, dict):
        check.problem(path, "the grade descriptors are missing" if raw is None else "descriptors should be one line per grade",
                      f"add 'descriptors:' with a line for each of {', '.join(labels)}")
        return {}
    found: dict[Grade, str] = {}
    for key, text in raw.items():
        try:
            grade = Grade.parse(key)
        except ValueError:
            check.problem(path, f"'{key}' is not a grade", f"use the labels {', '.join(labels)}")
            continue
        if grade in found:
            check.problem(path, f"'{key}' describes {grade.label} a second time", "keep one descriptor per grade")
            continue
        found[grade] = " ".join(str(text).split()) if text is not None else ""
        if not found[grade] or isinstance(text, (dict, list, bool)):
            check.problem(path, f"the descriptor for '{grade.label}' is empty",
                          f"write what {grade.label} looks like for this criterion")
        elif (bad := text_problem(found[grade], DEFAULT_TEXT_CHARS)) is not None:
            check.problem(path, f"the descriptor for '{grade.label}' {bad[0]}", bad[1])
    if not partial:
        return complete_descriptors(check, {g.label: t for g, t in found.items()}, path, True)
    return {g.label: found[g] for g in _GRADES_BEST_FIRST if g in found}


def _cap(check: _Checker, raw: Any, path: str, targets_key: str, known: list[str], noun: str) -> dict:
    raw = check.mapping(raw, path, (targets_key, *CAP_KEYS), "a cap")
    targets = raw.get(targets_key)
    if isinstance(targets, (str, int)) and not isinstance(targets, bool):
        targets = [targets]  # "sections: F" is a natural way to write a one-target cap
    if not isinstance(targets, list) or not targets:
        check.problem(_join(path, targets_key), f"a cap needs its '{targets_key}'",
                      f"write e.g. '{targets_key}: [{known[0] if known else 'X'}]'")
        targets = []
    targets = [str(t) for t in targets]
    for t in targets:
        if t not in known:
            check.problem(_join(path, targets_key), f"cap names '{t}', which is not a {noun}",
                          f"use one of {', '.join(dict.fromkeys(known)) or '(none defined)'}")
    at_or_below = check.grade(raw, "at_or_below", path)
    cap_at = check.grade(raw, "cap_at", path)
    if "cap_at" in raw and Grade.parse(cap_at) == Grade.OUTSTANDING:
        check.problem(_join(path, "cap_at"), "a cap at Outstanding never limits anything",
                      "cap at Good or lower, or remove the cap")
    return {targets_key: targets, "at_or_below": at_or_below, "cap_at": cap_at}


def _duplicates(check: _Checker, values: list[tuple[str, str]], what: str) -> None:
    first: dict[str, str] = {}
    for value, path in values:
        if not value:
            continue
        if value in first:
            check.problem(path, f"{what} '{value}' is used twice (first at {first[value]})",
                          f"give each {what.split()[0]} its own {what.split()[-1]}")
        else:
            first[value] = path


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a block", list: "a list", bool: "yes/no", str: "text"}.get(type(value), "a number")
