"""Rubric files: load, validate (every problem at once), hash, store as immutable versions, describe.

A rubric's identity is the sha256 of its normalised content (audit.rubrics.schema), so comments and
reformatting never make a new version while any change of wording, weight or rule does. Old results
are always re-read from the stored content, never from the file.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import yaml
from sqlmodel import Session, select

from audit.errors import InputRejected, NotFound, Problem
from audit.limits import DEFAULT_YAML_BYTES, check_file_size
from audit.rubrics.conditions import build_conditions
from audit.rubrics.describe import describe
from audit.rubrics.model import AgencyPart, Cap, Criterion, Rollup, Rubric, Section
from audit.rubrics.schema import normalise
from audit.store.models import RubricVersion
from audit.text_files import TEXT_FIX, YAML_ENCODINGS, read_text
from audit.vocabulary import Grade

__all__ = [
    "Cap",
    "Criterion",
    "Rollup",
    "Rubric",
    "Section",
    "content_hash",
    "describe",
    "find_rubric",
    "load_rubric_file",
    "load_rubrics_dir",
    "rubric_from_content",
    "rubric_from_version",
    "store_rubric",
    "stored_rubric",
]

RUBRIC_SUFFIXES = (".yaml", ".yml")


def content_hash(content: dict) -> str:
    """sha256 of canonical JSON of already-normalised content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rubric_from_content(content: object, source: str) -> Rubric:
    """Validate raw content (as parsed from YAML) and build the Rubric; InputRejected lists every problem."""
    normalised, problems = normalise(content, source)
    if problems:
        raise InputRejected(f"Rubric {source}", problems)
    return _build(normalised, content_hash(normalised))


def load_rubric_file(path: Path) -> Rubric:
    """Read one YAML rubric file; syntax errors and content problems come back as InputRejected."""
    path = Path(path)
    return rubric_from_content(read_yaml_file(path), path.name)


def load_rubrics_dir(directory: Path) -> dict[str, Rubric]:
    """Every rubric file in a folder, by key; problems from all files are reported together."""
    directory = Path(directory)
    rubrics: dict[str, Rubric] = {}
    seen_in: dict[str, str] = {}
    problems: list[Problem] = []
    for path in sorted(p for p in directory.iterdir() if p.suffix in RUBRIC_SUFFIXES):
        try:
            rubric = load_rubric_file(path)
        except InputRejected as rejected:
            problems.extend(rejected.problems)
            continue
        if rubric.key in rubrics:
            problems.append(
                Problem(
                    file=path.name,
                    column="id",
                    message=f"rubric id '{rubric.key}' is also used by {seen_in[rubric.key]}",
                    fix="give each rubric file its own id",
                )
            )
            continue
        rubrics[rubric.key] = rubric
        seen_in[rubric.key] = path.name
    if problems:
        raise InputRejected(f"Rubric folder {directory}", problems)
    return rubrics


def find_rubric(directory: Path, key_or_path: str | Path) -> Rubric:
    """A rubric by file path, or by id within `directory` (trying `<id>.yaml` before scanning)."""
    as_path = Path(key_or_path)
    if as_path.suffix in RUBRIC_SUFFIXES or as_path.is_file():
        return load_rubric_file(as_path)
    key = str(key_or_path)
    directory = Path(directory)
    # The conventional file name first, so one broken unrelated file does not block this rubric.
    for suffix in RUBRIC_SUFFIXES:
        candidate = directory / f"{key}{suffix}"
        if candidate.is_file():
            rubric = load_rubric_file(candidate)
            if rubric.key == key:
                return rubric
    rubrics = load_rubrics_dir(directory)
    if key not in rubrics:
        known = ", ".join(sorted(rubrics)) or "none"
        raise NotFound(f"no rubric with id '{key}' in {directory} (found: {known})")
    return rubrics[key]


def store_rubric(session: Session, rubric: Rubric) -> RubricVersion:
    """The stored version for this content, adding it if new; flushes, never commits."""
    existing = session.exec(
        select(RubricVersion).where(RubricVersion.content_hash == rubric.content_hash)
    ).first()
    if existing is not None:
        return existing
    version = RubricVersion(
        key=rubric.key,
        version_label=rubric.version_label,
        content_hash=rubric.content_hash,
        title=rubric.title,
        kind=rubric.kind,
        theme=rubric.theme,
        # A private copy: the stored content must not change if the caller's Rubric is mutated.
        content=copy.deepcopy(rubric.content),
    )
    session.add(version)
    session.flush()
    return version


