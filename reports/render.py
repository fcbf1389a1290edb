"""Render a board summary view-model to HTML, Markdown or JSON, and write the files."""

from __future__ import annotations

import json
from pathlib import Path

from reports import templating

FORMATS = ("html", "md", "json")

_env = templating.env


def render(summary: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    return _env.get_template(f"summary.{fmt}.jinja").render(s=summary)


def write_summary(summary: dict, folder: Path, formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Write each format as board-summary-cycle-<id>.<ext>; rewriting gives the same files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in formats:
        path = folder / f"board-summary-cycle-{summary['cycle']['id']}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(render(summary, fmt), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash never leaves half a report
        paths[fmt] = path
    return paths
