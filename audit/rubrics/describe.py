"""A rubric in plain words for `ehcp-audit rubric show`: rules, caps, who grades what, and when each applies."""

from __future__ import annotations

from audit.rubrics.model import Cap, Rubric, Section
from audit.vocabulary import Agency

_METHOD_WORDS = {
    "weighted": "weighted mean to the nearest grade (halves round down)",
    "best_fit": "best fit (weighted median grade)",
    "lowest": "lowest grade (limiting)",
}


def describe(rubric: Rubric) -> str:
    """A plain-text summary for `ehcp-audit rubric show`."""
    lines = [
        f"{rubric.title}",
        f"  id {rubric.key}, version {rubric.version_label}, hash {rubric.short_hash}",
        f"  kind: {rubric.kind.replace('_', ' ')}" + (f" (theme: {rubric.theme.replace('_', ' ')})" if rubric.theme else ""),
        f"  criteria -> section: {_method_words(rubric.rollup.section_method)}",
        f"  sections -> plan and each service: {_method_words(rubric.rollup.plan_method)}",
    ]
    for cap in rubric.rollup.caps:
        lines.append(f"  cap: {_cap_words(cap, 'section', 'the plan')}")
    lines.append("")
    lines.append("Agencies:")
    for agency in rubric.agencies():
        codes = ", ".join(s.code for s in rubric.sections_for_agency(agency))
        lines.append(f"  {_agency_label(agency)}: {codes}")
    lines.append("")
    total = sum(len(s.criteria) for s in rubric.sections)
    lines.append(f"Sections ({len(rubric.sections)}, {total} criteria):")
    width = max(len(s.code) for s in rubric.sections)
    for s in rubric.sections:
        lines.append(
            # Parentheses, not brackets: the CLI prints through rich, which reads [..] as markup.
            f"  {s.code:<{width}}  {s.title} ({_who(s)}; weight {_num(s.weight)}; "
            f"{_count(len(s.criteria))}: {', '.join(s.criterion_ids())}{_when(s)})"
        )
        for cap in s.caps:
            lines.append(f"  {'':<{width}}  cap: {_cap_words(cap, 'criterion', 'the section')}")
        for c in s.criteria:
            notes = ([f"only where {' and '.join(x.words() for x in c.applies_if)}"] if c.applies_if else []) + (
                [f"graded by {', '.join(_agency_label(a) for a in c.agencies)}"] if c.agencies else []) + (
                ["may be marked not applicable, with a reason"] if c.allow_not_applicable else [])
            if notes:
                lines.append(f"  {'':<{width}}  {c.id}: {'; '.join(notes)}")
    return "\n".join(lines)


def _who(s: Section) -> str:
    if not s.shared:
        return _agency_label(s.agency)
    names = [_agency_label(p.agency) + (f" if {p.applies_if_advice.replace('_', ' ')} advice was requested"
                                         if p.applies_if_advice else "") for p in s.agencies]
    return f"graded by {', '.join(names)}; their grades combined by {_method_words(s.combine)}"


def _when(s: Section) -> str:
    extra = f"; only if {s.applies_if_advice.replace('_', ' ')} advice was requested" if s.applies_if_advice else ""
    if s.applies_if:
        extra += f"; only where {' and '.join(c.words() for c in s.applies_if)}"
    return extra


def _method_words(method: str | None) -> str:
    return _METHOD_WORDS.get(method or "", method or "")


def _cap_words(cap: Cap, noun: str, whole: str) -> str:
    return (
        f"if {noun} {' or '.join(cap.targets)} is {cap.at_or_below.label} or worse, "
        f"{whole} is at most {cap.cap_at.label}"
    )


def _agency_label(agency: str) -> str:
    try:
        return Agency(agency).label
    except ValueError:
        return agency


def _count(n: int) -> str:
    return f"{n} criterion" if n == 1 else f"{n} criteria"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
