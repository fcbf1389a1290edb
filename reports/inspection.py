"""The inspection evidence pack's view-model: the board pack's own tables (reports/pack.py) mapped to the
framework's five impact headings (reports/inspection_map.py), and a self-evaluation paragraph per heading.

Nothing is counted twice: each evidence table is the board pack's table, suppressed for the same audience, and
goes to its own workbook sheet (title in row 1, headings in row 2, data from row 3, as reports/xlsx.py lays a
board table out). Every figure a paragraph quotes carries its sheet and cell (or, for a count of rows, the
rows), so a reader can trace it, and the tests check that the workbook holds what the paragraph says.

Family voice is the family voice report's (reports/family.py, `family_summary`, suppressed for the audience):
response rates, the family's view beside the grade, and where the two disagree (reports/inspection_family.py).

Each paragraph is kept as a template with its figures as tokens (reports/inspection_tokens.py); a heading the
lead has edited in the browser uses its latest saved version (audit/results/self_evaluation.py), its tokens
read from this pack's evidence, so an edit changes the words but never a figure.
"""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session

from audit.results.self_evaluation import latest_versions
from audit.store.models import Cycle
from audit.words import day, moment
from reports.inspection_family import NO_FAMILY_VOICE, family_sentences, family_tables
from reports.inspection_figures import FIRST_DATA_ROW, cell_figure, rows_figure
from reports.inspection_map import KINDS, Framework, load_framework
from reports.inspection_tokens import resolve, tokenise
from reports.pack import build_pack
from reports.paper import PaperOptions
from reports.suppression import PERCENT, TEXT, make_table
from reports.xlsx import _sheet_name

__all__ = ["FIRST_DATA_ROW", "NO_FAMILY_VOICE", "build_inspection", "cell_figure", "rows_figure"]
# Which of the board pack's tables are each kind of evidence (a pattern: improvement tables carry a plan id).
KIND_TABLES = {
    "grades": [r"overall", r"by_service", r"by_phase", r"by_need"],
    "trend": [r"trend_routine"],
    "agreement": [r"agreement"],
    "timeliness": [r"timeliness"],
    "open_cases": [r"open_requests", r"open_advice"],
    "family_voice": [r"response_rates", r"family_and_grade", r"family_beside_grade"],
    "actions": [r"actions_summary", r"improvement_\d+_brag"],
    "reaudit": [r"reaudits"],
    "not_good_enough": [r"weak_criteria", r"incomplete"],
}


def build_inspection(session: Session, cycle: Cycle, as_of: date, threshold: int = 5, *,
                     audience: str = "published", framework: Framework | None = None, edited: bool = True) -> dict:
    """The inspection pack of one cycle for an audience (published: small numbers suppressed; internal: not).
    With `edited`, a heading's paragraph is its latest saved version; without, the one generated from the data."""
    framework = framework or load_framework()
    t = threshold if audience == "published" else 0
    pack = build_pack(session, cycle, as_of, threshold, audience=audience, paper=PaperOptions(audience=audience))
    tables = {tb["key"]: tb for s in pack["sections"] for tb in s["tables"]}
    tables["agreement"] = agreement_table(pack["moderation"]["agreement"]["cycle"], t)
    tables |= family_tables(session, cycle.id, t)
    saved = latest_versions(session, cycle.id) if edited else {}
    used: set[str] = {"Contents"}
    evidence: dict[str, dict] = {}  # table key -> table with its sheet, in the order first used
    headings = []
    for heading in framework.headings:
        keys = []
        for kind in heading.evidence:
            for key in _keys(tables, kind):
                if key not in evidence:
                    evidence[key] = tables[key] | {"sheet": _sheet_name(key, used), "kind": kind}
                keys.append(key)
        figures: list[dict] = []
        sentences = [s for kind in heading.evidence for s in SENTENCES[kind](evidence, figures)]
        headings.append({"key": heading.key, "title": heading.title,
                         "kinds": [{"kind": k, "label": KINDS[k]} for k in heading.evidence],
                         "tables": keys, "generated": tokenise(" ".join(sentences), figures)})
    for h in headings:  # once every table is in the evidence, so a token may name any of them
        version = saved.get(h["key"])
        h["template"] = version.text if version else h["generated"]
        h["paragraph"], h["figures"], h["missing"] = resolve(h["template"], evidence)
        h["version"] = ({"number": version.number, "by": version.made_by, "at": moment(version.made_at)}
                        if version else None)
    return {"title": f"Area SEND inspection evidence: {pack['area']['name']}, {cycle.name}",
            "framework": {"key": framework.key, "title": framework.title},
            "area": pack["area"], "cycle": pack["cycle"], "as_of": as_of.isoformat(), "as_of_words": day(as_of),
            "audience": audience, "generated_at": pack["generated_at"],
            "suppression_note": pack["suppression_note"], "headings": headings, "evidence": evidence,
            "deep_dive": []}


