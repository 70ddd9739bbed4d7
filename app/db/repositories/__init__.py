"""Every query of the service, one module per aggregate. Functions take a Session and plain values and
return rows. Keys, audit, snapshots, review and the facts read model have their own modules in app/db."""

from app.db.repositories._sql import IN_LIMIT
from app.db.repositories.periods import bump_periods, get_period, list_periods, lock_periods, published_years
from app.db.repositories.regions import (
    RegionRow,
    all_regions,
    get_region,
    list_regions,
    region_levels,
    region_rows,
    regions_in,
    subtree_codes,
)
from app.db.repositories.registry import (
    active_platform_filter,
    award_year_filter,
    find_award,
    find_platform,
    list_items,
    scoring_items,
)
from app.db.repositories.schemes import get_scheme_row, list_scheme_rows
from app.db.repositories.targets import find_target, list_targets
from app.db.repositories.values import (
    VALUE_COLUMNS,
    StoredValueRow,
    get_value,
    insert_values,
    scoring_values,
    stored_values,
    update_values,
    values_of,
)

__all__ = [
    "IN_LIMIT",
    "VALUE_COLUMNS",
    "RegionRow",
    "StoredValueRow",
    "active_platform_filter",
    "all_regions",
    "award_year_filter",
    "bump_periods",
    "find_award",
    "find_platform",
    "find_target",
    "get_period",
    "get_region",
    "get_scheme_row",
    "get_value",
    "insert_values",
    "list_items",
    "list_periods",
    "list_regions",
    "list_scheme_rows",
    "list_targets",
    "lock_periods",
    "published_years",
    "region_levels",
    "region_rows",
    "regions_in",
    "scoring_items",
    "scoring_values",
    "stored_values",
    "subtree_codes",
    "update_values",
    "values_of",
]
