"""family voice: personal survey links (token hashes only) and survey responses against sampled plans

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
# After main's 0012: number 0011 was kept for this branch while 0012 landed first.
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'surveylink',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('sampled_plan_id', sa.Integer(), nullable=False),
        sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('survey_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['sampled_plan_id'], ['sampledplan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sampled_plan_id', 'audience'),
    )
    op.create_index(op.f('ix_surveylink_cycle_id'), 'surveylink', ['cycle_id'], unique=False)
    op.create_index(op.f('ix_surveylink_sampled_plan_id'), 'surveylink', ['sampled_plan_id'], unique=False)
    op.create_index(op.f('ix_surveylink_token_hash'), 'surveylink', ['token_hash'], unique=True)
    op.create_table(
        'surveyresponse',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('sampled_plan_id', sa.Integer(), nullable=False),
        sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('survey_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('survey_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['sampled_plan_id'], ['sampledplan.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_surveyresponse_cycle_id'), 'surveyresponse', ['cycle_id'], unique=False)
    op.create_index(op.f('ix_surveyresponse_sampled_plan_id'), 'surveyresponse', ['sampled_plan_id'], unique=False)
    op.create_index(op.f('ix_surveyresponse_received_at'), 'surveyresponse', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_table('surveyresponse')
    op.drop_table('surveylink')
