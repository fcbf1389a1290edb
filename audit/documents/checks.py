"""What each kind of pre-check rule looks for, over a plan's sections. A rule file (rubrics/precheck/*.yaml)
names its kind; the code here is the only place the reading of the text lives.

Each check returns (section letter, quoted text, detail) for every passage it flags; the detail says what
was missing, and is added to the rule's explanation. A flag is a suggestion for the auditor, never a grade.
"""

from __future__ import annotations

from collections.abc import Callable

from audit.documents import wording
from audit.documents.sections import Section
from audit.documents.thread import unanswered

Hit = tuple[str, str, str]
QUOTE_CHARS = 300


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def _items(sections: dict[str, Section], letter: str) -> list[str]:
    section = sections.get(letter)
    return section.items() if section else []


def unquantified_provision(sections: dict[str, Section], params: dict) -> list[Hit]:
    """Provision in F without how often and how long; vague words count only outside a quantified sentence."""
    hits = []
    for item in _items(sections, "F"):
        if wording.quantified(item):
            for sentence in wording.sentences(item)[1:]:
                if (vague := wording.VAGUE.search(sentence)) and not wording.quantified(sentence):
                    hits.append(("F", _quote(sentence), f"It says '{vague.group(0)}' with no amount."))
            continue
        missing = [w for w, found in (("how often", wording.FREQUENCY.search(item)),
                                       ("for how long", wording.DURATION.search(item))) if not found]
        vague = wording.VAGUE.search(item)
        detail = f"It does not say {' or '.join(missing)}" + (f", and says '{vague.group(0)}'." if vague else ".")
        hits.append(("F", _quote(item), detail))
    return hits


def no_deliverer(sections: dict[str, Section], params: dict) -> list[Hit]:
    """Provision in F that names no one to deliver it (a role or a qualification)."""
    return [("F", _quote(item), "No role or qualification is named.")
            for item in _items(sections, "F") if not wording.DELIVERER.search(item)]


def unmeasurable_outcome(sections: dict[str, Section], params: dict) -> list[Hit]:
    """Outcomes in E without a time frame, or without anything observable or measured."""
    hits = []
    for item in _items(sections, "E"):
        measurable = bool(wording.MEASURE.search(item)) or (
            "will be able to" in item.lower() and not wording.UNMEASURABLE.search(item))
        missing = [w for w, ok in (("a time frame", wording.TIME_FRAME.search(item)),
                                   ("an observable or measurable criterion", measurable)) if not ok]
        if missing:
            hits.append(("E", _quote(item), f"It has no {' and no '.join(missing)}."))
    return hits


def _blank(section: Section | None) -> bool:
    if section is None:
        return True
    text = section.text.strip()
    if wording.NO_NEEDS.search(text):
        return False
    return bool(wording.PLACEHOLDER.match(text)) or len(text.split()) < 4


def blank_section(sections: dict[str, Section], params: dict) -> list[Hit]:
    """Sections (C, D, G, H) left blank or 'N/A' rather than saying clearly that no needs were identified."""
    hits = []
    for letter in params.get("sections", ["C", "D", "G", "H"]):
        parts = [sections.get(x) for x in ((letter, "H1", "H2") if letter == "H" else (letter,))]
        present = [p for p in parts if p is not None]
        if present and not all(_blank(p) for p in present):
            continue
        quote = " / ".join(f"{p.heading}: {p.text.strip() or '(blank)'}" for p in present) or \
            f"(no section {letter} in the document)"
        hits.append((letter, _quote(quote), "The section is blank or a placeholder." if present else
                     "The section is missing."))
    return hits


def no_child_voice(sections: dict[str, Section], params: dict) -> list[Hit]:
    """Section A without the child's or young person's own views (only the parents' or professionals')."""
    section = sections.get("A")
    text = section.text if section else ""
    own = [s for s in wording.sentences(text.replace("\n", " ")) if not wording.PARENT.search(s)
           and wording.CHILD_VOICE.search(s)]
    if own:
        return []
    return [("A", _quote(text.strip() or "(section A is blank)"), "No view in the child's own words or "
             "way of communicating was found.")]


def need_without_provision(sections: dict[str, Section], params: dict) -> list[Hit]:
    """A need in B that no provision in F answers."""
    provision = _items(sections, "F")
    return [("B", _quote(need), "No provision in section F was found for this need.")
            for need in unanswered(_items(sections, "B"), provision)]


def provision_without_need(sections: dict[str, Section], params: dict) -> list[Hit]:
    """Provision in F that answers no need in B."""
    needs = _items(sections, "B")
    return [("F", _quote(item), "No need in section B was found that this provision meets.")
            for item in unanswered(_items(sections, "F"), needs)]


KINDS: dict[str, Callable[[dict[str, Section], dict], list[Hit]]] = {
    fn.__name__: fn for fn in (unquantified_provision, no_deliverer, unmeasurable_outcome, blank_section,
                               no_child_voice, need_without_provision, provision_without_need)
}
