"""Recurring themes in what auditors wrote, found offline by a small key-phrase counter (no model, no network).

Each comment is split into words; the phrases of two to four words that neither start nor end with a common
word are counted once per comment they occur in. The themes are the phrases found in the most comments (at
least two), a phrase inside a theme already chosen left out, each with the comment most often written that
holds it. scikit-learn is not installed; a counter of phrases is enough for a few hundred short comments and
says plainly why a phrase was picked (docs/decisions.md, issue 19).

Comments are pseudonymised before they are shown: anything shaped like a reference or a code (two or more
capitals, a hyphen and digits, e.g. a plan reference or a person's code) and e-mail addresses are replaced.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has", "have", "if", "in",
    "into", "is", "it", "its", "of", "on", "or", "rather", "so", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "to", "was", "were", "which", "while", "will", "with", "without",
    "not", "no", "more", "some", "our", "we", "do", "does", "did", "should", "can", "could", "may", "might",
    "must", "also", "here", "only", "each", "every", "same", "other",
})
WORD = re.compile(r"[a-z][a-z'’]*")
REFERENCE = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*-\d+[A-Z0-9-]*\b")
CLAUSE = re.compile(r"[.;:!?,()]")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


@dataclass(frozen=True)
class Theme:
    phrase: str
    comments: int  # how many comments hold the phrase
    example: str  # the comment holding it most often written, pseudonymised


def pseudonymise(text: str) -> str:
    """The comment with references, codes and e-mail addresses replaced by what they are."""
    return REFERENCE.sub("[reference]", EMAIL.sub("[e-mail address]", text))


def phrases(text: str, sizes: tuple[int, ...] = (2, 3, 4)) -> set[str]:
    """The key phrases of one comment: runs of 2-4 words not starting or ending with a common word."""
    found = set()
    for clause in CLAUSE.split(text.lower().replace("’", "'")):  # a phrase never runs across ; or .
        words = WORD.findall(clause)
        for n in sizes:
            for i in range(len(words) - n + 1):
                gram = words[i:i + n]
                if gram[0] not in STOPWORDS and gram[-1] not in STOPWORDS:
                    found.add(" ".join(gram))
    return found


def themes(comments: list[str], top: int = 3, least: int = 2) -> list[Theme]:
    """The `top` phrases held by the most comments (at least `least`), longest first among equals."""
    held: Counter[str] = Counter()
    for text in comments:
        held.update(phrases(text))
    texts = Counter(comments)
    chosen: list[Theme] = []
    for phrase, n in sorted(held.items(), key=lambda item: (-item[1], -len(item[0].split()), item[0])):
        if n < least or len(chosen) >= top:
            break
        if any(f" {phrase} " in f" {theme.phrase} " or f" {theme.phrase} " in f" {phrase} " for theme in chosen):
            continue
        example = max((t for t in texts if phrase in phrases(t)), key=lambda t: (texts[t], t))
        if any(theme.example == pseudonymise(example) for theme in chosen):
            continue  # another phrase of a comment already chosen says the same thing
        chosen.append(Theme(phrase, n, pseudonymise(example)))
    return chosen
