"""Seeded synthetic local area: an EHC plan register and an auditor pool for the demo, tests and benchmarks.

Everything here is invented. Plans carry random pseudonymised references; people are codes. Figures and
the assumptions behind them are listed in docs/synthetic.md. Whole columns are drawn with numpy so that
a national-scale register (640,000 plans) takes seconds, not minutes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from audit.register.plans import REGISTER_COLUMNS
from audit.synthetic.clocks import NAT as _NAT
from audit.synthetic.clocks import as_columns, later_clocks, statutory_clocks
from audit.synthetic.clocks import dates as _dates
from audit.synthetic.clocks import late as _late
from audit.synthetic.grading import simulate_grades  # noqa: F401  re-exported: callers import it from here too
from audit.vocabulary import Agency, NeedCode, Phase, PlanStatus

AUDITOR_COLUMNS = ["code", "agency", "team", "email", "active"]

DEFAULT_AUDITORS = {
    Agency.sen_team.value: 6,
    Agency.education.value: 6,
    Agency.health.value: 5,
    Agency.social_care.value: 4,
    Agency.parent_carer_forum.value: 2,
}
AGENCY_ABBREVIATIONS = {"sen_team": "SEN", "education": "ED", "health": "HE", "social_care": "SC",
                        "parent_carer_forum": "PCF"}  # fmt: skip

LOCALITIES = ["North", "South", "East", "West"]
POST_16_TEAM = "Post-16"
TEAMS = LOCALITIES + [POST_16_TEAM]

# Jan 2025 England primary need shares (domain.md), plus our small NSA share; renormalised below.
NEED_SHARES = {
    NeedCode.ASD: 31.5, NeedCode.SLCN: 21.3, NeedCode.SEMH: 20.7, NeedCode.MLD: 10.6, NeedCode.SLD: 3.9,
    NeedCode.PD: 3.9, NeedCode.SpLD: 2.4, NeedCode.HI: 1.4, NeedCode.PMLD: 1.3, NeedCode.OTH: 1.2,
    NeedCode.VI: 0.8, NeedCode.MSI: 0.3, NeedCode.NSA: 0.7,
}  # fmt: skip
STATUS_SHARES = {PlanStatus.active: 0.92, PlanStatus.ceased: 0.05, PlanStatus.transferred: 0.03}

# Our assumptions (docs/synthetic.md): phase mix, year groups within a phase, settings within a phase.
PHASE_SHARES = {Phase.early_years: 0.06, Phase.primary: 0.36, Phase.secondary: 0.33,
                Phase.post_16: 0.19, Phase.post_19: 0.06}  # fmt: skip
YEAR_GROUP_SHARES = {
    Phase.early_years: {"N1": 0.15, "N2": 0.30, "R": 0.55},
    Phase.primary: {"1": 0.13, "2": 0.15, "3": 0.16, "4": 0.17, "5": 0.19, "6": 0.20},
    Phase.secondary: {"7": 0.21, "8": 0.20, "9": 0.20, "10": 0.20, "11": 0.19},
    Phase.post_16: {"12": 0.45, "13": 0.35, "14": 0.20},
    Phase.post_19: {"14": 1.0},
}
SPECIAL = "Special school"
SETTING_SHARES = {
    Phase.early_years: {"Early years setting": 0.55, "Mainstream primary": 0.25, SPECIAL: 0.15,
                        "Resourced provision": 0.05},
    Phase.primary: {"Mainstream primary": 0.58, SPECIAL: 0.28, "Resourced provision": 0.08,
                    "Independent special school": 0.06},
    Phase.secondary: {"Mainstream secondary": 0.42, SPECIAL: 0.38, "Resourced provision": 0.08,
                      "Independent special school": 0.12},
    Phase.post_16: {"Further education college": 0.50, SPECIAL: 0.25, "Mainstream secondary": 0.15,
                    "Independent special school": 0.10},
    Phase.post_19: {"Further education college": 0.85, "Independent special school": 0.15},
}  # fmt: skip
LOCALITY_SHARES = [0.27, 0.25, 0.24, 0.24]
# Case officers by team: three each in North and South, two elsewhere (CO-01..CO-12).
CASE_OFFICERS = {"North": (1, 3), "South": (4, 3), "East": (7, 2), "West": (9, 2), POST_16_TEAM: (11, 2)}

# Advice: share of plans whose advice is requested, and share received within 6 weeks (our assumptions).
ADVICE_TYPES = ["education", "health", "social_care", "educational_psychology"]
ADVICE_REQUESTED = {"education": 0.97, "health": 0.95, "social_care": 0.35, "educational_psychology": 0.95}
ADVICE_ON_TIME = {"education": 0.75, "health": 0.60, "social_care": 0.50, "educational_psychology": 0.55}
# Which auditors could have written each kind of advice (EPs audit with education), and the size of the
# pool of advice writers who are not auditors (school SENCOs, EPs, clinicians, social workers).
ADVICE_AGENCY = {"education": "education", "health": "health", "social_care": "social_care",
                 "educational_psychology": "education"}  # fmt: skip
ADVICE_AUTHOR_POOLS = {"education": ("ED", 80), "health": ("HE", 40), "social_care": ("SC", 30),
                       "educational_psychology": ("EP", 25)}  # fmt: skip
AUDITOR_AUTHORED_SHARE = 0.30

# New plans issued within 20 weeks: England 2024 46.4%, 2023 50.3% (domain.md); we aim at about 48%.
# Late advice pushes some plans past 20 weeks, so this draw (before that push) is tuned to land there.
_ON_TIME_DRAW = 0.49
TIMESCALE_EXCEPTION_SHARE = 0.05
REVIEW_OVERDUE_SHARE = 0.17
DECISION_WITHIN_4_WEEKS = 0.60
HISTORY_YEARS = 6

_AGE_IN_YEAR_GROUP = {"N1": 3.5, "N2": 4.0, "R": 4.5} | {str(y): 4.5 + y for y in range(1, 15)}
_REF_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)  # Crockford base32


def auditor_codes(per_agency: dict[str, int] | None = None) -> dict[str, list[str]]:
    """Auditor codes by agency, e.g. {'education': ['AUD-ED-01', ...]}; deterministic from the counts."""
    counts = DEFAULT_AUDITORS if per_agency is None else per_agency
    return {
        str(agency): [f"AUD-{AGENCY_ABBREVIATIONS[str(agency)]}-{i:02d}" for i in range(1, n + 1)]
        for agency, n in counts.items()
    }


def generate_auditors(seed: int, per_agency: dict[str, int] | None = None) -> pd.DataFrame:
    """The area's auditor pool: code, agency, team, email, active (all active)."""
    # The pool is deterministic from the counts so the register can name auditors as advice authors
    # without seeing this frame; `seed` is kept for a uniform API.
    rows = []
    for agency, codes in auditor_codes(per_agency).items():
        for i, code in enumerate(codes):
            # SEN team auditors are case officers and managers in a locality; others belong to their service.
            team = TEAMS[i % len(TEAMS)] if agency == Agency.sen_team.value else Agency(agency).label
            rows.append({"code": code, "agency": agency, "team": team,
                         "email": f"{code.lower()}@example.invalid", "active": True})  # fmt: skip
    return pd.DataFrame(rows, columns=AUDITOR_COLUMNS)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed % 2**64, stream])