# Every scorecard page and save needs its cycle's rubric, and rebuilding one from stored content validates it
# afresh (milliseconds, which 50 auditors at once turn into queueing). A stored version never changes: its content
# hash is its identity. So a built rubric is kept per hash, bounded so a long-lived server cannot grow without end.
_BUILT: dict[str, Rubric] = {}
_BUILT_LIMIT = 256


def rubric_from_version(version: RubricVersion) -> Rubric:
    """Rebuild the rubric a version was stored with, from its stored content; keeps the stored hash."""
    built = _BUILT.get(version.content_hash)
    if built is not None:
        return built
    normalised, problems = normalise(copy.deepcopy(dict(version.content)), f"rubric version {version.content_hash[:12]}")
    if problems:
        raise InputRejected(f"Stored rubric version {version.content_hash[:12]}", problems)
    # The stored hash is the identity results point at, even if normalisation rules change later.
    built = _build(normalised, version.content_hash)
    if len(_BUILT) >= _BUILT_LIMIT:
        _BUILT.clear()
    _BUILT[version.content_hash] = built
    return built


def stored_rubric(session: Session, version_id: int) -> Rubric:
    """The rubric stored as `version_id`; reads only its hash when that rubric is already built."""
    content_hash = session.exec(select(RubricVersion.content_hash).where(RubricVersion.id == version_id)).first()
    if content_hash is None:
        raise NotFound(f"no stored rubric version {version_id}")
    built = _BUILT.get(content_hash)
    return built if built is not None else rubric_from_version(session.get(RubricVersion, version_id))


def read_yaml_file(path: Path, what: str = "Rubric file") -> object:
    """Parse a YAML file strictly (a key written twice is an error); problems come back as InputRejected."""
    check_file_size(path, f"{what} {path.name}", DEFAULT_YAML_BYTES, "EHCP_AUDIT_MAX_YAML_BYTES")
    if not path.is_file():
        raise InputRejected(
            f"{what} {path}", [Problem(file=path.name, message="the file does not exist", fix="check the path")]
        )
    # The one reader (audit.text_files): UTF-8, or one message naming UTF-16, a workbook or binary data.
    text = read_text(path, f"{what} {path}", encodings=YAML_ENCODINGS, fix=TEXT_FIX)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # nosec B506  # _StrictLoader is a SafeLoader subclass
    except yaml.YAMLError as err:
        raise InputRejected(f"{what} {path.name}", [_yaml_problem(path.name, err)]) from None


def _yaml_problem(name: str, err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    reason = getattr(err, "problem", None) or str(err)
    return Problem(
        file=name,
        message=f"the file is not valid YAML{where}: {reason}",
        fix="check the indentation there, and put text containing ': ' or '#' in quotes",
    )


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key written twice in one block (PyYAML silently keeps the last), and aliases
    (a few lines of "*a" references can stand for billions of values)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed; write the text out in full",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key; construct_mapping reports it properly
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{key}' appears twice in the same block (first at line {first + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _build(content: dict, digest: str) -> Rubric:
    def cap(raw: dict, targets_key: str) -> Cap:
        return Cap(tuple(raw[targets_key]), Grade.parse(raw["at_or_below"]), Grade.parse(raw["cap_at"]))

    def section(s: dict) -> Section:
        parts = tuple(AgencyPart(p["agency"], p["applies_if_advice"]) for p in s.get("agencies", []))
        return Section(
            code=s["code"],
            title=s["title"],
            agency=parts[0].agency if parts else s["agency"],
            weight=float(s["weight"]),
            applies_if_advice=s.get("applies_if_advice"),
            criteria=tuple(
                Criterion(
                    id=c["id"],
                    text=c["text"],
                    weight=float(c["weight"]),
                    descriptors={Grade.parse(label): text for label, text in c["descriptors"].items()},
                    applies_if=build_conditions(c.get("applies_if", {})),
                    allow_not_applicable=bool(c.get("allow_not_applicable", False)),
                    agencies=tuple(c.get("agencies", ())),
                )
                for c in s["criteria"]
            ),
            caps=tuple(cap(raw, "criteria") for raw in s["caps"]),
            agencies=parts,
            combine=s.get("combine"),
            applies_if=build_conditions(s.get("applies_if", {})),
        )

    rollup = content["rollup"]
    return Rubric(
        key=content["id"],
        title=content["title"],
        version_label=content["version"],
        kind=content["kind"],
        theme=content["theme"],
        rollup=Rollup(rollup["section"], rollup["plan"], tuple(cap(raw, "sections") for raw in rollup["caps"])),
        sections=tuple(section(s) for s in content["sections"]),
        content=content,
        content_hash=digest,
    )
