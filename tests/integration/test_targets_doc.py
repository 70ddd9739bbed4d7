"""docs/targets.md's example runs as written against `innomon serve --demo` on a fresh directory."""

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
from tests.integration.test_cli_server import clean_env, first_admin_token, running_server

DOC = ROOT / "docs" / "targets.md"


def blocks(lang: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Example") :]
    return re.findall(rf"```{lang}\n(.*?)```", example, re.S)


def without_times(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: without_times(v) for k, v in obj.items() if k not in ("created_at", "updated_at")}
    if isinstance(obj, list):
        return [without_times(v) for v in obj]
    return obj


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_targets_doc_example_works_as_written(tmp_path: Path) -> None:
    script, command = blocks("sh")
    answer = json.loads(blocks("json")[0])
    printed = re.search(r"standard output:\n\n```\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert printed is not None
    with running_server(tmp_path, "--demo", output=[], bootstrap=False) as base:
        token = first_admin_token(tmp_path)
        run = run_as_written(script, base, token, tmp_path)
        assert run.returncode == 0, run.stderr
        *created, progress = json_documents(run.stdout)
        assert [c["kind"] for c in created] == ["value", "count", "increase", "tier"]
        assert without_times(progress) == without_times(answer), json.dumps(
            progress, ensure_ascii=False, indent=2
        )
        # the CLI command as written, on the same database (innomon.db in the working directory)
        args = command.split()
        assert args[0] == "innomon"
        imported = subprocess.run(
            [sys.executable, "-m", "app.cli", *args[1:]],
            cwd=tmp_path,
            env={**clean_env(), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout == printed.group(1)
        assert "[18/18]" in imported.stderr
