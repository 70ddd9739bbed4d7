"""The migration that gives registry audit events their data years fills them in for the events
recorded before it, as the service does for new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import migrate
from app.db.engine import make_engine

pytestmark = pytest.mark.reliability

BEFORE = "c3c10c7efc6c"  # the revision before audit_event.year_from / year_to


def test_existing_registry_events_get_the_years_they_count_in(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, BEFORE)
    platform = {"recognized_on": "2018-05-01", "revoked_on": "2021-03-01", "type": "key_lab"}
    moved_award_old = {"awarded_on": "2019-06-01", "type": "project"}
    moved_award_new = {"awarded_on": "2020-06-01", "type": "project"}
    open_platform = {"recognized_on": "2019-12-31", "revoked_on": None, "type": "key_lab"}
    never = {"recognized_on": "2020-02-01", "revoked_on": "2020-11-30", "type": "key_lab"}
    rows = [
        ("platform", None, platform),
        ("award", moved_award_old, moved_award_new),
        ("platform", open_platform, None),
        ("platform", None, never),
        ("data_value", None, {"value": 1}),
    ]
    with engine.begin() as conn:
        for i, (entity, old, new) in enumerate(rows, 1):
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, at, actor, action, entity, entity_key, year, old, new)"
                    " VALUES (:id, '2026-01-01 00:00:00', 'system', 'create', :e, :k, :y, :old, :new)"
                ),
                {
                    "id": i,
                    "e": entity,
                    "k": str(i),
                    "y": 2020 if entity == "data_value" else None,
                    "old": json.dumps(old) if old else None,
                    "new": json.dumps(new) if new else None,
                },
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT id, year, year_from, year_to FROM audit_event ORDER BY id")).all()
    assert [tuple(r) for r in got] == [
        (1, None, 2018, 2020),  # stands at the end of 2018, 2019, 2020; revoked before the end of 2021
        (2, None, 2019, 2020),  # an award moved from 2019 to 2020 counts in both
        (3, None, 2019, None),  # open-ended
        (4, None, None, None),  # recognised and revoked within 2020: never stands at a year end
        (5, 2020, None, None),  # not a registry event: untouched
    ]
    engine.dispose()
