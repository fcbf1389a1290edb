"""The plan register as a pandas DataFrame, read in one SELECT, for the measures that run over all of it."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from audit.store.models import Plan

# The statutory-clock dates on a plan; every one is datetime64[ns] in the frame, NaT when not recorded.
PLAN_DATE_COLUMNS: list[str] = [
    "request_date",
    "final_issued_date",
    "education_advice_requested",
    "education_advice_received",
    "health_advice_requested",
    "health_advice_received",
    "social_care_advice_requested",
    "social_care_advice_received",
    "educational_psychology_advice_requested",
    "educational_psychology_advice_received",
    "last_review_meeting_date",
    "review_decision_date",
    # optional clocks (issue 8); a register file may leave them out
    "decision_to_assess_date",
    "phase_transfer_date",
    "phase_transfer_amended_date",
    "transfer_in_notified_date",
    "transfer_in_received_date",
    # optional clocks (issue 22): area-started assessments, reg 10, reg 22, transfers both ways
    "area_started_date",
    "decision_not_to_issue_date",
    "amendment_notice_date",
    "amendment_issued_date",
    "transfer_in_move_date",
    "transfer_in_family_told_date",
    "transfer_in_previous_review_date",
    "transfer_in_review_date",
    "transfer_out_notified_date",
    "transfer_out_move_date",
    "transfer_out_sent_date",
]
# Yes/no columns the clocks read; every one is bool in the frame, False when not recorded.
PLAN_FLAG_COLUMNS: list[str] = [
    "timescale_exception",
    "decision_to_assess_exception",
    "education_advice_exception",
    "health_advice_exception",
    "social_care_advice_exception",
    "educational_psychology_advice_exception",
    "post_16_move",
]
# Coded text columns the clocks read.
PLAN_CODE_COLUMNS: list[str] = ["phase_transfer_to", "decision_to_assess_outcome"]


def plans_frame(session: Session, area_id: int) -> pd.DataFrame:
    """One row per plan of the area (ordered by id), columns named as Plan fields, `id` as `plan_id`."""
    table = Plan.__table__
    statement = select(*table.columns).where(table.c.area_id == area_id).order_by(table.c.id)
    frame = pd.read_sql(statement, session.connection())
    return _typed(frame.rename(columns={"id": "plan_id"}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Give date and flag columns fixed dtypes, so an empty area has the same shape as a full one."""
    for column in PLAN_DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in PLAN_FLAG_COLUMNS:
        frame[column] = frame[column].fillna(False).astype(bool)
    return frame
