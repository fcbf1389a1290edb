"""Status scales of improvement plans, as data: the shipped BRAG and APP scales, and any an area adds.

A scale is a YAML file (config/scales/*.yaml): an id, a title and its statuses best first, each with a key,
the label people write, a colour, and optionally a role. Roles are what ehcp-audit reads from a status:
`embedded` (done and shown to last: what a held improvement proposes), `completed`, `on_track`,
`minor_delay` and `major_delay` (what no improvement by the milestone proposes; major delay is "red" on
the exception report). Every problem in a file is reported at once, naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audit.errors import InputRejected, NotFound, Problem
from audit.rubrics.loading import read_yaml_file

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "config" / "scales"
SCALE_SUFFIXES = (".yaml", ".yml")
ROLES = ("embedded", "completed", "on_track", "minor_delay", "major_delay")
REQUIRED_ROLES = ("embedded", "on_track", "major_delay")
CLOSED_ROLES = ("embedded", "completed")  # an action in one of these is no longer overdue or open
# Colour names people use -> GOV.UK tag modifier; amber has no GOV.UK tag of its own and shows as orange.
COLOURS = {"blue": "blue", "green": "green", "amber": "orange", "orange": "orange", "yellow": "yellow",
           "red": "red", "grey": "grey", "purple": "purple", "pink": "pink", "turquoise": "turquoise"}
# Fill colours for spreadsheets and printed grids (GOV.UK palette).
HEX = {"blue": "1D70B8", "green": "00703C", "orange": "F47738", "yellow": "FFDD00", "red": "D4351C",
       "grey": "B1B4B6", "purple": "4C2C92", "pink": "D53880", "turquoise": "28A197"}
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOP_KEYS = ("id", "title", "statuses")
_STATUS_KEYS = ("key", "label", "colour", "role", "description")


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    colour: str  # as written in the scale file, e.g. "amber"
    role: str | None = None
    description: str = ""

    @property
    def tag(self) -> str:
        """The GOV.UK tag modifier for this colour (govuk-tag--<tag>)."""
        return COLOURS[self.colour]

    @property
    def hex(self) -> str:
        return HEX[self.tag]

    @property
    def colour_label(self) -> str:
        """The colour as a RAG column writes it: "Green", "Grey"."""
        return self.colour.capitalize()


@dataclass(frozen=True)
class StatusScale:
    key: str
    title: str
    statuses: tuple[Status, ...]
    source: str = ""

    def status(self, key: str | None) -> Status | None:
        return next((s for s in self.statuses if s.key == key), None) if key else None

    def by_label(self, text: str) -> Status | None:
        """The status a person wrote, by label or key, ignoring case and spacing."""
        wanted = " ".join(str(text).split()).casefold()
        return next((s for s in self.statuses if wanted in (s.label.casefold(), s.key)), None)

    def for_role(self, role: str) -> Status | None:
        return next((s for s in self.statuses if s.role == role), None)

    def proposal(self, role: str) -> Status:
        """The status a proposal with this role gives; a scale without a minor delay uses its major delay."""
        found = self.for_role(role) or (self.for_role("major_delay") if role == "minor_delay" else None)
        if found is None:
            raise ValueError(f"scale {self.key} has no status for role {role}")
        return found

    def is_closed(self, key: str | None) -> bool:
        status = self.status(key)
        return status is not None and status.role in CLOSED_ROLES

    def is_red(self, key: str | None) -> bool:
        status = self.status(key)
        return status is not None and status.role == "major_delay"

    def labels(self) -> list[str]:
        return [s.label for s in self.statuses]


def scale_from_content(raw: object, source: str) -> StatusScale:
    """Validate a parsed scale file; InputRejected lists every problem with its field and fix."""
    problems: list[Problem] = []

    def problem(field: str | None, message: str, fix: str) -> None:
        problems.append(Problem(message, file=source, column=field, fix=fix))

    if not isinstance(raw, dict):
        raise InputRejected(f"Status scale {source}", [Problem(
            "the file should be a block with id, title and statuses", file=source,
            fix="start from config/scales/brag.yaml")])
    for key in raw:
        if key not in _TOP_KEYS:
            problem(str(key), f"'{key}' is not a known key of a scale", f"use only {', '.join(_TOP_KEYS)}")
    scale_id = _text(raw, "id", "", problem)
    if scale_id and not _KEY.match(scale_id):
        problem("id", f"'{scale_id}' is not a usable id", "use lower-case letters, digits, '-' or '_', no spaces")
    title = _text(raw, "title", "", problem)
    entries = raw.get("statuses")
    if not isinstance(entries, list) or not entries:
        problem("statuses", "'statuses' is missing or empty", "list the statuses best first, each starting with '- '")
        entries = []
    statuses: list[Status] = []
    seen_keys: dict[str, str] = {}
    seen_labels: dict[str, str] = {}
    seen_roles: dict[str, str] = {}
    for n, entry in enumerate(entries, start=1):
        where = f"statuses[{n}]"
        if not isinstance(entry, dict):
            problem(where, "each status should be a block with key, label, colour and role", "see config/scales/brag.yaml")
            continue
        for key in entry:
            if key not in _STATUS_KEYS:
                problem(f"{where}.{key}", f"'{key}' is not a known key of a status", f"use only {', '.join(_STATUS_KEYS)}")
        key = _text(entry, "key", where, problem)
        label = _text(entry, "label", where, problem)
        colour = _text(entry, "colour", where, problem).lower()
        role = entry.get("role")
        if key and not _KEY.match(key):
            problem(f"{where}.key", f"'{key}' is not a usable key", "use lower-case letters, digits, '-' or '_'")
        if key in seen_keys:
            problem(f"{where}.key", f"key '{key}' is also used by {seen_keys[key]}", "give each status its own key")
        if label and label.casefold() in seen_labels:
            problem(f"{where}.label", f"label '{label}' is also used by {seen_labels[label.casefold()]}",
                    "give each status its own label")
        if colour and colour not in COLOURS:
            problem(f"{where}.colour", f"'{colour}' is not a colour we can show", f"use one of {', '.join(COLOURS)}")
        if role is not None:
            role = str(role)
            if role not in ROLES:
                problem(f"{where}.role", f"'{role}' is not a role", f"use one of {', '.join(ROLES)}, or leave it out")
            elif role in seen_roles:
                problem(f"{where}.role", f"role '{role}' is also given to {seen_roles[role]}",
                        "give each role to one status only")
            seen_roles.setdefault(role, where)
        seen_keys.setdefault(key, where)
        seen_labels.setdefault(label.casefold(), where)
        statuses.append(Status(key, label, colour, role, str(entry.get("description") or "")))
    for role in REQUIRED_ROLES:
        if entries and role not in seen_roles:
            problem("statuses", f"no status has the role '{role}'",
                    f"add 'role: {role}' to the status that means {_ROLE_MEANING[role]}")
    if problems:
        raise InputRejected(f"Status scale {source}", problems)
    return StatusScale(scale_id, title, tuple(statuses), source)


_ROLE_MEANING = {"embedded": "done and shown to last (e.g. Completed and embedded)",
                 "on_track": "on track (e.g. Progressing)",
                 "major_delay": "not happening (e.g. Little or no progress, Major delay)"}


def _text(raw: dict, key: str, where: str, problem) -> str:
    value = raw.get(key)
    field = f"{where}.{key}" if where else key
    if value is None or isinstance(value, (dict, list, bool)) or not str(value).strip():
        problem(field, f"'{key}' is missing or not text", f"add '{key}:' with a value")
        return ""
    return " ".join(str(value).split())


def load_scale_file(path: Path) -> StatusScale:
    path = Path(path)
    return scale_from_content(read_yaml_file(path, "Status scale file"), path.name)


def load_scales(extra_dir: Path | None = None) -> dict[str, StatusScale]:
    """The shipped scales plus an area's own folder of scale files; every problem in every file at once."""
    folders = [SHIPPED_DIR]
    if extra_dir is not None and Path(extra_dir).resolve() != SHIPPED_DIR:
        if not Path(extra_dir).is_dir():
            raise InputRejected("Status scales", [Problem(
                "the scales folder does not exist", file=str(extra_dir),
                fix="create it, or unset EHCP_AUDIT_SCALES_DIR to use the shipped scales only")])
        folders.append(Path(extra_dir))
    scales: dict[str, StatusScale] = {}
    problems: list[Problem] = []
    for folder in folders:
        for path in sorted(p for p in folder.iterdir() if p.suffix in SCALE_SUFFIXES):
            try:
                scale = load_scale_file(path)
            except InputRejected as rejected:
                problems.extend(rejected.problems)
                continue
            if scale.key in scales:
                problems.append(Problem(f"scale id '{scale.key}' is also used by {scales[scale.key].source}",
                                        file=path.name, column="id", fix="give each scale file its own id"))
                continue
            scales[scale.key] = scale
    if problems:
        raise InputRejected("Status scales", problems)
    return scales


def get_scale(scales: dict[str, StatusScale], key: str) -> StatusScale:
    try:
        return scales[key]
    except KeyError:
        raise NotFound(f"No status scale '{key}'; the scales are {', '.join(sorted(scales))}.") from None
