"""plan documents: originals, sections A to K, pre-check flags, views and grade evidence (issue 20)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'plandocument',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('original', sa.LargeBinary(), nullable=True),
        sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('purged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['area_id'], ['localarea.id']),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('area_id', 'plan_id', 'sha256', 'imported_at'):
        op.create_index(f'ix_plandocument_{column}', 'plandocument', [column])
    op.create_table(
        'documentsection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('letter', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('heading', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['plandocument.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'letter'),
    )
    op.create_index('ix_documentsection_document_id', 'documentsection', ['document_id'])
    op.create_table(
        'precheckflag',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('section', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('cycle_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['plandocument.id']),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('document_id', 'rule_id', 'cycle_id'):
        op.create_index(f'ix_precheckflag_{column}', 'precheckflag', [column])
    op.create_table(
        'documentview',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('viewer', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['plandocument.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_documentview_document_id', 'documentview', ['document_id'])
    op.create_table(
        'gradeevidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('criterion_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('section', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('passage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assignment_id', 'criterion_id'),
    )
    op.create_index('ix_gradeevidence_assignment_id', 'gradeevidence', ['assignment_id'])


def downgrade() -> None:
    op.drop_table('gradeevidence')
    op.drop_table('documentview')
    op.drop_table('precheckflag')
    op.drop_table('documentsection')
    op.drop_table('plandocument')
