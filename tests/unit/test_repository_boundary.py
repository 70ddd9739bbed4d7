"""One repository boundary: queries are built in app/db only.

Every module of app/services and app/api (present and future: the directories are walked) may
use a Session, an Engine and the database's exceptions, but not the constructs that build a query
(select, insert, update, delete, text, func, col, ...), whether imported by name or reached through
the module (`sa.select`). app/domain's own rule (standard library only) is in test_domain_purity.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
LAYERS = ("services", "api")
DATABASE_PACKAGES = ("sqlalchemy", "sqlmodel")
QUERY_CONSTRUCTS = frozenset(
    {
        "select",
        "insert",
        "update",
        "delete",
        "text",
        "func",
        "col",
        "and_",
        "or_",
        "not_",
        "bindparam",
        "literal",
        "literal_column",
        "column",
        "table",
        "exists",
        "case",
        "cast",
        "type_coerce",
        "null",
        "true",
        "false",
        "tuple_",
        "union",
        "union_all",
        "join",
        "outerjoin",
        "distinct",
        "desc",
        "asc",
        "over",
        "lateral",
        "values",
    }
)

#: Modules whose queries have not moved into app/db yet. Each entry is checked to still need its
#: place (a converted module must leave the list), so the list only shrinks. Empty today: kept for
#: the services other branches add, which may arrive with queries of their own.
NOT_YET_CONVERTED: frozenset[str] = frozenset()


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    modules: set[str] = set()  # local names bound to sqlalchemy/sqlmodel modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in DATABASE_PACKAGES:
                for alias in node.names:
                    if alias.name in QUERY_CONSTRUCTS:
                        found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                    elif alias.name in {"sql", "expression", "functions"}:
                        modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in DATABASE_PACKAGES:
                    modules.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr in QUERY_CONSTRUCTS
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def _modules() -> list[Path]:
    files = sorted(p for layer in LAYERS for p in (APP / layer).rglob("*.py"))
    assert len(files) > 20, "the service and API modules were not found"
    return files


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(APP)))
def test_services_and_api_build_no_queries(path: Path) -> None:
    name = str(path.relative_to(APP))
    found = _violations(path)
    if name in NOT_YET_CONVERTED:
        assert found, f"{name} builds no query any more: take it off NOT_YET_CONVERTED"
    else:
        assert not found, f"{name} builds queries; move them into app/db: {found}"


def test_the_check_finds_query_constructs(tmp_path: Path) -> None:
    """The checker itself, on code written to break the rule in each way it knows."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import sqlalchemy as sa\n"
        "from sqlmodel import Session, select\n"
        "from sqlalchemy.sql import expression\n"
        "q = sa.text('SELECT 1')\n"
        "r = expression.delete(None)\n",
        encoding="utf-8",
    )
    assert len(_violations(bad)) == 3
    good = tmp_path / "good.py"
    good.write_text(
        "from sqlalchemy import Engine\nfrom sqlalchemy.exc import IntegrityError\nfrom sqlmodel import Session\n",
        encoding="utf-8",
    )
    assert _violations(good) == []
