"""The family view of a cycle: response rates, each plan's family rating beside its audit grade, where the two
disagree, and themes in what families wrote.

A family "rates poorly" when their overall answer is 1 or 2 (disagree) and "rates well" at 4 or 5 (agree). A
disagreement is a plan graded Good or Outstanding that its family rates poorly, or a plan graded Requires
Improvement or Inadequate that its family rates well. Themes are simple and offline: the words and two-word
phrases families use most, common words left out, each counted once per response.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, select

from audit.cycle.lifecycle import get_cycle
from audit.family.links import FAMILY, YOUNG_PERSON
from audit.store.models import Plan, PlanResult, SampledPlan, SurveyLink, SurveyResponse
from audit.vocabulary import Grade

POOR, WELL = 2, 4
AUDIT_HIGHER, FAMILY_HIGHER = "audit_higher", "family_higher"
STOPWORDS = frozenset((
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "but", "by", "can", "could", "did", "do", "does", "doing", "don't", "for", "from", "had", "has",
    "have", "he", "her", "him", "his", "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "just",
    "me", "more", "most", "my", "no", "not", "of", "on", "or", "our", "out", "over", "she", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "they", "this", "to", "too", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "who", "will", "with", "would", "you", "your", "yes", "has", "been",
    "much", "many", "get", "got", "being", "want",
))
_WORD = re.compile(r"[a-z][a-z']+")


@dataclass
class PlanView:
    plan_ref: str
    grade: int | None
    family: int | None = None
    young_person: int | None = None

    @property
    def disagreement(self) -> str | None:
        if self.grade is None or self.family is None:
            return None
        if Grade(self.grade).is_good_or_better and self.family <= POOR:
            return AUDIT_HIGHER
        if Grade(self.grade).is_weak and self.family >= WELL:
            return FAMILY_HIGHER
        return None


@dataclass
class FamilyView:
    cycle_id: int
    cycle_name: str
    links: dict[str, int] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)
    plans: list[PlanView] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)
    comments: int = 0

    @property
    def disagreements(self) -> list[PlanView]:
        return [p for p in self.plans if p.disagreement]


def key_phrases(texts: list[str], top: int = 10) -> list[tuple[str, int]]:
    """The words and two-word phrases most used, each counted once per text, commonest first."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = _WORD.findall(text.lower())
        found = {w for w in words if w not in STOPWORDS and len(w) > 2}
        found |= {f"{a} {b}" for a, b in itertools.pairwise(words)
                  if a not in STOPWORDS and b not in STOPWORDS}
        counts.update(found)
    # A phrase beats its own words when it is as common: "speech therapy" says more than "speech".
    phrases = {p: n for p, n in counts.items() if " " in p}
    covered = {w for p, n in phrases.items() if n >= 2 for w in p.split()}
    ranked = [(t, n) for t, n in counts.items() if n >= 2 and not (" " not in t and t in covered
                                                                  and any(n <= phrases[p] for p in phrases
                                                                          if t in p.split()))]
    return sorted(ranked, key=lambda item: (-item[1], " " not in item[0], item[0]))[:top]


def family_view(session: Session, cycle_id: int) -> FamilyView:
    """Everything the family report shows, for one cycle, from the store."""
    cycle = get_cycle(session, cycle_id)
    view = FamilyView(cycle.id, cycle.name)
    for audience in (FAMILY, YOUNG_PERSON):
        view.links[audience] = len(session.exec(select(SurveyLink.id).where(
            SurveyLink.cycle_id == cycle.id, SurveyLink.audience == audience)).all())
        view.responses[audience] = 0
    grades = {r.sampled_plan_id: r.grade for r in session.exec(select(PlanResult).where(PlanResult.cycle_id == cycle.id))}
    rows = session.exec(select(SampledPlan, Plan).join(Plan, Plan.id == SampledPlan.plan_id)
                        .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status != "withdrawn")
                        .order_by(Plan.plan_ref)).all()
    by_plan = {sampled.id: PlanView(plan.plan_ref, grades.get(sampled.id)) for sampled, plan in rows}
    comments = []
    responses = session.exec(select(SurveyResponse).where(SurveyResponse.cycle_id == cycle.id)
                             .order_by(SurveyResponse.received_at, SurveyResponse.id)).all()
    for response in responses:
        view.responses[response.audience] = view.responses.get(response.audience, 0) + 1
        plan = by_plan.get(response.sampled_plan_id)
        overall = response.answers.get("overall")
        if plan is not None and isinstance(overall, int):
            setattr(plan, "family" if response.audience == FAMILY else "young_person", overall)  # latest counts
        if response.comment:
            comments.append(response.comment)
    view.plans = list(by_plan.values())
    view.comments = len(comments)
    view.themes = key_phrases(comments)
    return view
