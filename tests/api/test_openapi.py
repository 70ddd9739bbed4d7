"""openapi/openapi.json is the committed contract: it must match the app."""

from __future__ import annotations

import json

from app.cli import openapi_document
from tests.conftest import ROOT


def test_committed_openapi_matches_the_app() -> None:
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(), "the contract drifted: run `innomon openapi` and commit the file"


def test_every_api_route_documents_its_problem_responses() -> None:
    doc = json.loads(openapi_document())
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    for path, ops in doc["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, op in ops.items():
            errors = {s for s in op["responses"] if s.startswith(("4", "5"))}
            assert {"422", "503"} <= errors, f"{method} {path} documents {errors}"
            for status in errors:
                assert "application/problem+json" in op["responses"][status]["content"], (
                    method,
                    path,
                    status,
                )
            if "{" in path and method != "put":  # PUT creates what it does not find
                assert "404" in errors, f"{method} {path} has path parameters but no 404"
