"""rubrics any area writes: criteria left out by register conditions, criteria marked not applicable, and the
agencies' parts of a shared section

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString for str fields)
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped_criteria', sa.JSON(), nullable=True))
    with op.batch_alter_table('criteriongrade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_applicable', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('sectionresult', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sectionresult', schema=None) as batch_op:
        batch_op.drop_column('parts')
    with op.batch_alter_table('criteriongrade', schema=None) as batch_op:
        batch_op.drop_column('not_applicable')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('skipped_criteria')
