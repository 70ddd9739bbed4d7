"""Plan targets of regions, by job: `crud` (create, change, delete, get, list; admin, audited),
`files` (target files imported all or nothing) and `progress` (how far each target has come as of
a data year)."""

from app.services.targets.crud import (
    TargetInput,
    create_target,
    delete_target,
    get_target,
    list_targets,
    target_etag,
    update_target,
)
from app.services.targets.files import ImportCounts, describe, import_targets, parse_rows, read_file
from app.services.targets.progress import progress, target_progress

__all__ = [
    "ImportCounts",
    "TargetInput",
    "create_target",
    "delete_target",
    "describe",
    "get_target",
    "import_targets",
    "list_targets",
    "parse_rows",
    "progress",
    "read_file",
    "target_etag",
    "target_progress",
    "update_target",
]
