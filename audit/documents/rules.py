"""Pre-check rules as data: YAML files (rubrics/precheck/*.yaml), each checked like a rubric.

A rule names its id, version, the section it reads, the kind of check (audit.documents.checks.KINDS), a
title and an explanation in plain words, and examples: passages it must flag and look-alikes it must pass.
Loading a rule runs its own examples, so a rule file whose examples the check disagrees with is refused,
with the example named. Each rule has a content hash, so a flag can say which version of the rule raised it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from audit.documents.checks import KINDS, Hit
from audit.documents.reading import Block
from audit.documents.sections import LETTERS, Section
from audit.errors import InputRejected, Problem

Example = str | dict[str, list[str] | str]


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,40}$")
    version: int = Field(ge=1)
    section: str
    check: str
    title: str = Field(min_length=5)
    explanation: str = Field(min_length=20)
    params: dict = Field(default_factory=dict)
    examples: dict[str, list[Example]]

    @field_validator("section")
    @classmethod
    def _letter(cls, value: str) -> str:
        if value not in LETTERS:
            raise ValueError(f"'{value}' is not a section letter ({', '.join(LETTERS)})")
        return value

    @field_validator("check")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"'{value}' is not a kind of check ({', '.join(sorted(KINDS))})")
        return value

    @field_validator("examples")
    @classmethod
    def _both(cls, value: dict) -> dict:
        if set(value) != {"flagged", "passes"} or not value["flagged"] or not value["passes"]:
            raise ValueError("give 'flagged' and 'passes', each a list of at least one example")
        return value


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    section: str
    check: str
    title: str
    explanation: str
    params: dict = field(default_factory=dict)
    digest: str = ""

    def run(self, sections: dict[str, Section]) -> list[Hit]:
        return KINDS[self.check](sections, self.params)


def example_sections(example: Example, letter: str) -> dict[str, Section]:
    """An example as sections: a string is the rule's own section; a map gives text per letter."""
    given = {letter: example} if isinstance(example, str) else example
    sections = {}
    for key, texts in given.items():
        paragraphs = [texts] if isinstance(texts, str) else texts
        sections[key] = Section(key, f"Section {key}", [Block(t) for t in paragraphs if t])
    return sections


def rule_from_content(content: object, name: str) -> Rule:
    """A checked rule, or InputRejected naming the file, the field and the fix."""
    try:
        parsed = RuleFile.model_validate(content)
    except ValidationError as err:
        raise InputRejected(f"Pre-check rule file {name}", [
            Problem(e["msg"], file=name, column=".".join(str(x) for x in e["loc"]) or None,
                    fix="see docs/documents.md, 'Pre-check rules'") for e in err.errors()]) from None
    digest = hashlib.sha256(json.dumps(parsed.model_dump(), sort_keys=True).encode()).hexdigest()[:12]
    rule = Rule(parsed.id, parsed.version, parsed.section, parsed.check, parsed.title.strip(),
                " ".join(parsed.explanation.split()), parsed.params, digest)
    problems = []
    for expect, examples in (("flagged", parsed.examples["flagged"]), ("passes", parsed.examples["passes"])):
        for i, example in enumerate(examples, 1):
            flagged = bool(rule.run(example_sections(example, rule.section)))
            if flagged != (expect == "flagged"):
                problems.append(Problem(f"example {i} under '{expect}' is {'flagged' if flagged else 'passed'} "
                                        f"by the check", file=name, column=f"examples.{expect}",
                                        fix="correct the example, or the rule's params"))
    if problems:
        raise InputRejected(f"Pre-check rule file {name}", problems)
    return rule


def load_rules(folder: Path) -> list[Rule]:
    """Every rule in a folder, by id; two files with one id are refused."""
    from audit.rubrics.loading import read_yaml_file

    rules, problems = {}, []
    for path in sorted(Path(folder).glob("*.y*ml")):
        try:
            rule = rule_from_content(read_yaml_file(path, "Pre-check rule file"), path.name)
        except InputRejected as rejected:
            problems += rejected.problems
            continue
        if rule.id in rules:
            problems.append(Problem(f"the rule id '{rule.id}' is used twice", file=path.name, column="id",
                                    fix="give each rule its own id"))
        rules[rule.id] = rule
    if problems:
        raise InputRejected(f"Pre-check rules in {folder}", problems)
    if not rules:
        raise InputRejected(f"Pre-check rules in {folder}", [Problem("no rule files (*.yaml) were found",
                                                                     file=str(folder), fix="check the folder")])
    return list(rules.values())
