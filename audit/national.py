"""Results across areas (a region or the whole country): grade distributions per area, service, section and team,
and every timeliness measure per area, aggregated in DuckDB.

Each area's latest scored cycle (or the cycles given) is read from the store. A SQLite store is read in place by
DuckDB's sqlite scanner (shipped on PyPI as duckdb-extension-sqlite-scanner, loaded from its file: nothing is
downloaded); any other database is read through SQLAlchemy. A service's grade for a plan is the rubric's own
roll-up (`audit.scoring.service_grade`), worked out once per distinct pattern of section grades and joined
back, so the national figures use exactly the rule a single area's board pack uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from audit.analysis import GRADE_COLUMNS
from audit.codes import Grade
from audit.frames import PLAN_DATE_COLUMNS
from audit.models import RubricVersion
from audit.rubrics import Rubric, rubric_from_version
from audit.scoring import service_grade
from audit.timeliness import TimelinessReport, compute_timeliness

STORE_TABLES = ["localarea", "plan", "cycle", "sampledplan", "planresult", "sectionresult"]
DISTRIBUTION_COLUMNS = ["plans", *GRADE_COLUMNS, "incomplete", "good_or_better_pct"]
_GRADE_VALUES = {g.label: int(g) for g in Grade}


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
        load_results(con, rubrics, cycle_ids)
        results = aggregate(con)
        if as_of is not None:
            results.timeliness = area_timeliness(con, as_of)
        return results
    finally:
        con.close()


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
            _table(con, f"store.{table}", pd.read_sql_table(table, connection))
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
    """Tables `chosen` (one cycle per area), `plans`, `sections` and `services` in DuckDB's memory.

    Each store table is read once. Service grades are worked out here, as `analysis.load_cycle_results` does
    for one cycle: each plan's section grades per agency are packed into one integer (a base-5 digit per
    section), and each distinct pattern is graded once by `audit.scoring.service_grade`.
    """
    if cycle_ids is None:
        con.execute("""
            CREATE OR REPLACE TABLE chosen AS
            SELECT c.id AS cycle_id, c.area_id, c.rubric_version_id FROM store.cycle c
            WHERE c.id IN (SELECT DISTINCT cycle_id FROM store.planresult)
            QUALIFY row_number() OVER (PARTITION BY c.area_id ORDER BY c.due_date DESC, c.id DESC) = 1""")
    else:
        con.execute("CREATE OR REPLACE TABLE chosen AS SELECT id AS cycle_id, area_id, rubric_version_id "
                    "FROM store.cycle WHERE list_contains(?, id)", [list(cycle_ids)])
    versions = [v for (v,) in con.sql("SELECT DISTINCT rubric_version_id FROM chosen").fetchall()]
    agencies = sorted({s.agency for v in versions for s in rubrics[v].sections})
    # Agencies are named in the rubric file, so the SQL below refers to them by position, never by name.
    _table(con, "agency_names", pd.DataFrame({"idx": range(len(agencies)), "agency": agencies}))
    _table(con, "layout", pd.DataFrame([(v, s.code, agencies.index(s.agency), 5 ** i) for v in versions
                                        for i, s in enumerate(rubrics[v].sections)],
                                       columns=["rubric_version_id", "section", "agency_idx", "place"]))
    con.execute("""
        CREATE OR REPLACE TABLE plans AS
        SELECT ch.area_id, ch.cycle_id, ch.rubric_version_id, pr.sampled_plan_id, p.team, pr.grade, pr.status
        FROM store.planresult pr
        JOIN chosen ch ON ch.cycle_id = pr.cycle_id
        JOIN store.sampledplan sp ON sp.id = pr.sampled_plan_id
        JOIN store.plan p ON p.id = sp.plan_id""")
    con.execute("""
        CREATE OR REPLACE TABLE sections AS
        SELECT ch.area_id, ch.rubric_version_id, s.sampled_plan_id, s.section, s.grade, s.status
        FROM store.sectionresult s JOIN chosen ch ON ch.cycle_id = s.cycle_id""")
    _service_grades(con, rubrics, agencies)


def _service_grades(con: duckdb.DuckDBPyConnection, rubrics: dict[int, Rubric], agencies: list[str]) -> None:
    """Table `services`: one row per plan and agency with a section that applies, graded by the rubric's rule."""
    # Only integers (agency positions) are put into the SQL text.
    packed = ", ".join(
        f"sum(s.grade * l.place) FILTER (WHERE l.agency_idx = {i} AND s.status = 'complete') AS p{i}, "
        f"bool_or(s.status = 'incomplete') FILTER (WHERE l.agency_idx = {i}) AS i{i}, "
        f"count(*) FILTER (WHERE l.agency_idx = {i} AND s.status <> 'not_applicable') AS n{i}"
        for i in range(len(agencies)))
    pieces = f"""CREATE OR REPLACE TABLE pieces AS
        SELECT s.area_id, s.rubric_version_id, s.sampled_plan_id, {packed}
        FROM sections s JOIN layout l ON l.rubric_version_id = s.rubric_version_id AND l.section = s.section
        GROUP BY ALL"""  # nosec B608  # only agency positions (integers) are formatted in
    con.execute(pieces)
    graded = []
    for i, agency in enumerate(agencies):
        distinct = f"SELECT DISTINCT rubric_version_id, p{i} FROM pieces WHERE n{i} > 0 AND NOT i{i}"  # nosec B608  # an integer
        for version, pattern in con.sql(distinct).fetchall():
            grade = service_grade(rubrics[version], _unpack(rubrics[version], int(pattern or 0)), agency)
            graded.append((version, i, pattern, None if grade is None else int(grade)))
    _table(con, "lookup", pd.DataFrame(graded, columns=["rubric_version_id", "agency_idx", "pattern", "grade"]))
    con.execute("CREATE OR REPLACE TABLE services AS " + " UNION ALL ".join(f"""
        SELECT p.area_id, p.sampled_plan_id, n.agency, CASE WHEN p.i{i} THEN NULL ELSE l.grade END AS grade,
               CASE WHEN p.i{i} THEN 'incomplete' ELSE 'complete' END AS status
        FROM pieces p JOIN agency_names n ON n.idx = {i} LEFT JOIN lookup l
          ON l.rubric_version_id = p.rubric_version_id AND l.agency_idx = {i} AND l.pattern = p.p{i}
        WHERE p.n{i} > 0""" for i in range(len(agencies))))  # nosec B608  # only agency positions (integers)


