"""Matching a document to a register plan: by a mapping file (file name -> plan reference), else by a plan
reference in the file name, else by one stated in the document's first lines."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from audit.errors import InputRejected, Problem
from audit.text_files import read_text

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/]*[A-Za-z0-9]")


def load_mapping(path: Path | None) -> dict[str, str]:
    """A mapping CSV with columns `file` and `plan_ref` (file names as in the import, or inside a ZIP)."""
    if path is None:
        return {}
    rows = list(csv.DictReader(read_text(Path(path), f"Mapping file {Path(path).name}").splitlines()))
    if not rows or not {"file", "plan_ref"} <= set(rows[0]):
        raise InputRejected(f"Mapping file {Path(path).name}", [Problem(
            "it needs the columns 'file' and 'plan_ref'", file=Path(path).name, row=1,
            fix="write a header row: file,plan_ref")])
    return {row["file"].strip(): row["plan_ref"].strip() for row in rows if row.get("file")}


def match_reference(name: str, stated: str | None, refs: set[str], mapping: dict[str, str]) -> str | None:
    """The register reference this document belongs to, or None."""
    base = name.split(": ")[-1]
    for key in (name, base, Path(base).name):
        if key in mapping and mapping[key] in refs:
            return mapping[key]
    upper = {r.upper(): r for r in refs}
    for token in _TOKEN.findall(Path(base).stem):
        if token.upper() in upper:
            return upper[token.upper()]
    for token in _TOKEN.findall(Path(base).stem.replace("_", " ")):
        if token.upper() in upper:
            return upper[token.upper()]
    if stated and stated.upper() in upper:
        return upper[stated.upper()]
    return None
