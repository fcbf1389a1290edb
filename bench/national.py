"""Benchmark 2: results at national scale: 640,000 plans in about 150 areas, every section scored.

Measured: the product's `audit.national.aggregate.national_results` (read each area's latest scored cycle from the SQLite
store in place, work out service grades by the rubric's rule, aggregate in DuckDB, timeliness per area), and
within it the aggregation alone (`audit.national.aggregate.aggregate` over the loaded rows), against two references doing
the same grade-distribution group-bys on the same rows in memory: pandas on DataFrames, and DuckDB SQL.

    .venv/bin/python -m bench.national [--plans 640000] [--areas 150] [--repeat 5]
"""

from __future__ import annotations

import sys

import duckdb
import pandas as pd
from sqlmodel import Session, select

from audit.national.aggregate import aggregate, area_timeliness, load_results, national_results, open_store
from audit.results.analysis import GRADE_COLUMNS
from audit.rubrics.loading import rubric_from_version
from audit.store.db import make_engine
from audit.store.models import RubricVersion
from audit.vocabulary import Grade
from bench.harness import Figure, command_line, parser, record, timed
from bench.national_store import AS_OF, national_store

TARGET_STORE_SECONDS = 3.0
TARGET_RATIO = 2.0
GROUPINGS = [("plans", ["area_id"]), ("services", ["area_id", "agency"]), ("sections", ["area_id", "section"]),
             ("plans", ["area_id", "team"]), ("services", ["agency"]), ("sections", ["section"])]


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=640_000, areas=150).parse_args(argv)
    engine = make_engine(national_store(args.tmp, args.plans, args.areas))
    with Session(engine) as session:
        rubrics = {v.id: rubric_from_version(v) for v in session.exec(select(RubricVersion)).all()}

    from_store = timed(lambda: national_results(engine, AS_OF), args.repeat)
    con = open_store(engine)
    load_results(con, rubrics)
    results = aggregate(con)
    # The references start from the same rows, service grades included; text as categories, pandas' best case.
    frames = {name: _categorical(con.sql(f"SELECT * FROM {name}").df()) for name in ("plans", "sections", "services")}
    product = timed(lambda: aggregate(con), args.repeat)
    with_pandas = timed(lambda: pandas_reference(frames), args.repeat)
    memory = duckdb.connect()
    memory.execute("SET enable_progress_bar = false")
    for name, frame in frames.items():  # noqa: B007  (DuckDB reads the local `frame` by name in the SQL)
        memory.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
    with_duckdb = timed(lambda: duckdb_reference(memory), args.repeat)
    faster, label = min((with_pandas, "pandas group-bys"), (with_duckdb, "DuckDB group-bys"), key=lambda r: r[0].median)
    timeliness = timed(lambda: area_timeliness(con, AS_OF), args.repeat)
    _check_same(results, frames)

    grades = len(frames["sections"])
    figures = [
        Figure(f"national results from the store ({args.plans:,} plans, {len(results.areas)} areas, incl. timeliness)",
               from_store, target_seconds=TARGET_STORE_SECONDS),
        Figure("aggregation (product code: audit.national.aggregate.aggregate)", product, faster, label,
               target_ratio=TARGET_RATIO),
        Figure("reference: pandas group-bys on in-memory frames", with_pandas),
        Figure("reference: DuckDB group-bys on in-memory tables", with_duckdb),
        Figure("timeliness per area (every measure, every area)", timeliness),
    ]
    record("national", command_line("bench.national", argv), figures, args.out,
           details={"store": f"{args.plans:,} plans, {len(results.areas)} areas, {grades:,} section grades, "
                             f"{len(frames['services']):,} service grades, SQLite read in place by DuckDB "
                             f"{duckdb.__version__} (sqlite scanner)"})
    con.close()
    engine.dispose()
    return 0


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("team", "section", "agency", "status"):
        if column in frame:
            frame[column] = frame[column].astype("category")
    return frame


def pandas_reference(frames: dict[str, pd.DataFrame]) -> list[pd.DataFrame]:
    """The same distributions written directly in pandas."""
    out = []
    for name, keys in GROUPINGS:
        frame = frames[name]
        grouped = frame.assign(incomplete=frame["status"].eq("incomplete")).groupby(keys, sort=True, observed=True)
        counts = frame.groupby(keys + ["grade"], sort=True, observed=True).size().unstack(fill_value=0)
        table = pd.DataFrame({"plans": grouped["grade"].count(), "incomplete": grouped["incomplete"].sum()})
        for g in Grade:
            table[g.label] = counts[float(g)] if float(g) in counts else 0  # noqa: SIM401  (a DataFrame has no get)
        table["good_or_better_pct"] = (100 * (table["Outstanding"] + table["Good"]) / table["plans"]).round(1)
        out.append(table)
    return out


def duckdb_reference(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """The same distributions written directly in DuckDB SQL."""
    counts = ", ".join(f'count(*) FILTER (WHERE grade = {int(g)}) AS "{g.label}"' for g in Grade)
    out = []
    for name, keys in GROUPINGS:
        by = ", ".join(keys)
        out.append(con.sql(f"""
            SELECT {by}, count(grade) AS plans, {counts}, count(*) FILTER (WHERE status = 'incomplete') AS incomplete,
                   round(100.0 * count(*) FILTER (WHERE grade >= 3) / nullif(count(grade), 0), 1) AS pct
            FROM {name} GROUP BY {by} ORDER BY {by}""").df())
    return out


def _check_same(results, frames: dict[str, pd.DataFrame]) -> None:
    """The product's national counts equal the pandas reference's: a fast wrong answer is no answer."""
    reference = pandas_reference(frames)[0]
    mine = results.by_area.set_index("area_id")
    for column in ["plans", "incomplete", *GRADE_COLUMNS]:
        if not (mine[column].astype(int) == reference[column].astype(int)).all():
            raise AssertionError(f"national by-area '{column}' differs from the pandas reference")


if __name__ == "__main__":
    sys.exit(main())
