"""Surveys as data: YAML files (audit/family/surveys/, or an area's own folder) checked like rubrics.

A survey has a key, a version, an audience (family or young_person), the texts a person reads first (title,
purpose, how answers are used, consent), a five-point scale, and questions: `scale` statements and at most
one free `text` question. Every text is either one string (English) or a mapping of language codes to text
(English required); a page shows the language asked for where the file gives it, English otherwise. Each
file is validated whole (every problem at once) and hashed, so a response names the exact version answered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from audit.errors import InputRejected, Problem
from audit.rubrics.loading import read_yaml_file

SHIPPED = Path(__file__).parent / "surveys"
AUDIENCES = ("family", "young_person")
KINDS = ("scale", "text")
TEXTS = ("title", "purpose", "how_used", "consent")
SCALE_VALUES = [5, 4, 3, 2, 1]


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: dict[str, str]
    optional: bool = False


@dataclass(frozen=True)
class Survey:
    key: str
    version: int
    audience: str
    texts: dict[str, dict[str, str]]
    scale: list[tuple[int, dict[str, str]]]
    questions: list[Question]
    overall: str
    content_hash: str
    easy_read: bool = False

    def words(self, text: dict[str, str], language: str = "en") -> str:
        """The text in `language` where the file gives it, else English."""
        return text.get(language) or text["en"]

    def text(self, name: str, language: str = "en") -> str:
        return self.words(self.texts[name], language)

    @property
    def scale_questions(self) -> list[Question]:
        return [q for q in self.questions if q.kind == "scale"]

    @property
    def text_question(self) -> Question | None:
        return next((q for q in self.questions if q.kind == "text"), None)

    @property
    def languages(self) -> list[str]:
        found = {lang for t in self.texts.values() for lang in t}
        return sorted(found, key=lambda lang: (lang != "en", lang))


def _texts(value: object, where: str, name: str, problems: list[Problem]) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {"en": value.strip()}
    if isinstance(value, dict) and value and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                 for k, v in value.items()) and "en" in value:
        return {k: v.strip() for k, v in value.items()}
    problems.append(Problem(file=name, column=where, message="the text is missing or has no English ('en')",
                            fix="give a sentence, or a mapping such as {en: ..., cy: ...} with 'en' included"))
    return {"en": ""}


def survey_from_content(content: object, name: str) -> Survey:
    """Validate parsed YAML and build the Survey; InputRejected lists every problem."""
    problems: list[Problem] = []
    if not isinstance(content, dict):
        raise InputRejected(f"Survey {name}", [Problem(file=name, message="the file is not a mapping of keys",
                                                       fix="start from audit/family/surveys/family.yaml")])
    key = content.get("key")
    if not isinstance(key, str) or not key.replace("-", "").isalnum():
        problems.append(Problem(file=name, column="key", message="the survey needs a key of letters, digits and -",
                                fix="add e.g. key: family"))
    version = content.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem(file=name, column="version", message="the version must be a whole number from 1",
                                fix="add e.g. version: 1"))
    audience = content.get("audience")
    if audience not in AUDIENCES:
        problems.append(Problem(file=name, column="audience", message=f"'{audience}' is not an audience",
                                fix=f"use one of {', '.join(AUDIENCES)}"))
    texts = {t: _texts(content.get(t), t, name, problems) for t in TEXTS}
    scale_raw = content.get("scale")
    scale: list[tuple[int, dict[str, str]]] = []
    if not isinstance(scale_raw, list) or [s.get("value") if isinstance(s, dict) else None
                                           for s in scale_raw] != SCALE_VALUES:
        problems.append(Problem(file=name, column="scale", message="the scale must list the values 5, 4, 3, 2, 1 "
                                "in that order, each with its text", fix="copy the scale of family.yaml"))
    else:
        scale = [(s["value"], _texts(s.get("text"), f"scale {s['value']}", name, problems)) for s in scale_raw]
    questions: list[Question] = []
    raw = content.get("questions")
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(file=name, column="questions", message="there are no questions",
                                fix="list the questions, each with key, kind and text"))
        raw = []
    seen: set[str] = set()
    for i, q in enumerate(raw, start=1):
        where = f"questions[{i}]"
        if not isinstance(q, dict) or not isinstance(q.get("key"), str) or q.get("kind") not in KINDS:
            problems.append(Problem(file=name, column=where, message="a question needs a key and a kind",
                                    fix=f"give key: and kind: one of {', '.join(KINDS)}"))
            continue
        if q["key"] in seen:
            problems.append(Problem(file=name, column=where, message=f"the key '{q['key']}' is used twice",
                                    fix="give each question its own key"))
        seen.add(q["key"])
        questions.append(Question(q["key"], q["kind"], _texts(q.get("text"), where, name, problems),
                                  bool(q.get("optional", False))))
    if sum(q.kind == "text" for q in questions) > 1:
        problems.append(Problem(file=name, column="questions", message="there is more than one free-text question",
                                fix="keep one question of kind: text"))
    overall = content.get("overall")
    if not any(q.key == overall and q.kind == "scale" for q in questions):
        problems.append(Problem(file=name, column="overall", message="overall must name one of the scale questions",
                                fix="add e.g. overall: overall"))
    if problems:
        raise InputRejected(f"Survey {name}", problems)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Survey(key=key, version=version, audience=audience, texts=texts, scale=scale, questions=questions,
                  overall=overall, content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
                  easy_read=bool(content.get("easy_read", False)))


def load_survey_file(path: Path) -> Survey:
    path = Path(path)
    return survey_from_content(read_yaml_file(path, "Survey file"), path.name)


def load_surveys(directory: Path | None = None) -> dict[str, Survey]:
    """Every survey in the folder (default: the shipped ones), by key."""
    folder = Path(directory) if directory else SHIPPED
    surveys: dict[str, Survey] = {}
    for path in sorted(folder.glob("*.yaml")):
        survey = load_survey_file(path)
        if survey.key in surveys:
            raise InputRejected(f"Survey folder {folder}", [Problem(file=path.name, column="key", message=(
                f"the key '{survey.key}' is used by another file"), fix="give each survey its own key")])
        surveys[survey.key] = survey
    return surveys


def survey_for(surveys: dict[str, Survey], audience: str) -> Survey:
    """The survey an audience answers (the first by key whose audience matches)."""
    for key in sorted(surveys):
        if surveys[key].audience == audience:
            return surveys[key]
    raise InputRejected("Surveys", [Problem(message=f"no survey is for the audience '{audience}'",
                                            fix="add a survey file with that audience")])
