"""docs/robustness.md: the worked example runs as written against `innomon serve --demo` on a fresh
directory, and its answers (abridged) and the terminal output are the documented ones."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.integration.docs_runner import json_documents, run_as_written
from tests.integration.test_analytics_docs import matches
from tests.integration.test_cli_server import clean_env, first_admin_token, running_server


def examples() -> tuple[str, list[tuple[str, Any]], tuple[str, list[str]]]:
    """The setup block, the (commands, documented answer) pairs and the terminal session."""
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    text = text[text.index("## Examples") :]
    blocks = re.findall(r"```(sh|json)\n(.*?)```", text, re.S)
    assert blocks[0][0] == "sh" and "API=" in blocks[0][1]
    pairs = []
    for (kind, code), (next_kind, answer) in zip(blocks[1::2], blocks[2::2], strict=True):
        assert (kind, next_kind) == ("sh", "json"), code
        pairs.append((code, json.loads(answer)))
    (console,) = re.findall(r"```console\n\$ (.*?)\n(.*?)```", text, re.S)
    return blocks[0][1], pairs, (console[0], console[1].splitlines())


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None, reason="the examples use curl and jq"
)
def test_robustness_examples_run_as_written(tmp_path: Path) -> None:
    setup, pairs, (command, shown) = examples()
    assert len(pairs) == 5
    with running_server(tmp_path, "--demo", output=[], bootstrap=False) as base:
        token = first_admin_token(tmp_path)
        for commands, documented in pairs:
            run = run_as_written(setup + commands, base, token, tmp_path)
            assert run.returncode == 0, (commands, run.stderr)
            answer = json_documents(run.stdout)[-1]
            assert matches(documented, answer) == [], commands
        # the terminal example, on the server's database in its directory
        args = command.split()
        assert args[0] == "innomon"
        cli = subprocess.run(
            [sys.executable, "-m", "app.cli", *args[1:]],
            cwd=tmp_path,
            env={**clean_env(), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert cli.returncode == 0, cli.stderr
        assert cli.stdout.splitlines() == shown
        assert "1000/1000 draws (100 %)" in cli.stderr
