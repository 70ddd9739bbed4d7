"""snapshot region state

Revision ID: 5d1f0a7c2b9e
Revises: c3c10c7efc6c
Create Date: 2026-11-27 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1f0a7c2b9e"
down_revision: str | None = "c3c10c7efc6c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Snapshots stored before this column existed keep it null; they are served with the
    # region's current name and place in the tree, as they were before.
    with op.batch_alter_table("period_snapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_state", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("period_snapshot", schema=None) as batch_op:
        batch_op.drop_column("region_state")
