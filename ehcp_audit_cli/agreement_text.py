"""`ehcp-audit moderation stats` in words, readable at 80 columns: the headline (randomly chosen plans), the
rule-chosen plans beside it, then each agency, section and auditor as a short paragraph."""

from __future__ import annotations

import textwrap

import pandas as pd

from audit.moderation.agreement import FEW_PLANS, MIN_PLANS

WIDTH = 78
HEADINGS = {"cycle": "How the plans were chosen", "agency": "By agency (every double-marked plan)",
            "section": "By section (every double-marked plan)", "auditor": "By auditor (every double-marked plan)"}
FOOTER = ("Raw agreement is shown beside every coefficient. AC1 counts only identical grades; AC2 (ordinal "
          "weights) and Krippendorff's ordinal alpha give credit for near misses, and alpha corrects for chance "
          "by how the grades were spread, so a sample where nearly every grade is Good can have high agreement "
          "and a low alpha. Intervals resample plans, not sections (docs/moderation.md).")


def agreement_text(tables: dict[str, pd.DataFrame], title: str, keys: list[str]) -> str:
    """The agreement tables as paragraphs, each line at most WIDTH characters."""
    lines = [title, ""]
    for key in keys:
        rows = tables[key].to_dict("records")
        lines.append(HEADINGS.get(key, key))
        if not rows:
            lines += ["  No double-marked sections yet.", ""]
            continue
        for row in rows:
            lines += _block(row) if key == "cycle" else _paragraph(row)
        lines.append("")
    lines += textwrap.wrap(FOOTER, WIDTH)
    return "\n".join(lines)


def _block(row: dict) -> list[str]:
    """A design (random, rule-chosen, all) in full: one sentence per figure."""
    out = textwrap.wrap(f"{row['group']}: {row['plans']} plans, {row['units']} sections double-marked.", WIDTH,
                        initial_indent="  ", subsequent_indent="  ")
    sentences = [row["lead"]]
    if row["units"]:
        sentences.append(f"Within one grade: {_pct(row, 'within_one', '95% interval ')}.")
        for name, key, band in (("Gwet's AC1", "ac1", "ac1_band"), ("Gwet's AC2, ordinal weights", "ac2", "ac2_band"),
                                ("Krippendorff's alpha, ordinal", "alpha_ordinal", "alpha_band")):
            if _value(row[key]) is not None:
                sentences.append(f"{name} {_coefficient(row, key)}" + (f": {row[band]}." if row[band] else "."))
        sentences.append(row["difference"])
    if row["note"]:
        sentences.append(f"Note: {row['note']}")
    for sentence in filter(None, sentences):
        out += textwrap.wrap(sentence, WIDTH, initial_indent="    ", subsequent_indent="    ")
    return out


def _paragraph(row: dict) -> list[str]:
    """An agency, section or auditor in one paragraph."""
    if not row["units"]:
        return textwrap.wrap(f"{row['group']}: no section graded by both markers.", WIDTH, initial_indent="  ",
                             subsequent_indent="    ")
    few = " (few: rough intervals)" if MIN_PLANS <= row["plans"] < FEW_PLANS else ""
    parts = [f"{row['group']}: same grade {_pct(row, 'exact')} in {row['units']} sections of {row['plans']} "
             f"plan{'s' if row['plans'] != 1 else ''}{few}"]
    coefficients = [f"{name} {_coefficient(row, key)}" for name, key in (("AC1", "ac1"), ("AC2", "ac2"),
                                                                         ("alpha", "alpha_ordinal"))
                    if _value(row[key]) is not None]
    parts.append("; ".join(coefficients) if coefficients else "too few plans for a coefficient")
    text = "; ".join(parts) + ". " + (row["difference"] or "")
    return textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="    ")


def _pct(row: dict, key: str, words: str = "") -> str:
    value, low, high = (_value(row[f"{key}_pct"]), _value(row[f"{key}_ci_low"]), _value(row[f"{key}_ci_high"]))
    if value is None:
        return "no data"
    return f"{value:.0f}%" + (f" ({words}{low:.0f}% to {high:.0f}%)" if low is not None else "")


def _coefficient(row: dict, key: str) -> str:
    stem = "alpha" if key == "alpha_ordinal" else key
    value, low, high = _value(row[key]), _value(row[f"{stem}_ci_low"]), _value(row[f"{stem}_ci_high"])
    return f"{value:.2f}" + (f" (95% interval {low:.2f} to {high:.2f})" if low is not None else " (no interval)")


def _value(value):
    return None if value is None or value != value else value
