"""app/domain stands alone: the standard library only, no framework."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
FORBIDDEN = {
    "fastapi",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "httpx",
    "starlette",
    "alembic",
    "uvicorn",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    files = sorted(DOMAIN.rglob("*.py"))  # the rule kinds and analysis packages too
    assert len(files) >= 5 and any(f.parent.name == "rules" for f in files)
    for f in files:
        roots = imported_roots(f)
        assert not roots & FORBIDDEN, f"{f.relative_to(DOMAIN)} imports {roots & FORBIDDEN}"
        foreign = {r for r in roots if r not in sys.stdlib_module_names and r not in {"app", "__future__"}}
        assert not foreign, f"{f.relative_to(DOMAIN)} imports non-stdlib {foreign}"
        app_imports = {
            n.module
            for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("app.")
        }
        assert all(m.startswith("app.domain") for m in app_imports), f"{f.relative_to(DOMAIN)}: {app_imports}"
