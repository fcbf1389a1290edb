"""register columns for every statutory clock: area-started assessments, exceptions for regs 5 and 8,
notices not to issue (reg 10), amendments after a review (reg 22), post-16 moves (reg 18), transfers both ways
(reg 15)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATES = [
    'area_started_date', 'decision_not_to_issue_date', 'amendment_notice_date', 'amendment_issued_date',
    'transfer_in_move_date', 'transfer_in_family_told_date', 'transfer_in_previous_review_date',
    'transfer_in_review_date', 'transfer_out_notified_date', 'transfer_out_move_date', 'transfer_out_sent_date',
]
# Yes/no columns: NOT NULL like timescale_exception; existing plans read "no".
FLAGS = [
    'decision_to_assess_exception', 'education_advice_exception', 'health_advice_exception',
    'social_care_advice_exception', 'educational_psychology_advice_exception', 'post_16_move',
]


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        for name in DATES:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decision_to_assess_outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        for name in FLAGS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        for name in reversed(FLAGS):
            batch_op.drop_column(name)
        batch_op.drop_column('decision_to_assess_outcome')
        for name in reversed(DATES):
            batch_op.drop_column(name)
