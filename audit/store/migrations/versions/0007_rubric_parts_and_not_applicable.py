"""rubrics any area writes: criteria left out by register conditions, criteria marked not applicable, and the
agencies' parts of a shared section

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString for str fields)


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


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
