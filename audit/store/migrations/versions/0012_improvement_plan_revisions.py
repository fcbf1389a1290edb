"""improvement plans as living documents (issue 25): the plan's version control and revisions, its initials
and designation list, milestone kinds, actions a later revision removed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('planrevision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version_date', sa.Date(), nullable=True),
    sa.Column('version_owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_file', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('imported_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['improvementplan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('planrevision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planrevision_plan_id'), ['plan_id'], unique=False)
    with op.batch_alter_table('improvementplan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('version_owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('people', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('improvementaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_milestone_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('impact_milestone_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('removed_in', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('improvementaction', schema=None) as batch_op:
        batch_op.drop_column('removed_in')
        batch_op.drop_column('impact_milestone_kind')
        batch_op.drop_column('action_milestone_kind')
    with op.batch_alter_table('improvementplan', schema=None) as batch_op:
        batch_op.drop_column('people')
        batch_op.drop_column('version_owner')
        batch_op.drop_column('version_date')
        batch_op.drop_column('version')
    with op.batch_alter_table('planrevision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planrevision_plan_id'))
    op.drop_table('planrevision')