def _keys(tables: dict, kind: str) -> list[str]:
    return [k for pattern in KIND_TABLES[kind] for k in tables if re.fullmatch(pattern, k)]


def agreement_table(rows: list[dict], t: int) -> dict:
    """Agreement between first and second markers this cycle (audit.moderation.agreement), as a table."""
    rows = [r | {"exact_ci": _pair(r, "exact"), "within_ci": _pair(r, "within_one")} for r in rows]
    return make_table("agreement", "Agreement between auditors (first and second marking) this cycle", [
        ("group", "Group", TEXT), ("plans", "Plans double-marked", "count"), ("units", "Sections", "count"),
        ("exact_pct", "Exact agreement", PERCENT), ("exact_ci", "95% interval", "interval"),
        ("within_one_pct", "Within one grade", PERCENT), ("note", "Note", TEXT)], rows, threshold=t,
        size="plans")


def _pair(row: dict, name: str):
    low, high = row.get(f"{name}_ci_low"), row.get(f"{name}_ci_high")
    return None if low is None or high is None else (low, high)


# --- figures and sentences --------------------------------------------------------------------------------


def _find(table: dict, column: str, value) -> int | None:
    return next((i for i, r in enumerate(table["rows"]) if r["record"].get(column) == value), None)


def _quote(figures: list[dict], figure: dict) -> str:
    figures.append(figure)
    return figure["text"]


def _grades(ev: dict, figs: list) -> list[str]:
    table = ev.get("overall") or ev.get("by_service")
    if not table or not table["rows"]:
        return ["No plan was graded this cycle."]
    pct, plans = cell_figure(table, 0, "good_or_better_pct"), cell_figure(table, 0, "plans")
    ci = cell_figure(table, 0, "ci")
    if pct["value"] is None:
        return [f"Of {_quote(figs, plans)} plans audited this cycle, the share Good or better is "
                f"{_quote(figs, pct)}: it would give a small number away."]
    return [f"Of {_quote(figs, plans)} plans audited this cycle, {_quote(figs, pct)} were Good or better "
            f"(95% interval {_quote(figs, ci)})."]


def _trend(ev: dict, figs: list) -> list[str]:
    table = ev.get("trend_routine")
    rows = [i for i, r in enumerate(table["rows"]) if r["record"].get("group") == "All sampled plans"] if table else []
    if len(rows) < 2:
        return ["There is no earlier routine cycle to compare with yet."]
    a, b = rows[-2], rows[-1]
    before, after = table["rows"][a]["record"], table["rows"][b]["record"]
    was, now = cell_figure(table, a, "pct"), cell_figure(table, b, "pct")
    if was["value"] is None or now["value"] is None:
        return ["The share Good or better cannot be compared with the last cycle: one of them is suppressed."]
    overlap = (before["ci"] and after["ci"] and before["ci"][1] >= after["ci"][0] and after["ci"][1] >= before["ci"][0])
    direction = "rose" if now["value"] > was["value"] else "fell" if now["value"] < was["value"] else "held"
    verdict = ("a change within the 95% intervals, so not yet a clear trend" if overlap else
               "a change beyond the 95% intervals: " + ("quality is improving" if direction == "rose"
                                                       else "quality is getting worse"))
    return [f"The share Good or better {direction} from {_quote(figs, was)} in {before['cycle']} to "
            f"{_quote(figs, now)} in {after['cycle']}, {verdict}."]


