"""docs/analytics.md: every example runs as written against `innomon serve --demo` on a fresh
directory, and its answer is the documented one (abridged answers: what is shown must match)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.integration.docs_runner import json_documents, run_as_written
from tests.integration.test_cli_server import first_admin_token, running_server

ELLIPSIS = "…"


def examples() -> tuple[str, list[tuple[str, Any]]]:
    """The setup block and the (commands, documented answer) pairs, in document order."""
    text = (ROOT / "docs" / "analytics.md").read_text(encoding="utf-8")
    text = text[text.index("## Examples") :]
    blocks = re.findall(r"```(sh|json)\n(.*?)```", text, re.S)
    assert blocks[0][0] == "sh" and "API=" in blocks[0][1]
    pairs = []
    for (kind, code), (next_kind, answer) in zip(blocks[1::2], blocks[2::2], strict=True):
        assert (kind, next_kind) == ("sh", "json"), code
        pairs.append((code, json.loads(answer)))
    return blocks[0][1], pairs


def matches(shown: Any, actual: Any, where: str = "") -> list[str]:
    """Where the documented (abridged) answer differs from the actual one: every key shown must
    be there with a matching value; a list must match item by item, and one ending in "…" only
    in its first items."""
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out = []
        for k, v in shown.items():
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            else:
                out += matches(v, actual[k], f"{where}.{k}")
        return out
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {actual!r}"]
        open_ended = bool(shown) and shown[-1] == ELLIPSIS
        items = shown[:-1] if open_ended else shown
        if len(actual) < len(items) or (not open_ended and len(actual) != len(items)):
            return [f"{where}: {len(actual)} items, documented {len(items)}{'+' if open_ended else ''}"]
        return [e for i, v in enumerate(items) for e in matches(v, actual[i], f"{where}[{i}]")]
    if shown != actual or isinstance(shown, bool) != isinstance(actual, bool):
        return [f"{where}: documented {shown!r}, got {actual!r}"]
    return []


def test_the_matcher_can_fail() -> None:
    assert matches({"a": [1, ELLIPSIS]}, {"a": [1, 2], "b": 3}) == []
    assert matches({"a": [1]}, {"a": [1, 2]}) == [".a: 2 items, documented 1"]
    assert matches({"a": {"b": 2}}, {"a": {"b": 2.5}}) == [".a.b: documented 2, got 2.5"]
    assert matches({"c": 1}, {}) == [".c: missing"]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None, reason="the examples use curl and jq"
)
def test_analytics_examples_run_as_written(tmp_path: Path) -> None:
    setup, pairs = examples()
    assert len(pairs) == 7
    with running_server(tmp_path, "--demo", output=[], bootstrap=False) as base:
        token = first_admin_token(tmp_path)
        for commands, documented in pairs:
            run = run_as_written(setup + commands, base, token, tmp_path)
            assert run.returncode == 0, (commands, run.stderr)
            answer = json_documents(run.stdout)[-1]
            assert matches(documented, answer) == [], commands