def _table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """A DuckDB table holding a copy of `frame`."""
    con.register("_frame", frame)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")  # nosec B608  # our own table names
    con.unregister("_frame")


def _unpack(rubric: Rubric, pattern: int) -> dict[str, Grade]:
    """The section grades packed into a pattern: base-5 digit i is section i's grade (0 = not graded)."""
    grades = {}
    for section in rubric.sections:
        pattern, digit = divmod(pattern, 5)
        if digit:
            grades[section.code] = Grade(digit)
    return grades


def aggregate(con: duckdb.DuckDBPyConnection) -> NationalResults:
    """Every distribution over the loaded `plans`, `sections` and `services` tables."""
    areas = con.sql("""
        SELECT ch.area_id, a.code AS area, a.name, ch.cycle_id, count(p.sampled_plan_id) AS sampled
        FROM chosen ch JOIN store.localarea a ON a.id = ch.area_id LEFT JOIN plans p ON p.cycle_id = ch.cycle_id
        GROUP BY ALL ORDER BY a.code""").df()
    codes = dict(zip(areas["area_id"], areas["area"]))
    return NationalResults(
        areas=areas,
        by_area=_distribution(con, "plans", ["area_id"], codes),
        by_area_service=_distribution(con, "services", ["area_id", "agency"], codes),
        by_area_section=_distribution(con, "sections", ["area_id", "section"], codes),
        by_area_team=_distribution(con, "plans", ["area_id", "team"], codes),
        by_service=_distribution(con, "services", ["agency"], codes),
        by_section=_distribution(con, "sections", ["section"], codes),
        timeliness=None,
    )


def _distribution(con: duckdb.DuckDBPyConnection, table: str, keys: list[str], codes: dict) -> pd.DataFrame:
    """Counts per grade, incomplete count and % Good or better per group (as audit.analysis.distribution)."""
    by = ", ".join(keys)
    counts = ", ".join(f'count(*) FILTER (WHERE grade = {_GRADE_VALUES[label]}) AS "{label}"' for label in GRADE_COLUMNS)
    query = f"""SELECT {by}, count(grade) AS plans, {counts}, count(*) FILTER (WHERE status = 'incomplete') AS incomplete
        FROM {table} GROUP BY {by} ORDER BY {by}"""  # nosec B608  # table, keys and labels are this module's constants
    frame = con.sql(query).df()
    good = frame["Outstanding"] + frame["Good"]
    # Python's round, as audit.analysis.distribution rounds, so a single area's figures match its own pack.
    frame["good_or_better_pct"] = [round(100 * g / n, 1) if n else None for g, n in zip(good, frame["plans"])]
    if "area_id" in keys:
        frame.insert(0, "area", frame["area_id"].map(codes))
    return frame


def area_timeliness(con: duckdb.DuckDBPyConnection, as_of: date) -> TimelinessReport:
    """Every timeliness measure over the chosen areas' registers, overall and per area code."""
    columns = ", ".join(f"p.{c}" for c in [*PLAN_DATE_COLUMNS, "status", "timescale_exception", "phase_transfer_to"])
    query = f"""SELECT {columns}, a.code AS area FROM store.plan p JOIN store.localarea a ON a.id = p.area_id
        WHERE p.area_id IN (SELECT area_id FROM chosen)"""  # nosec B608  # the columns are constants
    register = con.sql(query).df()
    return compute_timeliness(register, as_of, by="area")
