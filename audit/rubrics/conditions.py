"""When a section or criterion applies: conditions on the plan's register fields, checked like the rest of a rubric.

Written in a rubric as `applies_if`, every condition must hold:

```yaml
applies_if:
  year_group: {at_least: "9"}              # preparing-for-adulthood outcomes, Year 9 and above
  phase: [secondary, post_16, post_19]     # a list is "one of"; a single word is "this one"
  primary_need: {not_in: [PMLD]}
  health_advice_requested: recorded        # a date field: recorded or not recorded
  post_16_move: "yes"                      # a yes/no field
```

Ordered fields (year group, phase) take `at_least` and `at_most` in their register order (N1, N2, R, 1 ... 14;
early years ... post-19). A plan with no value for a field fails every condition on it except `not_in` and
`not recorded`. Conditions are normalised (sorted, canonical codes) before hashing, so how they are written
does not change a rubric's identity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audit.vocabulary import YEAR_GROUPS, AdviceType, NeedCode, Phase, PlanStatus

ORDERED = {"year_group": YEAR_GROUPS, "phase": Phase.values()}
CODED = {"primary_need": NeedCode.values(), "status": PlanStatus.values(), "phase_transfer_to": Phase.values(),
         "decision_to_assess_outcome": ["assess", "not_assess"]}
TEXT = ("team", "setting_type")
DATES = (*(f"{t}_advice_requested" for t in AdviceType.values()), "request_date", "area_started_date",
         "final_issued_date", "last_review_meeting_date", "phase_transfer_date", "transfer_in_received_date")
FLAGS = ("timescale_exception", "post_16_move")
FIELDS = (*ORDERED, *CODED, *TEXT, *DATES, *FLAGS)
OPERATORS = ("in", "not_in", "at_least", "at_most", "recorded")
_WORDS = {"recorded": True, "not recorded": False, "not_recorded": False}
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}


@dataclass(frozen=True)
class Condition:
    """One test on one register field: `op` is in, not_in, at_least, at_most or recorded."""

    field: str
    op: str
    values: tuple[str, ...]  # for recorded: ("yes",) or ("no",)

    def holds(self, plan: Any) -> bool:
        value = plan.get(self.field) if isinstance(plan, dict) else getattr(plan, self.field, None)
        if self.op == "recorded":
            return (value is not None and value != "") == (self.values == ("yes",))
        if self.field in FLAGS:
            return bool(value) == (self.values == ("yes",))
        if value is None or value == "":
            return self.op == "not_in"
        text = str(value).strip()
        if self.op in ("in", "not_in"):
            inside = text.casefold() in {v.casefold() for v in self.values}
            return inside if self.op == "in" else not inside
        order = ORDERED[self.field]
        if text not in order:
            return False
        position, bound = order.index(text), order.index(self.values[0])
        return position >= bound if self.op == "at_least" else position <= bound

    def words(self) -> str:
        """'year group 9 or above', 'phase is secondary or post 16', 'health advice requested is recorded'."""
        name = self.field.replace("_", " ")
        shown = [v.replace("_", " ") for v in self.values]
        if self.op == "recorded":
            return f"{name} is {'recorded' if self.values == ('yes',) else 'not recorded'}"
        if self.field in FLAGS:
            return f"{name} is {self.values[0]}"
        if self.op == "at_least":
            return f"{name} {shown[0]} or above"
        if self.op == "at_most":
            return f"{name} {shown[0]} or below"
        joined = " or ".join(shown)
        return f"{name} is {joined}" if self.op == "in" else f"{name} is not {joined}"


def applies(conditions: tuple[Condition, ...], plan: Any) -> bool:
    return all(c.holds(plan) for c in conditions)


def normalise_conditions(raw: Any, path: str, problem: Callable[[str, str, str], None]) -> dict:
    """Check `applies_if` and give its canonical form: {field: {op: value}}; every problem reported."""
    if not isinstance(raw, dict) or not raw:
        problem(path, "applies_if should list register fields and what they must be",
                "write e.g. 'applies_if: {year_group: {at_least: \"9\"}}'")
        return {}
    out: dict[str, dict] = {}
    for field, rule in raw.items():
        where = f"{path}.{field}"
        if field not in FIELDS:
            problem(where, f"'{field}' is not a register field a condition can read",
                    f"use one of {', '.join(FIELDS)}")
            continue
        checked = _rule(field, rule, where, problem)
        if checked:
            out[str(field)] = checked
    return dict(sorted(out.items()))


def _rule(field: str, rule: Any, where: str, problem: Callable[[str, str, str], None]) -> dict:
    if field in DATES:
        if isinstance(rule, dict) and list(rule) == ["recorded"] and isinstance(rule["recorded"], bool):
            return dict(rule)  # already normalised (a stored rubric read again)
        word = str(rule).strip().lower() if isinstance(rule, str) else None
        if word not in _WORDS:
            problem(where, f"a date field takes 'recorded' or 'not recorded', not {rule!r}",
                    f"write '{field}: recorded'")
            return {}
        return {"recorded": _WORDS[word]}
    if field in FLAGS:
        if isinstance(rule, dict) and list(rule) == ["in"] and isinstance(rule["in"], list) and len(rule["in"]) == 1:
            rule = rule["in"][0]  # already normalised
        word = str(rule).strip().lower() if isinstance(rule, (str, bool)) else None
        word = {"true": "yes", "false": "no"}.get(word, word)
        if word not in _YES | _NO:
            problem(where, f"a yes/no field takes yes or no, not {rule!r}", f"write '{field}: \"yes\"'")
            return {}
        return {"in": ["yes" if word in _YES else "no"]}
    if isinstance(rule, (str, int)) and not isinstance(rule, bool):
        rule = {"in": [rule]}
    elif isinstance(rule, list):
        rule = {"in": rule}
    if not isinstance(rule, dict) or not rule:
        problem(where, f"'{field}' needs a value, a list, or one of {', '.join(OPERATORS[:4])}",
                f"write e.g. '{field}: {{in: [...]}}'")
        return {}
    out: dict[str, Any] = {}
    for op, values in rule.items():
        if op not in OPERATORS[:4] or (op in ("at_least", "at_most") and field not in ORDERED):
            allowed = OPERATORS[:4] if field in ORDERED else OPERATORS[:2]
            problem(f"{where}.{op}", f"'{op}' is not a test '{field}' takes", f"use {' or '.join(allowed)}")
            continue
        items = values if isinstance(values, list) else [values]
        if op in ("at_least", "at_most") and len(items) != 1:
            problem(f"{where}.{op}", f"'{op}' takes one value", f"write e.g. '{op}: \"{ORDERED[field][-3]}\"'")
            continue
        canonical = [_value(field, v, f"{where}.{op}", problem) for v in items]
        if None in canonical or not canonical:
            continue
        out[op] = canonical[0] if op in ("at_least", "at_most") else sorted(set(canonical))
    return out


def _value(field: str, value: Any, where: str, problem: Callable[[str, str, str], None]) -> str | None:
    text = str(value).strip()
    known = ORDERED.get(field) or CODED.get(field)
    if known is None:  # free text (team, setting type)
        if not text:
            problem(where, "an empty value", "write the value as the register has it")
            return None
        return text
    if field == "year_group" and text.isdigit():
        text = str(int(text))  # "09" is year 9
    table = {k.casefold(): k for k in known}
    key = text.casefold().replace(" ", "_").replace("-", "_") if field != "year_group" else text.casefold()
    if key not in table:
        problem(where, f"'{value}' is not a {field.replace('_', ' ')}", f"use one of {', '.join(known)}")
        return None
    return table[key]


def build_conditions(normalised: dict) -> tuple[Condition, ...]:
    """Conditions from normalised `applies_if` content."""
    out = []
    for field, rule in normalised.items():
        for op, values in rule.items():
            if op == "recorded":
                out.append(Condition(field, "recorded", ("yes",) if values else ("no",)))
            else:
                out.append(Condition(field, op, tuple(values) if isinstance(values, list) else (values,)))
    return tuple(out)
