"""The person-level export for the inspection: one row per child on the register, its columns laid out by a
column mapping file (reports/inspection_map.py, `load_columns`), pseudonymised by default.

Pseudonymised: the child reference is a keyed hash of the register's reference (the same child gets the same
pseudonym in every export made with the same key, so the area can find the child an inspector names; nobody
without the key can). Identified: the register's own reference, only with a reason, which goes into the audit
trail with who asked and what was exported (never the data itself).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

from sqlmodel import Session, select

from audit.cells import escape_formula
from audit.errors import AuditError
from audit.store.models import Plan
from audit.store.trail import record_view
from audit.vocabulary import label
from audit.words import day

# Coded register fields shown in words (audit/vocabulary.py families).
WORDS = {"phase": "phase", "primary_need": "need", "status": "plan_status"}
DATES = {"request_date", "final_issued_date", "last_review_meeting_date", "review_decision_date",
         "decision_to_assess_date", "amendment_notice_date", "amendment_issued_date"}
MIN_REASON = 10


def pseudonym(plan_ref: str, key: str) -> str:
    return "C-" + hmac.new(key.encode("utf-8"), plan_ref.encode("utf-8"), hashlib.sha256).hexdigest()[:10].upper()


def person_level_csv(session: Session, area_id: int, columns: dict[str, str], key: str, *,
                     identified: bool = False, reason: str | None = None) -> bytes:
    """The export as CSV bytes (UTF-8 with a byte order mark, for Excel). Identified output is refused without
    a reason of at least MIN_REASON characters; with one, the export is recorded in the trail."""
    reason = (reason or "").strip()
    if identified and len(reason) < MIN_REASON:
        raise AuditError("An identified export needs a reason (at least 10 characters), which is kept in the "
                         "audit trail. Give --reason \"...\", or leave out --identified for a pseudonymised export.")
    plans = session.exec(select(Plan).where(Plan.area_id == area_id).order_by(Plan.plan_ref)).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(columns))
    for plan in plans:
        writer.writerow([_cell(plan, field, key, identified) for field in columns.values()])
    if identified:
        record_view(session, "plan", f"area:{area_id}", {"export": "inspection person-level, identified",
                                                         "reason": reason, "rows": len(plans),
                                                         "columns": list(columns)})
        session.commit()
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(plan: Plan, field: str, key: str, identified: bool) -> str:
    value = getattr(plan, field)
    if field == "plan_ref":
        return value if identified else pseudonym(value, key)
    if value is None:
        return ""
    if field in DATES:
        return day(value)
    if field in WORDS:
        return label(value, WORDS[field])
    return escape_formula(str(value))


def pseudonym_key(settings) -> str:
    """The key pseudonyms are made with: the web app's own secret key (configured, or kept in the data folder)."""
    from audit.settings import secret_key

    return secret_key(settings)
