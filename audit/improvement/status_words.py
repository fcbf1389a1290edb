"""Statuses as boards write them: the scale's labels, words ("on track", "complete", "delayed"), colour names
("green", "amber", "R", "A", "G") and XLSX cell fill colours, each mapped through the plan's status scale.

A word, colour name or fill that the scale cannot place is refused with its cell named by the caller; nothing
is dropped silently. Words map to a status by its role (audit.improvement.scales.ROLES); colours by the scale's
own colours, with amber, orange and yellow standing in for one another when the scale has only one of them.
"""

from __future__ import annotations

import re

from audit.improvement.scales import StatusScale

# Words people write -> the role of the status they mean (checked after the scale's own labels and keys).
WORDS = {
    "embedded": ["completed and embedded", "complete and embedded", "embedded", "sustained", "achieved and embedded"],
    "completed": ["completed", "complete", "done", "achieved", "met", "closed", "finished"],
    "on_track": ["on track", "progressing", "in progress", "on target", "good progress", "started", "ongoing"],
    "minor_delay": ["minor delay", "slight delay", "some delay", "delayed", "at risk", "behind", "slipping"],
    "major_delay": ["major delay", "significant delay", "little or no progress", "little progress", "no progress",
                    "not started", "off track", "stalled", "overdue", "not on track"],
}
# The role a word needs when the scale has no status for it, in order of preference.
_FALLBACK = {"completed": ["embedded"], "minor_delay": ["major_delay"], "embedded": ["completed"]}
COLOUR_WORDS = {"b": "blue", "r": "red", "a": "amber", "g": "green", "y": "yellow", "o": "orange", "gr": "grey",
                "gray": "grey", "blue": "blue", "red": "red", "amber": "amber", "green": "green", "yellow": "yellow",
                "orange": "orange", "grey": "grey", "purple": "purple", "pink": "pink", "turquoise": "turquoise",
                "black": "black", "white": "white"}
_STAND_INS = {"amber": ["orange", "yellow"], "orange": ["amber", "yellow"], "yellow": ["amber", "orange"]}
# Fill colours spreadsheets use, by the colour name a board means (Office standard and theme colours, GOV.UK).
PALETTE = {
    "red": ["FF0000", "C00000", "D4351C", "E6B8B7", "FFC7CE", "F4B084", "9C0006"],
    "amber": ["FFC000", "FFBF00", "F4B183", "FFD966"],
    "orange": ["F47738", "ED7D31", "F79646", "FF9900", "FFA500"],
    "yellow": ["FFFF00", "FFDD00", "FFEB9C", "FFF2CC", "FFE699"],
    "green": ["00B050", "92D050", "00703C", "00FF00", "70AD47", "C6EFCE", "A9D08E", "548235", "9BBB59"],
    "blue": ["0070C0", "00B0F0", "1D70B8", "5B9BD5", "0000FF", "4472C4", "9DC3E6", "BDD7EE", "4F81BD"],
    "grey": ["BFBFBF", "A6A6A6", "808080", "D9D9D9", "B1B4B6", "C0C0C0", "A5A5A5", "7F7F7F"],
    "purple": ["7030A0", "4C2C92"],
    "white": ["FFFFFF"],
}
_NEAR = 60  # how far (RGB distance) a fill may be from a palette colour and still be that colour


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[()\[\]:.;!]", " ", str(text)).split()).casefold()


def fill_colour(hex_rgb: str) -> str | None:
    """The colour name of a cell fill such as 'FF00B050' (ARGB) or '00B050'; None when it is none of them."""
    value = hex_rgb[-6:].upper()
    if not re.fullmatch(r"[0-9A-F]{6}", value):
        return None
    rgb = [int(value[i:i + 2], 16) for i in (0, 2, 4)]
    best, distance = None, _NEAR + 1.0
    for name, shades in PALETTE.items():
        for shade in shades:
            other = [int(shade[i:i + 2], 16) for i in (0, 2, 4)]
            d = sum((a - b) ** 2 for a, b in zip(rgb, other, strict=True)) ** 0.5
            if d < distance:
                best, distance = name, d
    return best


def by_colour(scale: StatusScale, colour: str):
    """The status of the scale in this colour (amber, orange and yellow stand in for one another)."""
    for name in [colour, *_STAND_INS.get(colour, [])]:
        found = [s for s in scale.statuses if s.colour.casefold() == name]
        if len(found) == 1:
            return found[0]
    return None


def by_word(scale: StatusScale, text: str):
    """The status a label, key, word or colour name means on this scale; None when none."""
    found = scale.by_label(text)
    if found:
        return found
    wanted = _clean(text)
    if wanted in COLOUR_WORDS:
        return by_colour(scale, COLOUR_WORDS[wanted])
    for role, words in WORDS.items():
        if wanted in words:
            for r in [role, *_FALLBACK.get(role, [])]:
                if scale.for_role(r):
                    return scale.for_role(r)
    # "Green - on track", "Amber (progressing)": a colour and a word that agree
    parts = [p for p in re.split(r"\s*[-–—/,]\s*|\s+(?=\()", str(text)) if p.strip()]
    if len(parts) > 1:
        statuses = {by_word(scale, p) for p in parts}
        if len(statuses) == 1 and None not in statuses:
            return statuses.pop()
    return None


def accepted_words(scale: StatusScale) -> str:
    """What a status cell may hold, for a fix."""
    colours = sorted({s.colour.casefold() for s in scale.statuses})
    return (f"one of {', '.join(scale.labels())}, a word such as 'on track', 'complete' or 'delayed', "
            f"or a colour on the scale ({', '.join(colours)})")
