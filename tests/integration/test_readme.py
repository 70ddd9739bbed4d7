"""The README's walk-through runs as written against `innomon serve` on a fresh directory."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.test_cli_server import first_admin_token, running_server


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Walk-through") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_readme_walkthrough_works_as_written(tmp_path: Path) -> None:
    script = walkthrough()
    assert "API=http://127.0.0.1:8000/api/v1" in script
    output: list[str] = []
    with running_server(tmp_path, output=output, bootstrap=False) as base:
        # the token `serve` printed on its first start, pasted where the README says
        token = first_admin_token(tmp_path)
        script = script.replace("http://127.0.0.1:8000", base).replace(
            "inm_paste-the-token-serve-printed", token
        )
        run = subprocess.run(
            ["bash", "-O", "expand_aliases", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stderr
    objects, rest, decoder = [], run.stdout.strip(), json.JSONDecoder()
    while rest:  # curl prints one JSON document after another, without newlines
        obj, end = decoder.raw_decode(rest)
        objects.append(obj)
        rest = rest[end:].lstrip()
    breakdown = next(o for o in objects if "dimensions" in o)
    ranking = next(o for o in objects if "items" in o and o.get("parent") == "130100")
    bad = objects[-1]
    assert (breakdown["total"], breakdown["tier"]) == (31.5, "C")
    assert [(i["rank"], i["region"], i["total"]) for i in ranking["items"]] == [
        (1, "130102", 31.5),
        (2, "130104", 10.72),
    ]
    assert bad["status"] == 422 and [e["index"] for e in bad["errors"]] == [0, 1]
