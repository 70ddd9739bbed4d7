"""docs/approval.md: the example runs as written, in one shell, against a fresh `innomon serve`, and
every answer is the documented one (abridged: what is shown must match)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.integration.docs_runner import json_documents, run_as_written
from tests.integration.test_analytics_docs import matches
from tests.integration.test_cli_server import first_admin_token, running_server

DOC = ROOT / "docs" / "approval.md"


def example() -> tuple[str, list[tuple[str, Any]]]:
    """The setup block and the (commands, documented answer) pairs, in document order."""
    text = DOC.read_text(encoding="utf-8")
    text = text[text.index("## Example") :]
    blocks = re.findall(r"```(sh|json)\n(.*?)```", text, re.S)
    assert blocks[0][0] == "sh" and "API=" in blocks[0][1]
    pairs = []
    for (kind, code), (next_kind, answer) in zip(blocks[1::2], blocks[2::2], strict=True):
        assert (kind, next_kind) == ("sh", "json"), code
        pairs.append((code, json.loads(answer)))
    return blocks[0][1], pairs


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None, reason="the example uses curl and jq"
)
def test_the_approval_example_runs_as_written(tmp_path: Path) -> None:
    setup, pairs = example()
    assert len(pairs) == 11
    with running_server(tmp_path, output=[], bootstrap=False) as base:
        token = first_admin_token(tmp_path)
        script = "\n".join([setup, *(commands for commands, _ in pairs)])
        run = run_as_written(script, base, token, tmp_path)
        assert run.returncode == 0, run.stderr
        answers = json_documents(run.stdout)
        assert len(answers) == len(pairs), run.stdout
        for (commands, documented), answer in zip(pairs, answers, strict=True):
            assert matches(documented, answer) == [], (commands, json.dumps(answer, ensure_ascii=False))
