"""Results across areas (a region or the whole country): grade distributions per area, service, section and team,
and every timeliness measure per area, aggregated in DuckDB.

Each area's latest scored cycle (or the cycles given) is read from the store. A SQLite store is read in place by
DuckDB's sqlite scanner (shipped on PyPI as duckdb-extension-sqlite-scanner, loaded from its file: nothing is
downloaded); any other database is read through SQLAlchemy. A service's grade for a plan is the rubric's own
roll-up (`audit.rubrics.scoring.service_grade`), worked out once per distinct pattern of section grades and joined
back, so the national figures use exactly the rule a single area's board pack uses. Timeliness is worked out
by `audit.timeliness.measures`, the same code as a single area's, on a second cursor while the results load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from audit.register.frames import PLAN_CODE_COLUMNS, PLAN_DATE_COLUMNS, PLAN_FLAG_COLUMNS
from audit.results.analysis import GRADE_COLUMNS
from audit.rubrics.loading import Rubric, rubric_from_version
from audit.rubrics.model import PART_SEPARATOR as PART
from audit.rubrics.model import Section
from audit.rubrics.scoring import service_grade
from audit.store.models import RubricVersion
from audit.timeliness.measures import TimelinessReport, compute_timeliness
from audit.vocabulary import REAUDIT_STRATUM, Grade

STORE_TABLES = ["localarea", "plan", "cycle", "sampledplan", "planresult", "sectionresult"]
DISTRIBUTION_COLUMNS = ["plans", *GRADE_COLUMNS, "incomplete", "good_or_better_pct"]
_GRADE_VALUES = {g.label: int(g) for g in Grade}
SECTION_STATUSES = ["complete", "incomplete", "not_applicable"]  # as audit.results.cycle_scores.score_cycle stores them
_SLOT = 3  # bits per section in a packed pattern: a grade (1-4) fits, and 21 sections fit a BIGINT
_FULL = (1 << _SLOT) - 1
MAX_SECTIONS = 63 // _SLOT


@dataclass
class NationalResults:
    """Distributions (analysis.distribution's columns plus their keys) and timeliness, one row per group."""

    areas: pd.DataFrame  # area_id, area (code), name, cycle_id, sampled plans
    by_area: pd.DataFrame
    by_area_service: pd.DataFrame
    by_area_section: pd.DataFrame
    by_area_team: pd.DataFrame
    by_service: pd.DataFrame
    by_section: pd.DataFrame
    timeliness: TimelinessReport | None  # every measure overall and per area code


def national_results(engine: Engine, as_of: date | None = None, cycle_ids: list[int] | None = None) -> NationalResults:
    """Read the chosen cycles (default: each area's latest with results) and aggregate them; timeliness as of a date."""
    con = open_store(engine)
    try:
        with Session(engine) as session:
            rubrics = {v.id: rubric_from_version(v) for v in session.exec(select(RubricVersion)).all()}
        choose_cycles(con, cycle_ids)
        # Timeliness needs only the chosen areas' registers, so it runs on a second cursor while the results
        # load: DuckDB lets go of the GIL while it scans, so its scans and the pandas work of the timeliness
        # measures share the cores instead of taking turns. Leaving the block waits for it, even on an error.
        with ThreadPoolExecutor(max_workers=1) as pool:
            timeliness = None if as_of is None else pool.submit(_timeliness_on, con.cursor(), as_of)
            load_chosen(con, rubrics)
            results = aggregate(con)
            results.timeliness = None if timeliness is None else timeliness.result()
        return results
    finally:
        con.close()


def _timeliness_on(cursor: duckdb.DuckDBPyConnection, as_of: date) -> TimelinessReport:
    try:
        cursor.execute("SET enable_progress_bar = false")
        return area_timeliness(cursor, as_of)
    finally:
        cursor.close()


def open_store(engine: Engine) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection where `store.<table>` names the store's tables (read in place on SQLite)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET enable_progress_bar = false")
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if path and path != ":memory:" and _load_sqlite_scanner(con):
        quoted = str(Path(path).resolve()).replace("'", "''")  # ATTACH takes no parameters
        con.execute(f"ATTACH '{quoted}' AS store (TYPE sqlite, READ_ONLY)")
        return con
    con.execute("CREATE SCHEMA store")
    with engine.connect() as connection:
        for table in STORE_TABLES:
            frame = pd.read_sql_table(table, connection)
            if "parts" in frame.columns:  # a shared section's parts: JSON text, as the SQLite scanner reads them
                frame["parts"] = frame["parts"].map(lambda v: None if v is None else json.dumps(v)
                                                    if not isinstance(v, str) else v).astype(object)
            _table(con, f"store.{table}", frame)
    return con


def _load_sqlite_scanner(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        import duckdb_extension_sqlite_scanner as package
    except ImportError:
        return False
    found = sorted(Path(package.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
    if not found:
        return False
    try:
        con.execute(f"LOAD '{found[0].as_posix()}'")
    except duckdb.Error:
        return False
    return True


def load_results(con: duckdb.DuckDBPyConnection, rubrics: dict[int, Rubric], cycle_ids: list[int] | None = None) -> None:
    """Tables `chosen` (one cycle per area), `plans`, `sections` and `services` in DuckDB's memory."""
    choose_cycles(con, cycle_ids)
    load_chosen(con, rubrics)


def choose_cycles(con: duckdb.DuckDBPyConnection, cycle_ids: list[int] | None = None) -> None:
    """Table `chosen`: the cycles given, or each area's latest cycle with results."""
    if cycle_ids is None:
        con.execute("""
            CREATE OR REPLACE TABLE chosen AS
            SELECT c.id AS cycle_id, c.area_id, c.rubric_version_id FROM store.cycle c
            WHERE c.id IN (SELECT DISTINCT cycle_id FROM store.planresult)
            QUALIFY row_number() OVER (PARTITION BY c.area_id ORDER BY c.due_date DESC, c.id DESC) = 1""")
    else:
        con.execute("CREATE OR REPLACE TABLE chosen AS SELECT id AS cycle_id, area_id, rubric_version_id "
                    "FROM store.cycle WHERE list_contains(?, id)", [list(cycle_ids)])


def load_chosen(con: duckdb.DuckDBPyConnection, rubrics: dict[int, Rubric]) -> None:
    """Tables `plans`, `sections` and `services` for the `chosen` cycles, each store table read once.

    Section codes, agencies and section statuses are ENUMs (one byte a row, compared as integers): the
    7 million section rows are grouped by them twice. Their values are sorted, so their order is the text's.
    """
    versions = [v for (v,) in con.sql("SELECT DISTINCT rubric_version_id FROM chosen").fetchall()]
    sections = [(v, k, s) for v in versions for k, s in enumerate(rubrics[v].sections)]
    too_many = [rubrics[v].key for v in versions if len(rubrics[v].units) > MAX_SECTIONS]
    if too_many:
        raise ValueError(f"rubric '{too_many[0]}' has more than {MAX_SECTIONS} sections and shared sections' parts, "
                         "more than national results can pack into one number per plan")
    _enum(con, "section_code", {s.code for _, _, s in sections})
    _enum(con, "agency_code", {u.agency for v in versions for u in rubrics[v].units})
    _enum(con, "section_status", SECTION_STATUSES)
    # Re-audits (plans audited again after an amendment) sit outside the random sample and out of its figures,
    # as in each area's own results (analysis.load_cycle_results); they are few, so leaving them out of the
    # sections is an anti-join on a small table.
    con.execute("""
        CREATE OR REPLACE TABLE reaudits AS
        SELECT sp.id FROM store.sampledplan sp JOIN chosen ch ON ch.cycle_id = sp.cycle_id WHERE sp.stratum = ?""",
                [REAUDIT_STRATUM])
    con.execute("""
        CREATE OR REPLACE TABLE plans AS
        SELECT ch.area_id, ch.cycle_id, ch.rubric_version_id, pr.sampled_plan_id, p.team, pr.grade, pr.status
        FROM store.planresult pr
        JOIN chosen ch ON ch.cycle_id = pr.cycle_id
        JOIN store.sampledplan sp ON sp.id = pr.sampled_plan_id
        JOIN store.plan p ON p.id = sp.plan_id
        WHERE sp.stratum != ?""", [REAUDIT_STRATUM])
    try:
        con.execute("""
            CREATE OR REPLACE TABLE sections AS
            SELECT ch.area_id, ch.rubric_version_id, s.sampled_plan_id, CAST(s.section AS section_code) AS section,
                   s.grade, CAST(s.status AS section_status) AS status
            FROM store.sectionresult s JOIN chosen ch ON ch.cycle_id = s.cycle_id
            WHERE s.sampled_plan_id NOT IN (SELECT id FROM reaudits)""")
    except duckdb.ConversionException as error:
        raise ValueError("a stored section result has a section its rubric does not have, or a status other than "
                         f"{', '.join(SECTION_STATUSES)}; rescore that cycle ({error})") from error
    _service_grades(con, rubrics, [(v, k, u) for v in versions for k, u in enumerate(rubrics[v].units)])


def _service_grades(con: duckdb.DuckDBPyConnection, rubrics: dict[int, Rubric],
                    units: list[tuple[int, int, Section]]) -> None:
    """Table `services`: one row per plan and agency with a section that applies, graded by the rubric's rule.

    What an agency grades is its units (`Rubric.units`): its own sections, and its own part of each shared
    section ("A:parent_carer_forum"), never the shared section's combined grade, as in each area's own results
    (`analysis._service_frame`). Each plan's units are packed into three numbers, _SLOT bits per unit in the
    rubric's order: the grades of complete units, and a mark on each incomplete and each applicable one. An
    agency's units are then a mask away, and each distinct (rubric, agency, grades) pattern is graded once by
    `audit.rubrics.scoring.service_grade`. One grouping with three aggregates, where a column per agency took twelve.
    """
    masks: dict[tuple[int, str], int] = {}
    for v, k, u in units:
        masks[v, u.agency] = masks.get((v, u.agency), 0) | (_FULL << (_SLOT * k))
    _table(con, "masks", pd.DataFrame([(v, a, m) for (v, a), m in masks.items()],
                                      columns=["rubric_version_id", "agency", "mask"]),
           "rubric_version_id, CAST(agency AS agency_code) AS agency, mask")
    # Single-agency sections are their own unit: their slot found by the section code (an ENUM join).
    _table(con, "unit_layout", pd.DataFrame([(v, u.code, 1 << (_SLOT * k)) for v, k, u in units if PART not in u.code],
                                            columns=["rubric_version_id", "section", "place"]),
           "rubric_version_id, CAST(section AS section_code) AS section, place")
    # A shared section's parts: each agency's grade read from the section row's `parts` ({agency: grade or null});
    # a part missing from it does not apply to that plan (its advice was not requested).
    _table(con, "part_layout", pd.DataFrame([(v, u.code.split(PART)[0], "$." + u.agency, 1 << (_SLOT * k))
                                             for v, k, u in units if PART in u.code],
                                            columns=["rubric_version_id", "section", "path", "place"]))
    con.execute("""
        CREATE OR REPLACE TABLE unit_grades AS
        SELECT s.area_id, s.rubric_version_id, s.sampled_plan_id, s.grade, s.status, l.place
        FROM sections s JOIN unit_layout l ON l.rubric_version_id = s.rubric_version_id AND l.section = s.section
        UNION ALL
        SELECT ch.area_id, ch.rubric_version_id, r.sampled_plan_id,
               TRY_CAST(json_extract_string(CAST(r.parts AS VARCHAR), l.path) AS INTEGER) AS grade,
               CASE WHEN r.status = 'not_applicable' OR NOT json_exists(CAST(r.parts AS VARCHAR), l.path)
                    THEN 'not_applicable'
                    WHEN json_extract_string(CAST(r.parts AS VARCHAR), l.path) IS NULL THEN 'incomplete'
                    ELSE 'complete' END AS status,
               l.place
        FROM store.sectionresult r JOIN chosen ch ON ch.cycle_id = r.cycle_id
        JOIN part_layout l ON l.rubric_version_id = ch.rubric_version_id AND l.section = r.section
        WHERE r.parts IS NOT NULL AND r.sampled_plan_id NOT IN (SELECT id FROM reaudits)""")
    con.execute("""
        CREATE OR REPLACE TABLE pieces AS
        SELECT area_id, rubric_version_id, sampled_plan_id,
               coalesce(bit_or(CAST(grade AS BIGINT) * place) FILTER (WHERE status = 'complete'), 0) AS graded,
               coalesce(bit_or(place) FILTER (WHERE status = 'incomplete'), 0) AS incomplete,
               coalesce(bit_or(place) FILTER (WHERE status <> 'not_applicable'), 0) AS applies
        FROM unit_grades
        GROUP BY ALL""")
    distinct = con.sql("""
        SELECT DISTINCT p.rubric_version_id, m.agency, p.graded & m.mask AS pattern
        FROM pieces p JOIN masks m ON m.rubric_version_id = p.rubric_version_id
        WHERE p.applies & m.mask <> 0 AND p.incomplete & m.mask = 0""").fetchall()
    graded = [service_grade(rubrics[v], _unpack(rubrics[v], pattern), agency) for v, agency, pattern in distinct]
    lookup = pd.DataFrame(distinct, columns=["rubric_version_id", "agency", "pattern"])
    lookup["grade"] = pd.array([None if g is None else int(g) for g in graded], dtype="Int64")
    _table(con, "lookup", lookup, "rubric_version_id, CAST(agency AS agency_code) AS agency, pattern, grade")
    con.execute("""
        CREATE OR REPLACE TABLE services AS
        SELECT p.area_id, p.sampled_plan_id, m.agency,
               CASE WHEN p.incomplete & m.mask <> 0 THEN NULL ELSE g.grade END AS grade,
               CASE WHEN p.incomplete & m.mask <> 0 THEN 'incomplete' ELSE 'complete' END AS status
        FROM pieces p JOIN masks m ON m.rubric_version_id = p.rubric_version_id
        LEFT JOIN lookup g
          ON g.rubric_version_id = p.rubric_version_id AND g.agency = m.agency AND g.pattern = p.graded & m.mask
        WHERE p.applies & m.mask <> 0""")


def _enum(con: duckdb.DuckDBPyConnection, name: str, values: Iterable[str]) -> None:
    """An ENUM type of these values in sorted order; values reach DuckDB as data, never as SQL text."""
    _table(con, "_values", pd.DataFrame({"value": list(values)}))
    con.execute(f"CREATE OR REPLACE TYPE {name} AS ENUM (SELECT value FROM _values ORDER BY value)")  # nosec B608  # our own type names


def _table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, columns: str = "*") -> None:
    """A DuckDB table holding a copy of `frame` (`columns` may cast them)."""
    con.register("_frame", frame)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {columns} FROM _frame")  # nosec B608  # our own names and casts
    con.unregister("_frame")


def _unpack(rubric: Rubric, pattern: int) -> dict[str, Grade]:
    """The unit grades packed into a pattern: slot k holds unit k's grade (0 = not graded)."""
    grades = {}
    for k, unit in enumerate(rubric.units):
        digit = (pattern >> (_SLOT * k)) & _FULL
        if digit:
            grades[unit.code] = Grade(digit)
    return grades


def aggregate(con: duckdb.DuckDBPyConnection) -> NationalResults:
    """Every distribution over the loaded `plans`, `sections` and `services` tables.

    Each table is read once: its rows are counted per group, grade and status into a small tally (a few
    thousand rows where the sections are 7 million), and every distribution over that table is summed from the
    tally: by area, and by area and team, from one pass over the plans; the national service and section
    figures from the same tallies as the areas'. Counting rows per value and summing the tally is about half
    the work of one filtered count per grade over the rows (docs/benchmarks.md).
    """
    for tally, table, keys in TALLIES:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {tally} AS
            SELECT {keys}, grade, status = 'incomplete' AS incomplete, count(*) AS n
            FROM {table} GROUP BY ALL""")  # nosec B608  # this module's own table and column names
    # One chosen cycle per area, so an area's sampled plans are its plans' tally.
    areas = con.sql("""
        SELECT ch.area_id, a.code AS area, a.name, ch.cycle_id, CAST(coalesce(sum(t.n), 0) AS BIGINT) AS sampled
        FROM chosen ch JOIN store.localarea a ON a.id = ch.area_id LEFT JOIN plan_tally t ON t.area_id = ch.area_id
        GROUP BY ALL ORDER BY a.code""").df()
    codes = dict(zip(areas["area_id"], areas["area"]))
    return NationalResults(
        areas=areas,
        by_area=_with_area(_distribution(con, "plan_tally", ["area_id"]), codes),
        by_area_service=_with_area(_distribution(con, "service_tally", ["area_id", "agency"]), codes),
        by_area_section=_with_area(_distribution(con, "section_tally", ["area_id", "section"]), codes),
        by_area_team=_with_area(_distribution(con, "plan_tally", ["area_id", "team"]), codes),
        by_service=_distribution(con, "service_tally", ["agency"]),
        by_section=_distribution(con, "section_tally", ["section"]),
        timeliness=None,
    )


TALLIES = [("plan_tally", "plans", "area_id, team"), ("service_tally", "services", "area_id, agency"),
           ("section_tally", "sections", "area_id, section")]


def _distribution(con: duckdb.DuckDBPyConnection, tally: str, keys: list[str]) -> pd.DataFrame:
    """Counts per grade, incomplete count and % Good or better per group (as audit.results.analysis.distribution),
    summed from a tally of rows per group, grade and status."""
    by = ", ".join(keys)
    # ENUM keys come out as text, as the store has them; their order is the text's (see load_chosen).
    keys_out = ", ".join(k if k == "area_id" else f"CAST({k} AS VARCHAR) AS {k}" for k in keys)
    counts = ", ".join(f'{_sum(f"grade = {_GRADE_VALUES[label]}")} AS "{label}"' for label in GRADE_COLUMNS)
    query = f"""SELECT {keys_out}, {_sum("grade IS NOT NULL")} AS plans, {counts}, {_sum("incomplete")} AS incomplete
        FROM {tally} GROUP BY {by} ORDER BY {by}"""  # nosec B608  # tally, keys and labels are this module's constants
    return _with_percent(con.sql(query).df())


def _sum(condition: str) -> str:
    return f"CAST(coalesce(sum(n) FILTER (WHERE {condition}), 0) AS BIGINT)"


def _with_percent(frame: pd.DataFrame) -> pd.DataFrame:
    good = frame["Outstanding"] + frame["Good"]
    # Python's round, as audit.results.analysis.distribution rounds, so a single area's figures match its own pack.
    frame["good_or_better_pct"] = [round(100 * g / n, 1) if n else None for g, n in zip(good, frame["plans"])]
    return frame


def _with_area(frame: pd.DataFrame, codes: dict) -> pd.DataFrame:
    frame.insert(0, "area", frame["area_id"].map(codes))
    return frame


def area_timeliness(con: duckdb.DuckDBPyConnection, as_of: date) -> TimelinessReport:
    """Every timeliness measure over the chosen areas' registers, overall and per area code."""
    columns = ", ".join(f"p.{c}" for c in [*PLAN_DATE_COLUMNS, *PLAN_FLAG_COLUMNS, *PLAN_CODE_COLUMNS, "status"])
    query = f"""SELECT {columns}, a.code AS area FROM store.plan p JOIN store.localarea a ON a.id = p.area_id
        WHERE p.area_id IN (SELECT area_id FROM chosen)"""  # nosec B608  # the columns are constants
    register = con.sql(query).df()
    return compute_timeliness(register, as_of, by="area", separate=True)
