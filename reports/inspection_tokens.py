"""Figures in the self-evaluation as tokens: a paragraph is kept as text with `{table.column}` (row 1),
`{table.column.N}` (row N) or `{table.rows}` (how many rows) where a figure goes, and each token is read from
the pack's evidence tables whenever the pack is made. So an edit changes the words, never a figure: a figure
comes from the data (suppressed for the audience like every other cell) and keeps its sheet and cell.

`tokenise` turns a generated paragraph into its template; `resolve` turns a template back into a paragraph
and its figures; `check_edit` refuses an edit that names a token the evidence has not got or types a number
that is neither a token nor in the generated words (such as "20 weeks").
"""

from __future__ import annotations

import re

from reports.inspection_figures import cell_figure, rows_figure

TOKEN = re.compile(r"\{([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:\.(\d+))?\}")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


def token(figure: dict) -> str:
    if figure["column"] == "rows":
        return f"{{{figure['table']}.rows}}"
    row = figure["row"] + 1
    return f"{{{figure['table']}.{figure['column']}" + (f".{row}}}" if row != 1 else "}")


def tokenise(paragraph: str, figures: list[dict]) -> str:
    """The generated paragraph with each figure's text replaced by its token, in the order they were quoted."""
    out, rest = [], paragraph
    for figure in figures:
        before, found, after = rest.partition(figure["text"])
        if not found:  # the sentences quote every figure they list, so this would be a bug
            raise ValueError(f"figure {figure['text']!r} is not in the paragraph")
        out += [before, token(figure)]
        rest = after
    return "".join(out) + rest


def figure_of(evidence: dict, match: re.Match) -> dict | None:
    """The figure a token names in the evidence, or None when the table, column or row is not there."""
    table_key, column, row = match.group(1), match.group(2), match.group(3)
    table = evidence.get(table_key)
    if table is None:
        return None
    if column == "rows" and row is None:
        return rows_figure(table)
    index = int(row or 1) - 1
    if column not in [c["key"] for c in table["columns"]] or not 0 <= index < len(table["rows"]):
        return None
    return cell_figure(table, index, column)


def resolve(template: str, evidence: dict) -> tuple[str, list[dict], list[str]]:
    """The paragraph (each token replaced by its figure's text), its figures and the tokens not found."""
    figures, missing = [], []

    def replace(match: re.Match) -> str:
        figure = figure_of(evidence, match)
        if figure is None:
            missing.append(match.group(0))
            return f"[figure no longer in the evidence: {match.group(0)}]"
        figures.append(figure | {"token": match.group(0)})
        return figure["text"]

    return TOKEN.sub(replace, template), figures, missing


def check_edit(text: str, generated: str, evidence: dict) -> list[str]:
    """Why an edited paragraph cannot be saved (empty: it can). `generated` is the heading's generated template."""
    problems = []
    if not text.strip():
        problems.append("Enter the paragraph: it cannot be empty")
    _, _, missing = resolve(text, evidence)
    problems += [f"{t} is not a figure in this pack's evidence: use a token from the list of figures" for t in missing]
    allowed = set(NUMBER.findall(TOKEN.sub(" ", generated)))
    typed = [n for n in NUMBER.findall(TOKEN.sub(" ", text)) if n not in allowed]
    if typed:
        problems.append(f"Figures come from the data, so they cannot be typed: replace {', '.join(typed)} with "
                        "a figure's token from the list (such as {overall.plans})")
    return problems
