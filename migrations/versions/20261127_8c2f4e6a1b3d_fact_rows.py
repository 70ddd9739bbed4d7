"""fact rows: the facts of each region-year ready for a ranking

Revision ID: 8c2f4e6a1b3d
Revises: 5a454b785fba
Create Date: 2026-11-27 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "8c2f4e6a1b3d"
down_revision: str | None = "5a454b785fba"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fact_row",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("numbers", sa.Text(), nullable=False),
        sa.Column("texts", sa.Text(), nullable=False),
        sa.Column("tallies", sa.Text(), nullable=False),
        sa.Column("n_values", sa.Integer(), nullable=False),
        sa.Column("n_tallies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "region_code", name=op.f("pk_fact_row")),
    )
    op.create_table(
        "fact_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_fact_year")),
    )
    # Backfill: every period's rows built from the tables as they are (and the year marked
    # complete), so an existing database ranks from them at once. A year left out here would only
    # be ranked from the live tables until its next write.
    from app.db.fact_rows import rebuild

    bind = op.get_bind()
    for (year,) in bind.execute(sa.text("SELECT year FROM period ORDER BY year")).all():
        rebuild(bind, int(year))


def downgrade() -> None:
    op.drop_table("fact_year")
    op.drop_table("fact_row")