def _agreement(ev: dict, figs: list) -> list[str]:
    table = ev.get("agreement")
    if not table or not table["rows"] or not table["rows"][0]["record"].get("units"):
        return ["No plan was second-marked this cycle, so agreement between auditors is not known."]
    return [f"Second markers agreed exactly with the first on {_quote(figs, cell_figure(table, 0, 'exact_pct'))} "
            f"of {_quote(figs, cell_figure(table, 0, 'units'))} sections double-marked."]


def _timeliness(ev: dict, figs: list) -> list[str]:
    table = ev.get("timeliness")
    i = _find(table, "key", "final_plan_20_weeks_including_exceptions") if table else None
    if i is None:
        return ["The register does not record the 20-week clock."]
    pct, total = cell_figure(table, i, "percent"), cell_figure(table, i, "total")
    judged = ("" if pct["value"] is None else " Below the statutory 100%: not good enough."
              if pct["value"] < 100 else " Every plan was on time.")
    return [f"{_quote(figs, pct)} of {_quote(figs, total)} final plans were issued within 20 weeks.{judged}"]


def _open_cases(ev: dict, figs: list) -> list[str]:
    table = ev.get("open_requests")
    if not table or not table["rows"]:
        return ["No request is waiting for a final plan."]
    return [f"{_quote(figs, cell_figure(table, 0, 'open'))} requests are still waiting for a final plan."]


def _family(ev: dict, figs: list) -> list[str]:
    return family_sentences(ev, figs, _quote)


def _actions(ev: dict, figs: list) -> list[str]:
    table = ev.get("actions_summary")
    if not table or not table["rows"]:
        return ["No action came out of this cycle yet."]
    return [f"The cycle's actions fall into {_quote(figs, rows_figure(table))} kinds and statuses; the first, "
            f"{table['rows'][0]['cells'][0]['text'].lower()} ({table['rows'][0]['cells'][1]['text'].lower()}), "
            f"counts {_quote(figs, cell_figure(table, 0, 'actions'))} actions, "
            f"{_quote(figs, cell_figure(table, 0, 'overdue'))} overdue."]


def _reaudit(ev: dict, figs: list) -> list[str]:
    table = ev.get("reaudits")
    if not table or not table["rows"]:
        return ["No plan has been amended and re-audited yet, so impact on re-audit is not yet shown."]
    return [f"{_quote(figs, rows_figure(table))} plans were amended and re-audited; each plan's grade before and "
            "after is listed."]


def _not_good_enough(ev: dict, figs: list) -> list[str]:
    table = ev.get("weak_criteria")
    if not table or not table["rows"]:
        return ["No criterion was often weak."]
    worst = table["rows"][0]["record"]
    share = cell_figure(table, 0, "weak_pct")
    if share["value"] is None:
        return [f"Not good enough: \"{worst['criterion']}\" was the criterion most often weak (its share is "
                f"{_quote(figs, share)} to protect small numbers)."]
    return [f"Not good enough: \"{worst['criterion']}\" was weak in "
            f"{_quote(figs, cell_figure(table, 0, 'weak_pct'))} of plans, the most often of any criterion."]


SENTENCES = {"grades": _grades, "trend": _trend, "agreement": _agreement, "timeliness": _timeliness,
             "open_cases": _open_cases, "family_voice": _family, "actions": _actions, "reaudit": _reaudit,
             "not_good_enough": _not_good_enough}
