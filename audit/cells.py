"""Text that crosses into or out of spreadsheets and forms: formula escaping for exports, checks for imports.

A spreadsheet runs a cell that begins with =, +, -, @ (or a tab or carriage return before one) as a
formula, which can fetch data or start programs on the reader's machine ("CSV injection"). Every CSV and
XLSX export passes its text through `escape_formula`; every import and form passes free text through
`text_problem`, which also refuses markup, control characters and oversized text.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"  # what spreadsheets themselves use to mark "this is text"
# A tag or comment opener: "<b", "</", "<!", "<?". "<5" or "a < b" are ordinary text.
_MARKUP = re.compile(r"<[A-Za-z/!?]")
# C0 control characters other than tab, line feed and carriage return (PostgreSQL refuses NUL outright).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# Anything the detailed checks below might refuse; most values match none of it and pass at once.
_SUSPICIOUS = re.compile(r"^\s*[=+\-@]|<|[\x00-\x1f\x7f]")


def escape_formula(value: Any) -> Any:
    """The value a CSV or XLSX export writes: text a spreadsheet would run as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return ESCAPE + value
    return value


def unescape_formula(text: str) -> str:
    """Undo `escape_formula` on a cell read back from one of our own exports (a scorecard template)."""
    if text.startswith(ESCAPE) and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def formula_problem(text: str) -> str | None:
    """Why text would run as a spreadsheet formula, or None. A lone sign, a number or "- " are plain text."""
    if not text or not text.startswith(FORMULA_STARTS):
        return None
    if text[0] in "+-" and (len(text) == 1 or text[1] in " \n" or _NUMBER.fullmatch(text)):
        return None
    return f"it begins with {_shown(text[0])}, which a spreadsheet would run as a formula"


def text_problem(text: str, max_chars: int, *, allow_newlines: bool = True) -> tuple[str, str] | None:
    """(message, fix) for free text that must be refused, or None: too long, control characters, markup, formula."""
    if len(text) <= max_chars and _SUSPICIOUS.search(text) is None:
        return None
    if len(text) > max_chars:
        return (f"is {len(text):,} characters long, more than the {max_chars:,} allowed",
                f"shorten it to {max_chars:,} characters or fewer")
    if _CONTROL.search(text):
        return ("contains control characters (invisible characters that are not text)",
                "retype the value, or paste it as plain text")
    if not allow_newlines and ("\n" in text or "\r" in text):
        return "contains a line break", "put the value on one line"
    if _MARKUP.search(text):
        return ("contains '<' followed by a letter, which reads as web page markup",
                "leave out the angle brackets, or put a space after '<'")
    formula = formula_problem(text.lstrip(" "))
    if formula:
        return formula, "remove the leading character (for a formula, paste its value instead)"
    return None


def _shown(char: str) -> str:
    return {"\t": "a tab", "\r": "a carriage return"}.get(char, f"'{char}'")
