"""How often the pre-check's flags are right on labelled synthetic plans: per rule, precision and recall.

A flag is matched to a label when it names the same plan, rule and section and its quote is (part of) the
labelled passage; whole-section rules (blank sections, the child's voice) match by section alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from audit.synthetic.plan_text import LabelledPlan

WHOLE_SECTION = {"blank-section", "a-no-child-voice"}


@dataclass(frozen=True)
class RuleScore:
    rule_id: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        due = self.true_positives + self.false_negatives
        return self.true_positives / due if due else 1.0


def _key(rule: str, section: str, quote: str, passages: list[str]) -> tuple[str, str, str]:
    if rule in WHOLE_SECTION:
        return rule, section, ""
    bare = quote.rstrip("…").strip()
    for passage in passages:
        if bare and (bare in passage or passage in bare):
            return rule, section, passage
    return rule, section, quote


def score(plans: list[LabelledPlan], flags: list) -> dict[str, RuleScore]:
    """Each rule's counts over the plans; `flags` carry plan (the reference), rule_id, section, quote."""
    by_ref = {p.ref: p for p in plans}
    tp, fp, fn = Counter(), Counter(), Counter()
    flagged: dict[str, set] = {ref: set() for ref in by_ref}
    for flag in flags:
        plan = by_ref[flag.plan]
        passages = [t for texts in plan.sections.values() for t in texts if t]
        flagged[flag.plan].add(_key(flag.rule_id, flag.section, flag.quote, passages))
    rules = {f.rule_id for f in flags} | {label[0] for p in plans for label in p.labels}
    for ref, plan in by_ref.items():
        for key in flagged[ref]:
            (tp if key in plan.labels else fp)[key[0]] += 1
        for key in plan.labels - flagged[ref]:
            fn[key[0]] += 1
    return {r: RuleScore(r, tp[r], fp[r], fn[r]) for r in sorted(rules)}
