"""What a rubric says once and its criteria inherit, and who grades a shared section, checked with every problem named.

- `descriptors` at the top of the rubric or of a section are inherited by each criterion below, grade by grade;
  a criterion's own descriptors win. Every criterion must end with all four. Normalised content holds each
  criterion's resolved descriptors, so writing a descriptor once or forty times is the same rubric.
- `allow_not_applicable` likewise: true at the top or on a section lets auditors mark its criteria not
  applicable (with a reason), unless a criterion says false.
- `agencies` makes a section shared: two or more agencies each grade it (or the criteria named for them), and
  `combine` (weighted, best_fit or lowest) turns their grades into the section's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit.vocabulary import AdviceType, Agency, Grade

_GRADES_BEST_FIRST = sorted(Grade, reverse=True)


@dataclass(frozen=True)
class Inherited:
    """What a level of the rubric passes down: descriptors by grade label, and whether N/A is allowed."""

    descriptors: dict[str, str]
    allow_not_applicable: bool = False


def flag(check: Any, raw: dict, key: str, path: str, default: bool = False) -> bool:
    """A yes/no key of a rubric block (YAML true/false), or `default` when it is not written."""
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        check.problem(f"{path}.{key}" if path else key, f"'{key}' should be true or false, not {value!r}",
                      f"write '{key}: true'")
        return default
    return value


def complete_descriptors(check: Any, found: dict[str, str], path: str, any_given: bool) -> dict[str, str]:
    """All four descriptors best first, or a problem for each grade missing after inheritance."""
    if not found and not any_given:
        labels = ", ".join(g.label for g in _GRADES_BEST_FIRST)
        check.problem(path, "the grade descriptors are missing",
                      f"add 'descriptors:' with a line for each of {labels}, here, on the section or the rubric")
        return {}
    for grade in _GRADES_BEST_FIRST:
        if grade.label not in found:
            check.problem(path, f"no descriptor for '{grade.label}'",
                          f"add a '{grade.label}:' line under descriptors here, on the section or on the rubric")
    return {g.label: found[g.label] for g in _GRADES_BEST_FIRST if g.label in found}


def shared_agencies(check: Any, raw: dict, path: str) -> list[dict]:
    """A shared section's agencies: each {agency, applies_if_advice}, two or more, each once."""
    where = f"{path}.agencies"
    value = raw.get("agencies")
    if "agency" in raw:
        check.problem(f"{path}.agency", "a section has 'agency' or 'agencies', not both",
                      "keep 'agencies:' for a section several agencies grade, or 'agency:' for one")
    if "applies_if_advice" in raw:
        check.problem(f"{path}.applies_if_advice", "a shared section says which advice each agency needs",
                      "write '- {agency: health, applies_if_advice: health}' under agencies")
    if not isinstance(value, list) or len(value) < 2:
        check.problem(where, "'agencies' lists two or more agencies that each grade the section",
                      "write '- sen_team' and '- {agency: health, applies_if_advice: health}' lines, or use 'agency:'")
        return []
    out: list[dict] = []
    for i, item in enumerate(value):
        item_path = f"{where}[{i}]"
        entry = {"agency": item} if isinstance(item, str) else item
        if not isinstance(entry, dict):
            check.problem(item_path, "an agency is a code, or {agency: ..., applies_if_advice: ...}",
                          "write '- health' or '- {agency: health, applies_if_advice: health}'")
            continue
        for key in entry:
            if key not in ("agency", "applies_if_advice"):
                check.problem(f"{item_path}.{key}", f"'{key}' is not a known key of an agency",
                              "use only agency and applies_if_advice")
        agency = check.choice(entry, "agency", item_path, Agency.values())
        advice = check.choice(entry, "applies_if_advice", item_path, AdviceType.values(), required=False)
        if agency is None:
            continue
        if agency in {e["agency"] for e in out}:
            check.problem(item_path, f"{agency} is listed twice", "list each agency once")
            continue
        out.append({"agency": agency, "applies_if_advice": advice})
    return out


def criterion_agencies(check: Any, raw: Any, path: str, section_agencies: list[str]) -> list[str]:
    """Which of a shared section's agencies grade this criterion, in the section's order."""
    if not section_agencies:
        check.problem(path, "only a criterion of a shared section (one with 'agencies') says who grades it",
                      "remove 'agencies' here; the section's agency grades every criterion")
        return []
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        check.problem(path, "'agencies' lists the section's agencies that grade this criterion",
                      f"write e.g. 'agencies: [{section_agencies[0]}]'")
        return []
    for item in items:
        if str(item) not in section_agencies:
            check.problem(path, f"'{item}' does not grade this section",
                          f"use one of the section's agencies: {', '.join(section_agencies)}")
    return [a for a in section_agencies if a in {str(i) for i in items}]
