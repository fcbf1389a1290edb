"""People in an improvement plan: the initials and designation list the document carries (a table under the
plan, a sheet of the workbook, or a file of its own), leads resolved through it, and shared leads split
("JD/ DCO", "PT/ CT/ MT", "JD and SB") so that "actions by lead" counts each person once.
"""

from __future__ import annotations

import re

from audit.errors import Problem

_INITIALS = ("initials", "initial", "abbreviation", "abbreviations", "acronym", "acronyms")
_DESIGNATION = ("designation", "role", "job title", "title", "post", "name", "position")
_SPLIT = re.compile(r"\s*(?:/|,|;|&|\+|\band\b|\n)\s*", re.I)


def _heading(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(":")


def people_start(grid: list[list[str]]) -> int | None:
    """The index of the row headed 'Initials | Designation' (or 'Abbreviation | Role' ...), if the grid has one."""
    for i, row in enumerate(grid):
        cells = [c for c in row if c]
        if len(cells) >= 2 and _heading(cells[0]) in _INITIALS and _heading(cells[1]) in _DESIGNATION:
            return i
    return None


def read_people(grid: list[list[str]], start: int, file: str) -> tuple[dict[str, str], list[Problem]]:
    """Initials -> designation from the rows under the list's header; every problem names its row and column."""
    header = [c for c in grid[start] if c]
    first = next(k for k, c in enumerate(grid[start]) if c)
    people: dict[str, tuple[str, str]] = {}  # initials casefolded -> (as written, designation)
    problems: list[Problem] = []
    for i in range(start + 1, len(grid)):
        row = grid[i][first:first + 2] + ["", ""]
        initials, designation = " ".join(row[0].split()), " ".join(row[1].split())
        if not initials and not designation:
            continue
        if not initials:
            problems.append(Problem("a designation has no initials", file=file, row=i + 1, column=header[0],
                                    fix="write the initials used in the plan's Lead column"))
        elif not designation:
            problems.append(Problem(f"the initials '{initials}' have no designation", file=file, row=i + 1,
                                    column=header[1], fix="write the person's designation (their role, not a name)"))
        elif people.get(initials.casefold(), (initials, designation))[1] != designation:
            problems.append(Problem(f"the initials '{initials}' are listed twice with different designations",
                                    file=file, row=i + 1, column=header[0], fix="list each person's initials once"))
        else:
            people[initials.casefold()] = (initials, designation)
    return dict(people.values()), problems


def split_leads(text: str) -> list[str]:
    """The people a Lead cell names, in order, each once: "JD/ DCO" -> ["JD", "DCO"]."""
    out: list[str] = []
    for part in _SPLIT.split(text or ""):
        part = " ".join(part.split())
        if part and part.casefold() not in (p.casefold() for p in out):
            out.append(part)
    return out


def lead_names(text: str, people: dict[str, str]) -> list[str]:
    """Each lead of a cell as the board reads it: "JD (Head of SEND)" when the list knows the initials."""
    known = {k.casefold(): (k, v) for k, v in people.items()}
    names = []
    for lead in split_leads(text):
        initials, designation = known.get(lead.casefold(), (lead, ""))
        names.append(f"{initials} ({designation})" if designation else lead)
    return names


def unknown_leads(leads: list[str], people: dict[str, str]) -> list[str]:
    """Leads not in the list (only when there is a list), each once."""
    if not people:
        return []
    known = {k.casefold() for k in people}
    out: list[str] = []
    for text in leads:
        out += [p for p in split_leads(text) if p.casefold() not in known and p not in out]
    return out


def area_people(plans, plan=None) -> dict[str, str]:
    """The lists kept on the area's plans, merged (a plan's own list wins): a list kept once serves every plan."""
    merged: dict[str, str] = {}
    for other in plans:
        if plan is None or other.id != plan.id:
            merged |= other.people or {}
    return merged | ((plan.people or {}) if plan is not None else {})
