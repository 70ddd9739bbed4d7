"""The README's walk-through runs as written against `innomon serve` on a fresh directory."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.docs_runner import json_documents, run_as_written
from tests.integration.test_cli_server import clean_env, first_admin_token, running_server


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
        run = run_as_written(script, base, token, tmp_path)
    assert run.returncode == 0, run.stderr
    objects = json_documents(run.stdout)
    breakdown = next(o for o in objects if "dimensions" in o)
    ranking = next(o for o in objects if "items" in o and o.get("parent") == "130100")
    bad = objects[-1]
    assert (breakdown["total"], breakdown["tier"]) == (31.5, "C")
    assert [(i["rank"], i["region"], i["total"]) for i in ranking["items"]] == [
        (1, "130102", 31.5),
        (2, "130104", 10.72),
    ]
    assert bad["status"] == 422 and [e["index"] for e in bad["errors"]] == [0, 1]


def role_examples() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("One request per role") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_readme_key_commands_and_role_examples_work(tmp_path: Path) -> None:
    env = {**clean_env(), "PYTHONPATH": str(ROOT)}
    with running_server(tmp_path, output=[], bootstrap=False) as base:
        admin = first_admin_token(tmp_path)
        setup = run_as_written(walkthrough(), base, admin, tmp_path)
        assert setup.returncode == 0, setup.stderr
        tokens = {}
        for var, args in {
            "FINANCE": [
                "--name",
                "finance-sjz",
                "--role",
                "department",
                "--department",
                "finance",
                "--region",
                "130100",
            ],
            "ST": [
                "--name",
                "st-changan",
                "--role",
                "department",
                "--department",
                "science_tech",
                "--region",
                "130102",
            ],
            "ASSESSOR": ["--name", "assessor", "--role", "assessor", "--region", "130100"],
            "READER": ["--name", "dashboard", "--role", "reader"],
        }.items():
            made = subprocess.run(
                [sys.executable, "-m", "app.cli", "keys", "create", *args],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert made.returncode == 0, made.stderr
            tokens[var] = made.stdout.strip().splitlines()[-1]  # the token alone on the last line
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", role_examples()],
            env={**env, "API": f"{base}/api/v1", "ADMIN": admin, **tokens},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stderr
    period2021, locked, finance, platform, assessed, ranking = json_documents(run.stdout)
    assert period2021["year"] == 2021 and locked["status"] == "published"
    assert finance["status"] == "created" and finance["value"]["source"] == "finance-sjz"
    assert platform["region"] == "130102" and platform["type"] == "incubator"
    assert assessed["status"] == "created" and assessed["value"]["value"] == 4.5
    assert ranking["period_status"] == "open" and ranking["items"][0]["region"] == "130102"
