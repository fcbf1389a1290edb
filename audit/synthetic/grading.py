"""Simulated auditors for the demo: seeded criterion grades and comments with realistic tendencies.

Calibrated so that plan grades land near the one published full review in domain.md (about 1%
Outstanding, a third Good, 58% Requires Improvement, 4% Inadequate). The tendencies by section and by
auditor are our assumptions, listed in docs/synthetic.md.
"""

from __future__ import annotations

import hashlib
import math

from audit.vocabulary import Grade

# Underlying quality on the 1-4 grade scale: a plan's latent, the criterion's own variation (shared by
# every auditor of that plan, so two auditors mostly agree) and each auditor's reading of it.
PLAN_MEAN = 2.42
PLAN_SD = 0.48
CRITERION_SD = 0.45
AUDITOR_SD = 0.25
LENIENCY_SD = 0.12

# Our assumption: health and social care sections a little weaker, outcomes (E) weakest, placement and
# personal budget sections (I, J) the easiest to get right.
SECTION_OFFSETS = {
    "A": 0.05, "B": 0.05, "C": -0.15, "D": -0.15, "E": -0.35, "F": -0.10, "G": -0.15,
    "H": -0.15, "H1": -0.15, "H2": -0.15, "I": 0.30, "J": 0.15, "K": 0.10,
}  # fmt: skip
COMMENT_SHARE = {Grade.GOOD: 0.4, Grade.OUTSTANDING: 0.7}
# Now and then an auditor reads a whole section quite differently from a colleague (missed evidence, a different
# view of what "quantified" means): a shift of the section's criteria by about a grade and a half, either way, for
# one auditor of one plan. It makes two markers sometimes two grades apart, as real ones are, so moderation is
# exercised. Our assumption, docs/synthetic.md.
MISREAD_SHARE = 0.06
MISREAD_SHIFT = 1.5

WEAK_BY_SECTION = {
    "A": ["The child's views are summarised by adults rather than recorded in their own words.",
          "Aspirations are generic and do not reflect this young person."],
    "B": ["Needs are listed but not described in enough detail to plan provision.",
          "Some needs in the advice are missing from this section."],
    "C": ["Health needs are unclear, and the section does not say plainly if there are none.",
          "Health needs are copied from advice without saying how they affect learning."],
    "D": ["Social care needs are not stated; the section should say clearly if there are none.",
          "Social care needs do not reflect the current assessment."],
    "E": ["Outcomes are not SMART: no timescale or measure of success.",
          "Outcomes do not link back to the needs in Sections B to D.",
          "Preparing for adulthood outcomes are missing for a young person in Year 9 or above."],
    "F": ["Provision is not quantified: who, how often and for how long are missing.",
          "Provision is described as access to support rather than specified."],
    "G": ["Health provision is not specified or quantified.",
          "Health provision does not match the needs in Section C."],
    "H": ["Social care provision is not specified, or the split between H1 and H2 is unclear."],
    "I": ["The type of setting is named but not the setting itself."],
    "J": ["There is no record that a personal budget was discussed."],
    "K": ["The list of advice is incomplete or some advice is more than a year old."],
}  # fmt: skip
WEAK = ["Partly met; more detail is needed for the setting to act on it.",
        "Some evidence, but it is not drawn from current advice.",
        "The link to the outcomes in Section E is unclear."]  # fmt: skip
INADEQUATE = ["Not met: the section does not reflect the advice received.",
              "Content is out of date and does not describe current needs.",
              "Key information is missing; the plan cannot be relied on here."]  # fmt: skip
STRONG = ["Clear and specific.",
          "The golden thread from need to provision to outcome is evident.",
          "Well evidenced from current advice.",
          "The child's voice comes through clearly."]  # fmt: skip
OUTSTANDING = ["Exemplary: specific, quantified and written with the family.",
               "A model for other plans; clear to the family and the setting."]  # fmt: skip


def _uniforms(*parts: object) -> tuple[float, float]:
    """Two uniforms in (0, 1) from a stable hash of the parts (Python's hash() is salted per run)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).digest()
    a, b = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big")
    return (a + 0.5) / 2**64, (b + 0.5) / 2**64


def _normal(*parts: object) -> float:
    u, v = _uniforms(*parts)
    return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * v)


def plan_quality(plan_ref: str, seed: int) -> float:
    """A plan's latent quality on the 1-4 grade scale; the same for every auditor."""
    return PLAN_MEAN + PLAN_SD * _normal("plan", seed, plan_ref)


def auditor_leniency(auditor_code: str, seed: int) -> float:
    """A small, stable leniency (+) or severity (-) for one simulated auditor."""
    return LENIENCY_SD * _normal("auditor", seed, auditor_code)


def _section_key(section_code: str) -> str:
    key = section_code.strip().upper()
    return key if key in SECTION_OFFSETS else key[:1]


def _comment(grade: Grade, section: str, pick: float) -> str:
    own = WEAK_BY_SECTION.get(section) or WEAK_BY_SECTION.get(section[:1], [])  # H1 and H2 share H's
    if grade == Grade.INADEQUATE:
        bank = INADEQUATE + own
    elif grade == Grade.REQUIRES_IMPROVEMENT:
        bank = own + WEAK
    else:
        bank = OUTSTANDING if grade == Grade.OUTSTANDING else STRONG
    return bank[min(int(pick * len(bank)), len(bank) - 1)]


def _misreading(seed: int, plan_ref: str, auditor_code: str, section_code: str) -> float:
    """The occasional section one auditor reads very differently (0 most of the time)."""
    happens, way = _uniforms("misread", seed, plan_ref, auditor_code, section_code)
    return 0.0 if happens >= MISREAD_SHARE else (MISREAD_SHIFT if way < 0.5 else -MISREAD_SHIFT)


def simulate_grades(
    criteria: list[tuple[str, str]],
    plan_ref: str,
    auditor_code: str,
    seed: int,
    auditor_bias: float = 0.0,
) -> dict[str, tuple[Grade, str]]:
    """Grades and comments one simulated auditor gives a plan: criterion_id -> (grade, comment)."""
    quality = plan_quality(plan_ref, seed) + auditor_bias
    result: dict[str, tuple[Grade, str]] = {}
    for section_code, criterion_id in criteria:
        section = _section_key(section_code)
        score = (
            quality
            + _misreading(seed, plan_ref, auditor_code, section_code)
            + SECTION_OFFSETS.get(section, 0.0)
            + CRITERION_SD * _normal("criterion", seed, plan_ref, criterion_id)
            + AUDITOR_SD * _normal("reading", seed, plan_ref, auditor_code, criterion_id)
        )
        grade = Grade(min(4, max(1, math.floor(score + 0.5))))
        wants, pick = _uniforms("comment", seed, plan_ref, auditor_code, criterion_id)
        comment = _comment(grade, section, pick) if grade.is_weak or wants < COMMENT_SHARE[grade] else ""
        result[criterion_id] = (grade, comment)
    return result
