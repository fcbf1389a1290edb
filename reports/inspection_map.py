"""The inspection framework's headings and the person-level column mapping, read from YAML and checked.

Both are data an area changes (a new framework, a new inspection template): `load_framework` reads
rubrics/inspection/*.yaml (each heading's evidence kinds), `load_columns` a column mapping (output column ->
register field). Anything unknown is refused whole, naming the file and the key, before a pack is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from audit.errors import InputRejected, Problem

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FRAMEWORK = ROOT / "rubrics" / "inspection" / "area-send-2025.yaml"
DEFAULT_COLUMNS = ROOT / "config" / "inspection" / "person-level-2025.yaml"
# The evidence this tool holds, by kind; a heading names the kinds that speak to it.
KINDS = {
    "grades": "Audit grades this cycle, with 95% intervals",
    "trend": "Trend across cycles, with 95% intervals",
    "agreement": "Agreement between auditors",
    "timeliness": "Statutory timescales",
    "open_cases": "Open cases by time waited",
    "family_voice": "Family voice",
    "actions": "Improvement actions, their status and evidence",
    "reaudit": "Change on re-audit",
    "not_good_enough": "What is still not good enough",
}
# Register fields a person-level export may draw on (audit.store.models.Plan), never the case officer's name.
SOURCE_FIELDS = ("plan_ref", "team", "phase", "year_group", "primary_need", "setting_type", "status",
                 "request_date", "final_issued_date", "last_review_meeting_date", "review_decision_date",
                 "decision_to_assess_date", "amendment_notice_date", "amendment_issued_date")


@dataclass(frozen=True)
class Heading:
    key: str
    title: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    headings: tuple[Heading, ...]


def _read(path: Path, what: str) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputRejected(what, [Problem("the file does not exist", file=str(path),
                                           fix="give the path of a YAML file")]) from None
    except yaml.YAMLError as exc:
        raise InputRejected(what, [Problem(f"the file is not valid YAML ({exc.__class__.__name__})",
                                           file=str(path), fix="check the indentation and colons")]) from None
    if not isinstance(data, dict):
        raise InputRejected(what, [Problem("the file must be a mapping of keys to values", file=str(path),
                                           fix="start the file with 'key:'")])
    return data


def load_framework(path: Path | None = None) -> Framework:
    """The framework's headings, each with known evidence kinds; refused whole naming the file and key."""
    path = Path(path or DEFAULT_FRAMEWORK)
    what = f"The inspection framework {path.name}"
    data = _read(path, what)
    problems = [Problem(f"key '{k}' is missing", file=str(path), column=k, fix=f"add '{k}:'")
                for k in ("key", "title", "headings") if not data.get(k)]
    headings = []
    for i, h in enumerate(data.get("headings") or [], start=1):
        where = f"headings[{i}]"
        if not isinstance(h, dict) or not h.get("key") or not h.get("title"):
            problems.append(Problem("a heading needs a key and a title", file=str(path), column=where,
                                    fix="give each heading 'key:', 'title:' and 'evidence:'"))
            continue
        evidence = h.get("evidence") or []
        if not isinstance(evidence, list) or not evidence:
            problems.append(Problem("the heading names no evidence", file=str(path), column=f"{where}.evidence",
                                    fix=f"list one or more of: {', '.join(KINDS)}"))
            continue
        for kind in evidence:
            if kind not in KINDS:
                problems.append(Problem(f"unknown evidence kind '{kind}'", file=str(path),
                                        column=f"{where}.evidence", fix=f"use one of: {', '.join(KINDS)}"))
        headings.append(Heading(str(h["key"]), str(h["title"]), tuple(evidence)))
    if problems:
        raise InputRejected(what, problems)
    return Framework(str(data["key"]), str(data["title"]), tuple(headings))


def load_columns(path: Path | None = None) -> dict[str, str]:
    """Output column -> register field, in the file's order; refused whole naming the file and key."""
    path = Path(path or DEFAULT_COLUMNS)
    what = f"The column mapping {path.name}"
    columns = _read(path, what).get("columns")
    if not isinstance(columns, dict) or not columns:
        raise InputRejected(what, [Problem("key 'columns' is missing or empty", file=str(path), column="columns",
                                           fix="map each output column to a register field")])
    problems = [Problem(f"unknown source field '{field}'", file=str(path), column=f"columns.{out}",
                        fix=f"use one of: {', '.join(SOURCE_FIELDS)}")
                for out, field in columns.items() if field not in SOURCE_FIELDS]
    if problems:
        raise InputRejected(what, problems)
    return {str(k): str(v) for k, v in columns.items()}
