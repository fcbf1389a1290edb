"""The golden thread between needs (B) and provision (F): does each need have provision that answers it, and
does each piece of provision answer a need?

Each item is reduced to themes (communication, reading, sensory...) from a word list, plus its own content
words; two items are linked when they share a theme or a content word, where words are compared with
difflib's similarity ratio (standard library, offline; "reading" links "reader", "phonological" links
"phonology"). No model, so the result can be explained: the flag names the words that found nothing.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

THEMES: dict[str, tuple[str, ...]] = {
    "communication": ("speech", "language", "communication", "communicat", "vocabulary", "expressive", "receptive",
                      "slcn", "listening", "verbal", "talk", "sentences", "words", "aac", "pecs", "makaton"),
    "literacy": ("reading", "read", "writing", "write", "spelling", "phonics", "phonological", "literacy",
                 "dyslexia", "decoding", "comprehension"),
    "numeracy": ("maths", "mathematics", "number", "numeracy", "counting", "calculation", "dyscalculia"),
    "sensory": ("sensory", "noise", "sensory-seeking", "overload", "texture", "auditory"),
    "motor": ("motor", "handwriting", "coordination", "physiotherapy", "mobility", "dressing", "balance", "gross", "fine",
              "cutlery", "scissors", "dyspraxia"),
    "emotional": ("anxiety", "anxious", "emotional", "emotions", "regulation", "regulate", "self-esteem",
                  "wellbeing", "worries", "calm", "distress", "meltdowns", "elsa", "semh", "mental"),
    "social": ("social", "friendships", "friends", "peers", "interaction", "turn-taking", "play", "relationships"),
    "attention": ("attention", "focus", "concentration", "adhd", "distractible", "task", "listening"),
    "behaviour": ("behaviour", "behaviours", "aggression", "exclusion", "dysregulated", "outbursts"),
    "independence": ("independence", "independent", "toileting", "self-care", "travel", "life skills",
                     "preparing for adulthood", "employment", "money"),
    "hearing": ("hearing", "deaf", "audiology", "radio aid", "bsl", "signing"),
    "vision": ("vision", "visual impairment", "braille", "sight", "large print", "habilitation"),
    "memory": ("memory", "processing", "recall", "working memory", "retain"),
}
STOP = set("""the and for with will have has his her their they she him them this that from into over under each
every week weeks day days term terms year years session sessions minute minutes hour hours time times
support supported supports needs need help helps helped school class classroom staff adult adults small group
groups individual individually provision provided including include includes able also other such when where
which while who whom whose what make makes made more most less some very well using used use through about
child young person pupil learner difficulties difficulty delayed delay significant specific areas area
develop developing development skills skill teacher teaching assistant assistants specialist therapist
programme programmes plan plans daily weekly termly reviewed review strategies strategy lessons lesson""".split())  # noqa: SIM905  (a word list reads best as text)
_WORD = re.compile(r"[a-z][a-z\-]{3,}")
# The Code of Practice's four broad areas label a table's column in many templates; they name a category,
# not this child's need, so they link nothing.
BROAD_AREAS = re.compile(r"communication and interaction|cognition and learning|social, emotional and mental "
                         r"health|sensory and(?:/or)? physical")


def _stem(word: str) -> str:
    for end in ("ation", "ing", "ies", "es", "ed", "s"):
        if word.endswith(end) and len(word) - len(end) >= 4:
            return word[: -len(end)]
    return word


@lru_cache(maxsize=20_000)
def profile(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """An item's themes and its content words (stemmed, with the common words of plans left out)."""
    lowered = BROAD_AREAS.sub(" ", text.lower())
    themes = frozenset(theme for theme, words in THEMES.items()
                       if any(re.search(rf"\b{re.escape(w)}", lowered) for w in words))
    words = frozenset(_stem(w) for w in _WORD.findall(lowered) if w not in STOP)
    return themes, words


def _similar(a: str, b: str) -> bool:
    return a == b or (a[:3] == b[:3] and SequenceMatcher(None, a, b).ratio() >= 0.85)


def linked(one: str, other: str) -> bool:
    """Whether two items speak of the same thing (a shared theme, or a shared content word)."""
    themes_a, words_a = profile(one)
    themes_b, words_b = profile(other)
    if themes_a and themes_b:
        return bool(themes_a & themes_b)
    return any(_similar(a, b) for a in words_a for b in words_b)


def unanswered(items: list[str], against: list[str]) -> list[str]:
    """The items that link to none of `against` (every item when `against` is empty)."""
    return [item for item in items if not any(linked(item, other) for other in against)]
