"""Rewrite the "Every setting" table of docs/operations.md from the settings object (audit/settings.py).

tests/unit/test_deploy_files.py fails when a setting is missing from that table; after adding a setting, run
`.venv/bin/python scripts/settings_table.py` and commit docs/operations.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.settings import Settings  # noqa: E402

HEADER = "| setting | default | what it does |"
AFTER = "\n\nPrefect's settings used here"


def table() -> str:
    rows = [HEADER, "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if default is None:
            default = "unset"
        elif isinstance(default, list):
            default = ", ".join(default) if default else "[]"
        elif isinstance(default, dict):
            default = "{}"
        cells = [f"`EHCP_AUDIT_{name.upper()}`", str(default), field.description or ""]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def main() -> None:
    path = ROOT / "docs" / "operations.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index(HEADER), text.index(AFTER)
    path.write_text(text[:start] + table() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
