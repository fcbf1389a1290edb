"""Responses collected elsewhere (Microsoft Forms, SmartSurvey and the like), imported all or nothing.

Such exports put one response on a row, with the question's own words as the column heading. A column is
matched to a survey question by its key (`overall`) or its English text, and to the plan by `plan_ref` (or
"Plan reference"); `mapping` (question key or plan_ref -> heading) names any other heading. Answers are the
numbers 1 to 5 or the scale's own words ("Strongly agree"), in any case. Every problem (file, row, column,
fix) is listed and nothing is written unless the whole file is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from audit import clock
from audit.cells import text_problem
from audit.cycle.lifecycle import get_cycle
from audit.errors import InputRejected, Problem
from audit.family.surveys import Survey
from audit.limits import Limits, check_file_size
from audit.register.mapping import heading_key
from audit.register.table_files import cell_text, filled, read_grid
from audit.store.models import Plan, SampledPlan, SurveyResponse

PLAN_HEADINGS = ("plan_ref", "plan reference", "plan ref", "reference")


@dataclass(frozen=True)
class ImportResult:
    file: str
    responses: int

    def __str__(self) -> str:
        return f"Imported {self.responses} response(s) from {self.file}."


def _columns(header: list, survey: Survey, mapping: dict[str, str], name: str) -> tuple[dict[str, int], list]:
    """Target (plan_ref or a question key) -> column position, and the problems of the header."""
    keys = {heading_key(cell_text(h)): i for i, h in enumerate(header) if filled(h)}
    wanted = {"plan_ref": [*PLAN_HEADINGS]}
    for q in survey.questions:
        wanted[q.key] = [q.key, q.text["en"]]
    positions, problems = {}, []
    for target, headings in wanted.items():
        if target in mapping:
            headings = [mapping[target]]
        found = next((keys[heading_key(h)] for h in headings if heading_key(h) in keys), None)
        if found is not None:
            positions[target] = found
        elif target == "plan_ref" or target in mapping:
            problems.append(Problem(f"no column is headed '{headings[0]}'", file=name, row=1, column=headings[0],
                                    fix="add the column, or name the heading with --map TARGET=HEADING"))
    for target in mapping:
        if target not in wanted:
            problems.append(Problem(f"'{target}' is not a question of the survey '{survey.key}'", file=name,
                                    fix=f"use plan_ref or one of {', '.join(q.key for q in survey.questions)}"))
    if not problems and not any(q.key in positions for q in survey.scale_questions):
        problems.append(Problem("no column matches a question of the survey", file=name, row=1,
                                fix="head the columns with the questions' words or keys, or use --map"))
    return positions, problems


def _scale_value(text: str, survey: Survey) -> int | None:
    if text in {"1", "2", "3", "4", "5"}:
        return int(text)
    for value, words in survey.scale:
        if any(text.casefold() == w.casefold() for w in words.values()):
            return value
    return None


def import_responses(session: Session, cycle_id: int, path: Path, survey: Survey, *,
                     mapping: dict[str, str] | None = None, limits: Limits | None = None,
                     now: datetime | None = None) -> ImportResult:
    """Read the file, check every row, then add every response (or none)."""
    path, limits = Path(path), limits or Limits()
    what = f"Survey responses {path.name}"
    check_file_size(path, what, limits.file_bytes)
    cycle = get_cycle(session, cycle_id)
    grid = read_grid(path, what)
    if not grid:
        raise InputRejected(what, [Problem("the file is empty", file=path.name, fix="export the responses again")])
    header, rows = grid[0], grid[1:]
    if len(rows) > limits.rows:
        raise InputRejected(what, [Problem(f"the file has {len(rows):,} rows, more than {limits.rows:,}",
                                           file=path.name, fix="split the file")])
    positions, problems = _columns(header, survey, mapping or {}, path.name)
    if problems:
        raise InputRejected(what, problems)
    sampled = dict(session.exec(select(Plan.plan_ref, SampledPlan.id).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                                .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status != "withdrawn")).all())
    heading = {target: cell_text(header[i]) for target, i in positions.items()}
    seen: dict[str, int] = {}
    ready = []
    for number, row in enumerate(rows, start=2):
        if not any(filled(c) for c in row):
            continue

        def cell(target: str, row=row) -> str:
            i = positions.get(target)
            return cell_text(row[i]) if i is not None and i < len(row) else ""

        def problem(target: str, message: str, fix: str, number=number) -> None:
            problems.append(Problem(message, file=path.name, row=number, column=heading.get(target, target), fix=fix))

        ref = cell("plan_ref")
        if ref not in sampled:
            problem("plan_ref", f"'{ref}' is not a plan sampled in cycle {cycle.id}" if ref else "the plan reference is empty",
                    "use the plan reference from the links file; 'ehcp-audit cycle status' lists the sample")
        elif ref in seen:
            problem("plan_ref", f"plan {ref} is answered again (first on row {seen[ref]})", "keep one response per plan")
        else:
            seen[ref] = number
        answers, unreadable = {}, False
        for q in survey.scale_questions:
            text = cell(q.key)
            if not text:
                continue
            value = _scale_value(text, survey)
            if value is None:
                unreadable = True
                problem(q.key, f"'{text[:40]}' is not an answer on the scale",
                        "use 1 to 5 or " + ", ".join(f"'{w['en']}'" for _, w in survey.scale))
            else:
                answers[q.key] = value
        comment = cell(survey.text_question.key) if survey.text_question else ""
        bad = text_problem(comment, limits.text_chars) if comment else None
        if bad:
            problem(survey.text_question.key, f"the answer {bad[0]}", bad[1])
        if not answers and not comment and not unreadable:
            problem("plan_ref", "the row has no answers", "remove the row, or fill in the answers")
        if ref in sampled:
            ready.append(SurveyResponse(cycle_id=cycle.id, sampled_plan_id=sampled[ref], audience=survey.audience,
                                        survey_key=survey.key, survey_hash=survey.content_hash, answers=answers,
                                        comment=comment, source="import", received_at=now or clock.now()))
    if problems:
        raise InputRejected(what, problems)
    session.add_all(ready)
    session.flush()
    return ImportResult(path.name, len(ready))
