"""region change log

Revision ID: 7a3e91c0d4b2
Revises: 5d0b7e2a91c4
Create Date: 2026-11-27 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7a3e91c0d4b2"
down_revision: str | None = "5d0b7e2a91c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: a cache built before this table existed starts over on its next change.
    op.create_table(
        "region_change",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.PrimaryKeyConstraint("year", "data_version", "region_code", name=op.f("pk_region_change")),
    )


def downgrade() -> None:
    op.drop_table("region_change")
