"""What a person must never read (issue 16 and issue 18, "Words"): a raw code, a stratum key, a machine timestamp.

`raw_codes(text)` lists what it finds in the text a person reads; `visible_text(html)` is a page's text without
its markup, scripts, styles or attribute values (where codes belong: form values, ids, links).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

PATTERNS = {
    "a snake_case code": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "a stratum key (field=value)": re.compile(r"\b[a-z_]+=[A-Za-z0-9_]+"),
    "an ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "UTC": re.compile(r"\bUTC\b"),
}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):  # code samples name settings on purpose
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_codes(text: str) -> list[str]:
    """Every raw code, stratum key, ISO date or time and "UTC" in `text`, each with a little context."""
    found = []
    for what, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            found.append(f"{what}: {match.group(0)!r} in …{text[start:match.end() + 40]}…")
    return found


def visible_markdown(text: str) -> str:
    """Markdown as a reader sees it: link and image targets (file names) left out."""
    return re.sub(r"\]\([^)]*\)", "]", text)
