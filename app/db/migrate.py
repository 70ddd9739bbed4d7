"""Apply and check migrations from code (`innomon migrate`, `innomon serve`, tests).

Alembic is imported only to migrate or check: where the schema stands and which revision is the
head (what `serve` asks at start and /readyz on every probe) are read without it, by the same
query alembic makes and from the revision files' own `revision`/`down_revision` lines."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

import migrations
from app.db import watch

if TYPE_CHECKING:
    from alembic.config import Config

#: key of the PostgreSQL advisory lock held while migrating, so that of several replicas starting
#: at once exactly one migrates and the others wait, then find the schema at head
MIGRATION_LOCK_KEY = 0x1_44E0_A11C
#: alembic's version table (its default name; env.py does not change it)
VERSION_TABLE = "alembic_version"
VERSIONS = Path(migrations.__file__).parent / "versions"


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return cfg


def _declared(path: Path) -> tuple[str, tuple[str, ...]] | None:
    """A revision file's (revision, down revisions), read from its module-level assignments;
    None when they are not plain literals (alembic then reads the file itself)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = value = None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            target, value = node.targets[0].id, node.value
        if target in ("revision", "down_revision") and value is not None:
            try:
                found[target] = ast.literal_eval(value)
            except ValueError:
                return None
    revision, down = found.get("revision"), found.get("down_revision")
    if not isinstance(revision, str):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


def read_head(versions: Path) -> str | None:
    """The one revision no other revision in `versions` names as its down revision; None when the
    files do not say it plainly (no revision, several heads, a computed value)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        if path.name == "__init__.py":
            continue
        declared = _declared(path)
        if declared is None:
            return None
        revisions.add(declared[0])
        downs.update(declared[1])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 and downs <= revisions else None


@cache
def head_revision() -> str | None:
    """The newest migration shipped with this code; read from disk once (it cannot change while
    the process runs), since /readyz asks for it on every probe. From the files' declarations, or,
    when they do not say it plainly, from alembic's own reading of the scripts."""
    head = read_head(VERSIONS)
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at (alembic's version table), None on an empty one;
    several rows (a branched history, which this project does not have) are named together."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = sorted(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    return " ".join(rows) if rows else None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to `revision`; on PostgreSQL under an advisory lock, safe with several replicas.
    Returns the revisions before and after, as read under the lock (equal: nothing to do).
    A database already at the head is left alone without taking the lock or loading alembic:
    a schema reads as at head only once the migration that put it there has committed."""
    if revision == "head":
        current = current_revision(engine)
        if current is not None and current == head_revision():
            return current, current
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
        try:
            before = MigrationContext.configure(conn).get_current_revision()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
            after = MigrationContext.configure(conn).get_current_revision()
            if after != before:
                # a migration may rewrite rows that running processes have cached
                watch.announce(conn)
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
    return before, after


def check(engine: Engine) -> None:
    """Raise if the tables differ from the models (alembic check)."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)
