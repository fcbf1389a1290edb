"""The board pack's cover paper: what a board chair reads in ten minutes, written from the pack's own tables.

Every figure in the cover is read from a table cell of the pack (the same view-model the appendix prints), and
`figures` lists each with its table, row and column, so a test can check the text against the tables. The
sentences are templates filled from the data (reports/templates/_cover.jinja); no language model, no network.

- the status: "Provisional" while the cycle is open, scorecards are outstanding or plans lack a grade (saying
  how many), "Final" only when the cycle is scored or closed with every scorecard in;
- the headline: the share Good or better, the change since the last comparable cycle (the previous routine
  cycle on the same rubric) with a two-proportion test, the area's target and a national figure from settings;
- where plans are strongest and weakest, by service, section and criterion;
- recurring themes in what auditors wrote (reports.themes), a pseudonymised example of each;
- timeliness in three lines, actions off track, and what the board is asked to note, agree or decide;
- family voice, where the cycle surveyed families (reports/family.py): the response rate, the family's view beside
  the grades, how many plans the two disagree on, and the themes families wrote about, suppressed as the tables are.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from datetime import date

from audit.cycle.lifecycle import Progress
from audit.settings import Settings
from audit.vocabulary import CycleStatus, Grade
from reports.themes import themes

AUDIENCES = {"published": "Published paper: small numbers are suppressed so no child can be identified.",
             "internal": "Internal paper for the QA group: counts are shown in full, small numbers included. "
                         "Not for publication."}
CHANCE = 0.05  # a change with a two-sided p-value below this is called beyond chance
TIMELINESS_KEYS = ("final_plan_20_weeks_including_exceptions", "decision_to_assess_6_weeks")
ADVICE_KEYS = ("advice_6_weeks_education", "advice_6_weeks_educational_psychology", "advice_6_weeks_health",
               "advice_6_weeks_social_care")


@dataclass(frozen=True)
class PaperOptions:
    """What the QA lead sets for the cover (audit.settings): the audience, target, national figure, decisions."""

    audience: str = "published"
    target_pct: float | None = None
    national_pct: float | None = None
    national_source: str = ""
    national_year: int | None = None
    decisions: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_settings(cls, settings: Settings) -> PaperOptions:
        return cls(settings.board_audience, settings.board_target_good_pct, settings.national_good_pct,
                   settings.national_source, settings.national_year, tuple(settings.board_decisions))


def status(cycle_status: str, progress: Progress, counts: dict, incomplete: object) -> dict:
    """Provisional or final, and what is outstanding: `counts` are the scorecards (the board's or a service's),
    `incomplete` the plans without every section graded as the pack's overall table shows it."""
    outstanding = max(counts.get("total", 0) - counts.get("submitted", 0), 0)
    open_ = cycle_status not in (CycleStatus.scored.value, CycleStatus.closed.value)
    plans = incomplete if isinstance(incomplete, str) else int(incomplete or 0)
    final = not open_ and outstanding == 0 and plans == 0
    if final:
        return {"final": True, "label": "Final", "banner": "Final: the cycle is closed and every scorecard is in."}
    why = ["the cycle is still open"] if open_ else []
    if outstanding:
        why.append(f"{outstanding} of {counts.get('total', 0)} scorecard{'s are' if outstanding != 1 else ' is'} "
                   "outstanding")
    if plans:
        why.append(f"{plans} plan{'s are' if plans != 1 else ' is'} not yet fully graded")
    text = "; ".join(why) if why else "results are not yet final"
    return {"final": False, "label": "Provisional", "outstanding_scorecards": outstanding,
            "incomplete_plans": plans, "banner": f"Provisional: {text}. Figures may change."}


