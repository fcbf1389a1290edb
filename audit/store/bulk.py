"""Bulk inserts of many rows given column by column, inside the caller's transaction.

SQLite: one executemany straight to sqlite3, each column's distinct values converted once by SQLAlchemy's
own bind processors (a 100,000-plan register has only a few thousand distinct dates). PostgreSQL with
psycopg 3: COPY ... FROM STDIN. Anything else: SQLAlchemy Core's executemany. Never one ORM object per row.
The rows go through the session's own connection, so a later failure rolls them back with everything else.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session

from audit.store.trail import record_copy


def insert_columns(session: Session, table: Table, columns: dict[str, list[Any]], constants: dict[str, Any]) -> int:
    """Insert len(columns[...]) rows; `constants` are the same in every row (e.g. area_id). Returns the count."""
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        _sqlite(connection, table, columns, constants)
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy(connection, table, columns, constants)
    else:
        names = list(columns) + list(constants)
        rows = [dict(zip(names, row)) for row in zip(*columns.values(), *(repeat(v) for v in constants.values()))]
        session.execute(insert(table), rows)
    return n


def _sqlite(connection: Any, table: Table, columns: dict[str, list[Any]], constants: dict[str, Any]) -> None:
    dialect = connection.dialect
    converted = []
    for name, values in {**columns, **constants}.items():
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if name in constants:
            converted.append(repeat(process(values) if process else values))
        elif process is None:
            converted.append(values)
        else:
            try:
                once = {v: process(v) for v in dict.fromkeys(values)}
                converted.append([once[v] for v in values])
            except TypeError:  # unhashable values (JSON lists): convert each
                converted.append([process(v) for v in values])
    names = list(columns) + list(constants)
    # SQLAlchemy writes the statement (qmark placeholders in this column order): no SQL built from strings.
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    order = [names.index(c) for c in compiled.positiontup]
    connection.exec_driver_sql(str(compiled), list(zip(*(converted[i] for i in order))))


def _copy(connection: Any, table: Table, columns: dict[str, list[Any]], constants: dict[str, Any]) -> None:
    from psycopg import sql as pgsql  # only with psycopg, which this path needs

    names = list(columns) + list(constants)
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table.name), pgsql.SQL(", ").join(map(pgsql.Identifier, names)))
    rows = list(zip(*columns.values(), *(repeat(v) for v in constants.values())))
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
    record_copy(connection, table, names, rows, statement.as_string(cursor))  # the audit trail does not see the driver's COPY
