"""The README's pages example runs as written, after its walk-through, against `innomon serve`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.docs_runner import run_as_written
from tests.integration.test_cli_server import first_admin_token, running_server
from tests.integration.test_readme import walkthrough


def pages_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Pages and reports") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("pdftotext") is None, reason="needs curl and pdftotext"
)
def test_readme_pages_example_works_as_written(tmp_path: Path) -> None:
    with running_server(tmp_path, bootstrap=False) as base:
        token = first_admin_token(tmp_path)
        assert run_as_written(walkthrough(), base, token, tmp_path).returncode == 0
        run = run_as_written(pages_example(), base, token, tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    # what the README says it prints, with this server's address in place of the documented one
    assert lines[:3] == [f"303 {base}/", "200 text/html; charset=utf-8", "401"], lines
    assert "长安区" in lines[3] and "县域科技创新能力监测评价报告" in lines[3]
    assert (tmp_path / "changan-2020.pdf").read_bytes().startswith(b"%PDF-")
    bulletin = (tmp_path / "bulletin-2020.html").read_text(encoding="utf-8")
    assert "Chang&#39;an District" in bulletin and "31.50" in bulletin  # the walk-through's total
