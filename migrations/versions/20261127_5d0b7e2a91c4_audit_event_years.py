"""audit events of registry items carry the data years they count in

Revision ID: 5d0b7e2a91c4
Revises: 5d1f0a7c2b9e
Create Date: 2026-11-27 11:20:00.000000
"""

import json
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "5d0b7e2a91c4"
down_revision: str | None = "5d1f0a7c2b9e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _years(state: dict | None) -> tuple[int, int | None] | None:
    """The data years a stored platform or award state counts in (app/services/registry.py
    count_years, on the JSON the audit trail holds)."""
    if not state:
        return None
    if "awarded_on" in state:
        y = date.fromisoformat(state["awarded_on"]).year
        return y, y
    first = date.fromisoformat(state["recognized_on"]).year
    revoked = state.get("revoked_on")
    last = date.fromisoformat(revoked).year - 1 if revoked else None
    return None if last is not None and last < first else (first, last)


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("year_to", sa.Integer(), nullable=True))
    # the registry events recorded so far get their years, as new ones do
    conn = op.get_bind()
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("entity", sa.String),
        sa.column("year", sa.Integer),
        sa.column("year_from", sa.Integer),
        sa.column("year_to", sa.Integer),
        sa.column("old", sa.Text),
        sa.column("new", sa.Text),
    )
    rows = conn.execute(
        sa.select(events.c.id, events.c.old, events.c.new).where(events.c.entity.in_(["platform", "award"]))
    ).all()
    for id_, old, new in rows:
        spans = [s for s in (_years(json.loads(x)) for x in (old, new) if x) if s is not None]
        if not spans:
            continue
        first = min(s[0] for s in spans)
        lasts = [s[1] for s in spans]
        last = None if None in lasts else max(x for x in lasts if x is not None)
        conn.execute(
            events.update()
            .where(events.c.id == id_)
            .values(year_from=first, year_to=last, year=first if first == last else None)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("year_to")
        batch_op.drop_column("year_from")
