"""Benchmark 1: a 100,000-plan register imported from CSV and from XLSX, validated and stored.

The measured call is the product's `audit.register.plans.import_register` into an empty area (all or nothing:
every cell checked before anything is written, one transaction). Reference: a bare bulk insert of the
same rows into the same `plan` table with the database driver alone (sqlite3 executemany; psycopg COPY
on PostgreSQL), so the ratio is what reading, checking and SQLAlchemy add on top of the unavoidable write.
PostgreSQL is measured on a throwaway local cluster (bench/pg.py) when the server is installed.

    .venv/bin/python -m bench.register_import [--plans 100000] [--repeat 5] [--xlsx 1] [--pg 1]
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from audit.register.plans import import_register, read_register, write_register
from audit.store.db import init_db, make_engine
from audit.store.models import LocalArea, utcnow
from audit.synthetic.area import generate_register
from bench.harness import Figure, command_line, parser, record, timed
from bench.pg import postgres_url

TARGET_SECONDS = 10.0
TARGET_RATIO = 3.0
AS_OF = date(2026, 11, 1)


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=100_000, xlsx=1, pg=1).parse_args(argv)
    files = register_files(args.tmp, args.plans, xlsx=bool(args.xlsx))
    rows = _rows(files["csv"])
    db = args.tmp / "register-import.db"
    n = f"{args.plans:,}"

    figures = [Figure(f"read and check {n} plans from CSV (no database)",
                      timed(lambda: read_register(files["csv"]), args.repeat))]
    ready = _sqlite_ready(rows)
    bare = timed(lambda: _bare_sqlite(db, ready), args.repeat, setup=lambda: _fresh_sqlite(db))
    label = "bare sqlite3 executemany"
    target = dict(target_seconds=TARGET_SECONDS, target_ratio=TARGET_RATIO)
    figures.append(Figure(f"import {n} plans from CSV into SQLite", _imports(f"sqlite:///{db}", files["csv"],
                          args.repeat, lambda: _fresh_sqlite(db)), bare, label, **target))
    if args.xlsx:
        figures.append(Figure(f"import {n} plans from XLSX into SQLite", _imports(
            f"sqlite:///{db}", files["xlsx"], args.repeat, lambda: _fresh_sqlite(db)), bare, label))
    notes = []
    if args.pg:
        with postgres_url() as url:
            fresh = lambda: _fresh_postgres(url)  # noqa: E731
            pg_bare = timed(lambda: _bare_postgres(url, rows), args.repeat, setup=fresh)
            figures.append(Figure(f"import {n} plans from CSV into PostgreSQL",
                                  _imports(url, files["csv"], args.repeat, fresh), pg_bare,
                                  "bare psycopg COPY", **target))
    record("register_import", command_line("bench.register_import", argv), figures, args.out,
           details={"register": f"{n} synthetic plans, {len(rows[0])} columns per stored row"}, notes=notes)
    return 0


def register_files(folder: Path, n_plans: int, xlsx: bool = True) -> dict[str, Path]:
    """The synthetic register as CSV (and XLSX), written once and reused."""
    folder = Path(folder) / "register"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / f"register-{n_plans}.csv", "xlsx": folder / f"register-{n_plans}.xlsx"}
    frame = None
    for kind, path in paths.items():
        if path.exists() or (kind == "xlsx" and not xlsx):
            continue
        frame = generate_register(seed=5, n_plans=n_plans, as_of=AS_OF) if frame is None else frame
        write_register(frame, path)
    return paths


def _imports(url: str, path: Path, repeat: int, fresh: Callable[[], None]):
    def work() -> None:
        engine = make_engine(url)
        with Session(engine) as session:
            report = import_register(session, session.exec(select(LocalArea)).one(), path)
            assert report.created > 0
        engine.dispose()

    return timed(work, repeat, setup=fresh)


def _rows(path: Path) -> list[tuple[Any, ...]]:
    """The stored form of each plan (plan columns, then area_id and imported_at), computed outside the timing."""
    parsed = read_register(path)
    now = utcnow()
    return [tuple(row) + (1, now) for row in zip(*parsed.values.values())]


def _columns() -> list[str]:
    from audit.register.plans import REGISTER_COLUMNS

    return REGISTER_COLUMNS + ["area_id", "imported_at"]


def _fresh_sqlite(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    with Session(engine) as session:
        session.add(LocalArea(code="BENCH", name="Benchmark area"))
        session.commit()
    engine.dispose()


def _bare_sqlite(db: Path, rows: list[tuple]) -> None:
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    columns = _columns()
    connection.executemany(f"INSERT INTO plan ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    connection.commit()
    connection.close()


def _sqlite_ready(rows: list[tuple]) -> list[tuple]:
    """Rows as SQLAlchemy stores them on SQLite (dates as text), made before the clock starts."""
    return [tuple(v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat() if isinstance(v, date) else v
                  for v in row) for row in rows]


def _fresh_postgres(url: str) -> None:
    engine = make_engine(url)
    init_db(engine)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE plan, localarea RESTART IDENTITY CASCADE"))
        connection.execute(text("INSERT INTO localarea (code, name) VALUES ('BENCH', 'Benchmark area')"))
    engine.dispose()


def _bare_postgres(url: str, rows: list[tuple]) -> None:
    import psycopg

    columns = _columns()
    statement = f"COPY plan ({', '.join(columns)}) FROM STDIN"
    with (psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection,
          connection.cursor() as cursor, cursor.copy(statement) as copy):
        for row in rows:
            copy.write_row(row)


if __name__ == "__main__":
    sys.exit(main())