def two_proportion_p(good_a: int, n_a: int, good_b: int, n_b: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test; None when it cannot be worked out."""
    from scipy.stats import norm

    if not n_a or not n_b:
        return None
    pooled = (good_a + good_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return 1.0
    return float(2 * norm.sf(abs((good_a / n_a - good_b / n_b) / spread)))


class _Figures:
    """Reads cells from the pack's tables and remembers each one quoted, for the equality test."""

    def __init__(self, pack: dict):
        self.tables = {t["key"]: t for s in pack["sections"] for t in s["tables"]}
        self.quoted: list[dict] = []

    def rows(self, key: str) -> list[dict]:
        table = self.tables.get(key)
        return [] if table is None else table["rows"]

    def cell(self, key: str, index: int, column: str) -> dict:
        table = self.tables[key]
        position = [c["key"] for c in table["columns"]].index(column)
        cell = table["rows"][index]["cells"][position]
        self.quoted.append({"table": key, "row": index, "column": column, "text": cell["text"]})
        return cell

    def text(self, key: str, index: int, column: str) -> str:
        return self.cell(key, index, column)["text"]


def cover(pack: dict, progress_status: dict, comments: list[dict], actions: list[dict], options: PaperOptions,
          as_of: date) -> dict:
    """The cover's view-model: sentences made from the pack's tables (see the module docstring)."""
    f = _Figures(pack)
    headline, change, below_target = _headline(pack, f, options)
    where = _where(f)
    cover_ = {
        "audience": pack["audience"], "audience_note": AUDIENCES[pack["audience"]], "status": progress_status,
        "purpose": (f"To report the quality of EHC plans audited in {pack['cycle']['name']}"
                    + (f" for {pack['service_label']}" if pack["service_label"] else "")
                    + ", how it compares with earlier cycles and the target, and what the board is asked to do."),
        "headline": headline, "where": where, "themes": _themes(comments),
        "timeliness": _timeliness(f), "actions": _actions(f, actions, as_of), "family": _family(f),
    }
    cover_["asks"] = _asks(pack, cover_, change, below_target, where, options)
    cover_["figures"] = f.quoted
    return cover_


def _headline(pack: dict, f: _Figures, options: PaperOptions) -> tuple[list[str], dict | None, bool]:
    key = "by_service" if pack["service"] else "overall"
    rows = f.rows(key)
    if not rows:
        return ["No plan in this cycle's sample has been graded yet."], None, False
    index = 0
    plans, pct = f.text(key, index, "plans"), f.cell(key, index, "good_or_better_pct")
    who = f"plans graded on {pack['service_label']}'s sections" if pack["service"] else "graded plans"
    if pct["value"] is None:
        if pct["text"] == "no data":
            return ["No plan in this cycle's sample has been graded yet."], None, False
        good = [f.text(key, index, g) for g in ("Outstanding", "Good")]
        few = f"<{pack['small_number_threshold']}"
        count = (f"Fewer than {pack['small_number_threshold']}" if few in good or "[c]" in good else
                 "A small number")
        lines = [f"{count} of the {plans} {who} were Good or better: the published paper does not give the share, "
                 "as it would tell the number (the internal paper shows it)."]
        return lines + _comparators(None, options)[0], None, False
    lines = [f"{pct['text']} of {who} were Good or better ({plans} graded, 95% interval "
             f"{f.text(key, index, 'ci')})."]
    change = _change(pack, f)
    if change:
        lines.append(change["sentence"])
    more, below = _comparators(pct["value"], options)
    return lines + more, change, below


def _comparators(share: float | None, options: PaperOptions) -> tuple[list[str], bool]:
    """The area's target and the national figure (settings), and whether the share is below the target."""
    lines, below = [], False
    if options.target_pct is not None and share is None:
        lines.append(f"The area's target is {options.target_pct:g}% Good or better.")
    elif options.target_pct is not None:
        below = share < options.target_pct
        gap = abs(share - options.target_pct)
        lines.append(f"The area's target is {options.target_pct:g}%: "
                     + (f"{gap:.1f} points below it." if below else "met." if gap < 0.05 else
                        f"{gap:.1f} points above it."))
    if options.national_pct is not None:
        source = ", ".join(str(p) for p in (options.national_source, options.national_year) if p)
        lines.append(f"Nationally {options.national_pct:g}% of plans audited were Good or better"
                     + (f" ({source})." if source else "."))
    return lines, below


def _change(pack: dict, f: _Figures) -> dict | None:
    """The change since the previous routine cycle in the trend table, tested for chance."""
    group = pack["service_label"] or "All sampled plans"
    mine = [(i, r["record"]) for i, r in enumerate(f.rows("trend_routine")) if r["record"]["group"] == group]
    here = next((k for k, (_, r) in enumerate(mine) if r.get("cycle_id") == pack["cycle"]["id"]), None)
    if here is None or here == 0:
        return {"sentence": "There is no earlier routine cycle to compare with.", "beyond_chance": None}
    i_now, now = mine[here]
    # The last comparable cycle: the latest earlier routine cycle judged against the same rubric version.
    same = [(i, r) for i, r in mine[:here] if r["rubric"] == now["rubric"]]
    if not same:
        return {"sentence": f"No earlier routine cycle used this rubric version (the last, {mine[here - 1][1]['cycle']}, "
                            "used another), so there is no like-for-like comparison.", "beyond_chance": None}
    i_then, then = same[-1]
    skipped = [r["cycle"] for _, r in mine[mine.index(same[-1]) + 1:here]]
    aside = (f" ({', '.join(skipped)} used another rubric version and is not compared)" if skipped else "")
    if now["pct"] is None or then["pct"] is None or not all(isinstance(r[k], numbers.Integral) for r in (now, then)
                                                            for k in ("good", "plans")):
        return {"sentence": f"{then['cycle']} had too few graded plans to compare with.", "beyond_chance": None}
    before, after = f.text("trend_routine", i_then, "pct"), f.text("trend_routine", i_now, "pct")
    p = two_proportion_p(now["good"], now["plans"], then["good"], then["plans"])
    beyond = p is not None and p < CHANCE
    way = "up" if now["pct"] > then["pct"] else "down" if now["pct"] < then["pct"] else "unchanged"
    move = (f"{way} to {after} from {before} in {then['cycle']}" if way != "unchanged"
            else f"unchanged at {after} from {then['cycle']}")
    verdict = ("a change beyond chance" if beyond else "within what chance alone could give, so not yet a real "
               "change")
    return {"sentence": f"That is {move} ({f.text('trend_routine', i_then, 'plans')} graded), the last cycle on the "
                        f"same rubric{aside}: {verdict} (two-proportion test, p = {p:.2f}).",
            "beyond_chance": beyond, "way": way, "p": p, "since": then["cycle"]}


def _extremes(f: _Figures, key: str, value: str, what: str) -> str | None:
    shown = [(i, r) for i, r in enumerate(f.rows(key)) if r["record"].get(value) is not None]
    if len(shown) < 2:
        return None
    best = max(shown, key=lambda ir: (ir[1]["record"][value], -ir[0]))
    worst = min(shown, key=lambda ir: (ir[1]["record"][value], ir[0]))
    first = f.tables[key]["columns"][0]["key"]
    return (f"By {what}, plans are strongest in {f.text(key, best[0], first)} "
            f"({f.text(key, best[0], value)} Good or better) and weakest in {f.text(key, worst[0], first)} "
            f"({f.text(key, worst[0], value)}).")


def _where(f: _Figures) -> dict:
    lines = [line for line in (_extremes(f, "by_service", "good_or_better_pct", "service"),
                               _extremes(f, "by_section", "good_or_better_pct", "section")) if line]
    weakest_section = None
    shown = [(i, r) for i, r in enumerate(f.rows("by_section")) if r["record"].get("good_or_better_pct") is not None]
    if shown:
        weakest_section = min(shown, key=lambda ir: (ir[1]["record"]["good_or_better_pct"], ir[0]))[1]["record"]["group"]
    for key, words, share in (("strong_criteria", "A strength", "strong_pct"),
                              ("weak_criteria", "The most frequent weakness", "weak_pct")):
        # The table's order is the ranking; the first whose share the paper may show is quoted.
        first = next((i for i, r in enumerate(f.rows(key)) if r["record"].get(share) is not None), None)
        if first is not None:
            verb = "Good or better" if share == "strong_pct" else "Requires Improvement or Inadequate"
            lines.append(f"{words}: “{f.text(key, first, 'criterion_label')}”, {verb} in "
                         f"{f.text(key, first, share)} of {f.text(key, first, 'plans')} plans.")
    lines = lines or ["Too few plans were graded to say where plans are strongest or weakest."]
    flagged = _precheck(f)
    return {"lines": lines + ([flagged] if flagged else []), "weakest_section": weakest_section}


def _precheck(f: _Figures) -> str | None:
    """The section the text pre-check flagged in the largest share of plans (issue 20), if the paper may show it."""
    shown = [(i, r) for i, r in enumerate(f.rows("precheck_by_section"))
             if r["record"].get("flagged_pct") is not None and r["record"].get("flagged_pct") > 0]
    if not shown:
        return None
    i = max(shown, key=lambda ir: (ir[1]["record"]["flagged_pct"], -ir[0]))[0]
    key = "precheck_by_section"
    return (f"The text pre-check flagged {f.text(key, i, 'group')} most often: in {f.text(key, i, 'flagged_pct')} "
            f"of {f.text(key, i, 'plans')} plans with a document; auditors confirmed {f.text(key, i, 'confirmed')} "
            f"of its flags and dismissed {f.text(key, i, 'dismissed')}. A flag is a suggestion, never a grade.")


def _themes(comments: list[dict]) -> dict:
    weak = [c["comment"] for c in comments if c["grade"] is not None and c["grade"] <= int(Grade.REQUIRES_IMPROVEMENT)]
    strong = [c["comment"] for c in comments if c["grade"] is not None and c["grade"] >= int(Grade.GOOD)]
    return {"comments": len(comments), "weak": [asdict(t) for t in themes(weak)],
            "strong": [asdict(t) for t in themes(strong, top=2)]}


def _family(f: _Figures) -> list[str]:
    """Family voice in a few lines, from the pack's "Family voice" tables; none when no family was surveyed."""
    rates = f.rows("response_rates")
    if not rates:
        return []
    lines = []
    for i, row in enumerate(rates):
        if row["record"]["invited"]:
            who = f.text("response_rates", i, "audience")
            rate = f.cell("response_rates", i, "rate")
            share = f" ({rate['text']})" if rate["value"] is not None else ""
            lines.append(f"{who}: {f.text('response_rates', i, 'answered')} answers to "
                         f"{f.text('response_rates', i, 'invited')} survey links{share}.")
    beside = []
    for i, row in enumerate(f.rows("family_and_grade")):
        if row["record"]["plans"]:
            beside.append(f"{f.text('family_and_grade', i, 'grade')}: {f.text('family_and_grade', i, 'plans')} "
                          f"(rates it well {f.text('family_and_grade', i, 'well')}, poorly "
                          f"{f.text('family_and_grade', i, 'poorly')})")
    if beside:
        lines.append("The family's overall view beside the audit grade: " + "; ".join(beside) + ".")
    words = ("graded Good or better that the family rates poorly", "graded below Good that the family rates well")
    ways = [f"{f.text('family_disagreements', i, 'plans')} {words[i]}" for i in range(len(f.rows("family_disagreements")))]
    if ways:
        lines.append(f"Plans where the family and the audit disagree: {'; '.join(ways)}. The QA lead looks at each "
                     "again.")
    phrases = [f"“{f.text('family_themes', i, 'phrase')}” ({f.text('family_themes', i, 'responses')})"
               for i in range(min(3, len(f.rows("family_themes"))))]
    lines.append(f"Families wrote most about {', '.join(phrases)}." if phrases else
                 "No phrase in what families wrote was used by enough families to report.")
    return lines


def _timeliness(f: _Figures) -> list[str]:
    rows = {r["record"].get("key"): i for i, r in enumerate(f.rows("timeliness"))}
    advice = [k for k in ADVICE_KEYS if k in rows and f.rows("timeliness")[rows[k]]["record"].get("percent") is not None]
    worst_advice = min(advice, key=lambda k: f.rows("timeliness")[rows[k]]["record"]["percent"], default=None)
    keys = [k for k in (*TIMELINESS_KEYS, worst_advice) if k in rows] or list(rows)[:3]
    lines = []
    for key in keys[:3]:
        i = rows[key]
        lines.append(f"{f.text('timeliness', i, 'label')}: {f.text('timeliness', i, 'percent')} "
                     f"({f.text('timeliness', i, 'met')} of {f.text('timeliness', i, 'total')}).")
    return lines or ["No timeliness measure applies."]


def _actions(f: _Figures, actions: list[dict], as_of: date) -> dict:
    from reports.board import off_track

    rows = f.rows("actions_summary")
    overdue = sum(r["record"]["overdue"] or 0 for r in rows)
    total = sum(r["record"]["actions"] or 0 for r in rows)
    for i in range(len(rows)):
        f.cell("actions_summary", i, "overdue")
    late = [a["title"] for a in actions if a["kind"] == "improvement" and off_track(a, as_of)][:3]
    sentence = (f"{overdue} of {total} actions from this cycle are overdue." if total else
                "This cycle raised no actions.")
    return {"overdue": overdue, "total": total, "sentence": sentence, "improvement_off_track": late}


def _asks(pack: dict, c: dict, change: dict | None, below_target: bool, where: dict,
          options: PaperOptions) -> list[dict]:
    asks = [{"verb": "note", "text": f"the {c['status']['label'].lower()} results of {pack['cycle']['name']}: "
                                     + (c["headline"][0][0].lower() + c["headline"][0][1:]).rstrip(".")}]
    if not c["status"]["final"]:
        asks.append({"verb": "note", "text": "that the figures will change until the cycle is final; the final "
                                             "paper follows when every scorecard is in"})
    if where["weakest_section"]:
        asks.append({"verb": "agree", "text": f"that section {where['weakest_section']} is the focus of the "
                                              "improvement actions before the next cycle"})
    if c["actions"]["overdue"]:
        asks.append({"verb": "agree", "text": f"revised milestones, or escalation to the service leads, for the "
                                              f"{c['actions']['overdue']} overdue actions"})
    if below_target:
        asks.append({"verb": "decide", "text": f"whether the improvement plan does enough to reach the target of "
                                               f"{options.target_pct:g}% Good or better"})
    if change and change.get("beyond_chance") and change.get("way") == "down":
        asks.append({"verb": "decide", "text": "whether to commission a themed audit of the decline"})
    asks += [{"verb": "decide", "text": text.rstrip(".")} for text in options.decisions]
    return asks
