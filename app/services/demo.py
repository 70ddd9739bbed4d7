"""Load the reference divisions and the synthetic demo dataset through the normal services."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from app.db.engine import session_scope, writer
from app.demo.dataset import DEMO_LABEL, DEMO_SCHEME, generate
from app.services import periods, regions, registry, schemes
from app.services.audit import DEMO_ACTOR_NAME, Actor, Principal
from app.services.data import ValueRow, import_values
from app.services.errors import Conflict
from app.services.regions import ImportCounts

Progress = Callable[[str], None]
#: the demo loader writes as this actor: its values carry source 'demo'
DEMO = Actor(Principal(DEMO_ACTOR_NAME, "admin"))


def import_reference(engine: Engine, name: str) -> ImportCounts:
    with session_scope(writer(engine)) as session:
        return regions.import_regions(session, regions.reference_regions(name))


def load_demo(
    engine: Engine,
    *,
    parent: str = "130100",
    years: Sequence[int] = tuple(range(2019, 2025)),
    seed: int = 2019,
    progress: Progress = lambda _msg: None,
) -> dict[str, int]:
    """Regions of Hebei, periods for `years`, and synthetic values and registry items for the
    county-level units under `parent`. Re-running it with the same arguments changes nothing."""
    counts = {"regions_created": 0, "values_created": 0, "values_updated": 0, "items_created": 0}
    r = import_reference(engine, "hebei")
    counts["regions_created"] = r.created
    progress(f"regions: {r.created} created, {r.updated} updated, {r.unchanged} unchanged")
    with session_scope(writer(engine)) as session:
        schemes.sync_builtin_schemes(session)
        codes = [
            row["code"] for row in regions.reference_regions("hebei") if row.get("parent_code") == parent
        ]
        for y in years:
            periods.put_period(session, y, DEMO_SCHEME, str(y + 1))
    dataset = generate(codes, list(years), seed)
    progress(f"{DEMO_LABEL}: {len(codes)} regions x {len(years)} years, {len(dataset.items)} registry items")
    for y in years:
        rows = [
            ValueRow(ry.region, e, v, DEMO_LABEL)
            for ry in dataset.values
            if ry.year == y
            for e, v in ry.values.items()
        ]
        with session_scope(writer(engine)) as session:
            result = import_values(session, y, rows, max_rows=len(rows) + 1, actor=DEMO)
        counts["values_created"] += result.created
        counts["values_updated"] += result.updated
        progress(
            f"  {y}: {result.created} values created, {result.updated} updated, {result.unchanged} unchanged"
        )
    with session_scope(writer(engine)) as session:
        scheme = schemes.get_scheme(session, DEMO_SCHEME)
        for item in dataset.items:
            data: registry.ItemInput
            if item.registry == "platform":
                data = registry.PlatformInput(
                    item.region, item.type, item.level, item.name, item.start, item.end
                )
            else:
                data = registry.AwardInput(item.region, item.type, item.level, item.name, item.start)
            try:
                _, created = registry.create_item(session, scheme, data, actor=DEMO)
            except Conflict:
                created = False  # an item of the same name changed by hand since: leave it
            counts["items_created"] += created
    progress(f"registry items: {counts['items_created']} created")
    return counts
