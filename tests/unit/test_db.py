"""The store: an older database file gains new optional columns; an impossible upgrade is a sentence."""

from __future__ import annotations

import sqlite3

import pytest
from sqlmodel import Session, select

from audit.db import init_db, make_engine
from audit.errors import AuditError
from audit.models import LocalArea


def test_an_older_database_gains_new_nullable_columns(tmp_path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    with sqlite3.connect(path) as con:  # simulate a file made before `team` was added to auditors
        con.execute("ALTER TABLE auditor DROP COLUMN team")
        con.execute("ALTER TABLE auditor ADD COLUMN legacy TEXT")
        con.execute("INSERT INTO localarea (code, name) VALUES ('OLD', 'Old area')")
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(AuditError, match=r"lacks required columns \(auditor.team\)"):
        init_db(engine)  # `team` is NOT NULL: it cannot be added safely, so it says so


def test_nullable_columns_are_added_and_data_kept(tmp_path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    engine.dispose()
    with sqlite3.connect(path) as con:
        con.execute("ALTER TABLE plan DROP COLUMN review_decision_date")
        con.execute("INSERT INTO localarea (code, name) VALUES ('OLD', 'Old area')")
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    with sqlite3.connect(path) as con:
        assert "review_decision_date" in {row[1] for row in con.execute("PRAGMA table_info(plan)")}
    with Session(engine) as s:
        assert s.exec(select(LocalArea.code)).all() == ["OLD"]