def _choice(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    """Indices into `shares` drawn with its (renormalised) weights."""
    p = np.array(list(shares.values()), dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _plan_refs(rng: np.random.Generator, n: int, area_code: str) -> np.ndarray:
    """Unique random references: nothing about the child or the plan can be read from them."""
    values = rng.integers(0, 2**40, size=n, dtype=np.int64)
    while True:
        _, first = np.unique(values, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        values[dup] = rng.integers(0, 2**40, size=int(dup.sum()), dtype=np.int64)
    digits = (values[:, None] >> np.arange(35, -1, -5, dtype=np.int64)) & 31
    chars = _REF_ALPHABET[digits].view("S8").ravel().astype("U8")
    return np.char.add(f"{area_code}-", chars).astype(object)


def _asked_of(asked: dict[str, np.ndarray], types: list[str], type_index: np.ndarray) -> np.ndarray:
    """Whether each plan's advice of the given type (by index) was requested."""
    return np.stack([asked[t] for t in types])[type_index, np.arange(len(type_index))]


def generate_register(
    seed: int,
    n_plans: int = 600,
    as_of: date = date(2026, 11, 1),
    area_code: str = "DEMO",
    *,
    per_agency: dict[str, int] | None = None,
) -> pd.DataFrame:
    """A synthetic, pseudonymised EHC plan register with exactly the register columns."""
    rng, n = _rng(seed, 1), n_plans
    today = np.int64((np.datetime64(as_of, "D") - np.datetime64(0, "D")).astype(np.int64))
    phases = list(PHASE_SHARES)
    phase_i = _choice(rng, PHASE_SHARES, n)
    phase = np.array([p.value for p in phases], dtype=object)[phase_i]

    year_group = np.empty(n, dtype=object)
    setting = np.empty(n, dtype=object)
    age = np.empty(n)
    for i, ph in enumerate(phases):  # a loop over five phases, not over rows
        mask = phase_i == i
        k = int(mask.sum())
        groups = list(YEAR_GROUP_SHARES[ph])
        pick = _choice(rng, YEAR_GROUP_SHARES[ph], k)
        year_group[mask] = np.array(groups, dtype=object)[pick]
        age[mask] = np.array([_AGE_IN_YEAR_GROUP[g] for g in groups])[pick]
        setting[mask] = np.array(list(SETTING_SHARES[ph]), dtype=object)[_choice(rng, SETTING_SHARES[ph], k)]
    # post_19 learners are 19 to 25, not all 19.
    age = np.where(phase_i == phases.index(Phase.post_19), age + rng.random(n) * 6, age)

    need = np.array([c.value for c in NEED_SHARES], dtype=object)[_choice(rng, NEED_SHARES, n)]
    # Most children with severe or profound learning difficulties are in special schools.
    severe = np.isin(need, ["SLD", "PMLD"]) & (phase != Phase.post_19.value) & (rng.random(n) < 0.8)
    setting[severe] = SPECIAL

    post = np.isin(phase, [Phase.post_16.value, Phase.post_19.value])
    team_i = np.where(post, len(LOCALITIES), rng.choice(len(LOCALITIES), size=n, p=LOCALITY_SHARES))
    team = np.array(TEAMS, dtype=object)[team_i]
    first_co = np.array([CASE_OFFICERS[t][0] for t in TEAMS])[team_i]
    n_co = np.array([CASE_OFFICERS[t][1] for t in TEAMS])[team_i]
    co_number = first_co + (rng.random(n) * n_co).astype(np.int64)
    case_officer = np.array([f"CO-{i:02d}" for i in range(1, 13)], dtype=object)[co_number - 1]

    # Request date: no earlier than about age 2 and at most six years back; skewed to recent years
    # because plan numbers grow every year.
    max_days = np.minimum(HISTORY_YEARS * 365.25, (age - 2.0) * 365.25)
    request = today - (max_days * rng.random(n) ** 1.3).astype(np.int64)
    exception = rng.random(n) < TIMESCALE_EXCEPTION_SHARE

    asked = {t: rng.random(n) < ADVICE_REQUESTED[t] for t in ADVICE_TYPES}
    # About 30% of plans have one advice giver who is also an auditor, so assignment's conflict-of-interest
    # rule has something to bite on. Where that advice was not asked for, education stands in.
    own_type = rng.integers(0, len(ADVICE_TYPES), n)
    own_type = np.where(~_asked_of(asked, ADVICE_TYPES, own_type), ADVICE_TYPES.index("education"), own_type)
    own_author = rng.random(n) < AUDITOR_AUTHORED_SHARE
    pool = auditor_codes(per_agency)
    columns: dict[str, np.ndarray] = {}
    latest_advice = request.copy()
    for t_i, t in enumerate(ADVICE_TYPES):
        requested = request + rng.integers(7, 22, n)
        on_time = rng.random(n) < ADVICE_ON_TIME[t]
        received = requested + np.where(on_time, rng.integers(10, 43, n), _late(rng, n, 43, 21.0, 180))
        latest_advice = np.where(asked[t], np.maximum(latest_advice, received), latest_advice)
        prefix, size = ADVICE_AUTHOR_POOLS[t]
        author = np.char.add(f"{prefix}-", (101 + rng.integers(0, size, n)).astype("U3")).astype(object)
        auditors = pool.get(ADVICE_AGENCY[t]) or []
        mine = own_author & (own_type == t_i) & asked[t]
        if auditors and mine.any():
            author[mine] = np.array(auditors, dtype=object)[rng.integers(0, len(auditors), int(mine.sum()))]
        requested = np.where(asked[t] & (requested <= today), requested, _NAT)
        received = np.where((requested != _NAT) & (received <= today), received, _NAT)
        author[requested == _NAT] = None
        columns[t] = np.stack([requested, received])
        columns[t + "_author"] = author

    final = request + np.where(
        exception,
        140 + rng.integers(14, 113, n),  # exceptions always run past 20 weeks
        np.where(rng.random(n) < _ON_TIME_DRAW, rng.integers(84, 141, n), _late(rng, n, 141, 70.0, 420)),
    )
    # A plan is finalised only after its advice is in, a draft is consulted on and the final is issued.
    final = np.maximum(final, latest_advice + rng.integers(14, 36, n))
    finalised = final <= today
    final = np.where(finalised, final, _NAT)
    # In-progress requests cannot have ceased or moved yet, so finalised plans carry all of those.
    scale = n / max(int(finalised.sum()), 1)
    shares = {k: v * scale for k, v in STATUS_SHARES.items() if k != PlanStatus.active}
    shares = {PlanStatus.active: max(1.0 - sum(shares.values()), 0.0)} | shares
    status = np.array([s.value for s in shares], dtype=object)[_choice(rng, shares, n)]
    status[~finalised] = PlanStatus.active.value

    # Annual reviews: due each year after the final plan; about one in six plans is overdue.
    reviewable = finalised & (final <= today - 365)
    overdue = rng.random(n) < REVIEW_OVERDUE_SHARE
    lo = np.maximum(today - 364, final + 300)
    recent = lo + (rng.random(n) * (today - lo + 1)).astype(np.int64)
    old = today - rng.integers(366, 640, n)
    meeting = np.where(overdue, np.where(old >= final + 300, old, _NAT), recent)
    meeting = np.where(reviewable, meeting, _NAT)
    decision = meeting + np.where(
        rng.random(n) < DECISION_WITHIN_4_WEEKS, rng.integers(5, 29, n), _late(rng, n, 29, 28.0, 200)
    )
    decision = np.where((meeting != _NAT) & (decision <= today), decision, _NAT)

    clocks = later_clocks(_rng(seed, 9), request, final, year_group, status, today)
    advice = {t: columns[t] for t in ADVICE_TYPES}
    clocks.update(statutory_clocks(_rng(seed, 10), clocks, request, final, decision, advice, year_group, status,
                                   today))
    request = clocks.pop("request_date")  # an assessment the area started itself has none
    data: dict[str, object] = {
        "plan_ref": _plan_refs(_rng(seed, 2), n, area_code),
        "team": team,
        "phase": phase,
        "year_group": year_group,
        "primary_need": need,
        "setting_type": setting,
        "status": status,
        "case_officer": case_officer,
        "request_date": _dates(request),
        "final_issued_date": _dates(final),
        "timescale_exception": np.where(exception, "yes", "no").astype(object),
    }
    for t in ADVICE_TYPES:
        data[f"{t}_advice_requested"] = _dates(columns[t][0])
        data[f"{t}_advice_received"] = _dates(columns[t][1])
        # object dtype keeps None for "not requested" (pandas' str dtype would turn it into NaN).
        data[f"{t}_advice_author"] = pd.Series(columns[t + "_author"], dtype=object)
    data["last_review_meeting_date"] = _dates(meeting)
    data["review_decision_date"] = _dates(decision)
    data.update(as_columns(clocks))
    return pd.DataFrame(data, columns=REGISTER_COLUMNS)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """ISO dates, yes/no flags and empty cells for None, as a register export would have them."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = np.where(out[column], "yes", "no")
    return out


def write_synthetic_area(folder: Path, seed: int, n_plans: int, as_of: date) -> dict[str, Path]:
    """Write register.csv and auditors.csv for the demo into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"register": folder / "register.csv", "auditors": folder / "auditors.csv"}
    frames = {"register": generate_register(seed, n_plans, as_of), "auditors": generate_auditors(seed)}
    for name, frame in frames.items():
        # Write to a temporary name first so a failed run never leaves half a file behind.
        tmp = paths[name].with_suffix(".csv.tmp")
        _csv_ready(frame).to_csv(tmp, index=False, na_rep="")
        tmp.replace(paths[name])
    return paths
