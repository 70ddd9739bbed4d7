"""Running documented shell examples as written, against a live `innomon serve`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

#: where the docs put the address and the token a reader pastes
DOC_BASE = "http://127.0.0.1:8000"
DOC_TOKEN = "inm_paste-the-token-serve-printed"


def run_as_written(script: str, base: str, token: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a documented block with bash (aliases on, strict mode) after pasting in the server's
    address and token, the two things the reader is told to fill in."""
    script = script.replace(DOC_BASE, base).replace(DOC_TOKEN, token)
    return subprocess.run(
        ["bash", "-O", "expand_aliases", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def json_documents(text: str) -> list[Any]:
    """The JSON documents curl printed one after another, without newlines between them."""
    objects, rest, decoder = [], text.strip(), json.JSONDecoder()
    while rest:
        obj, end = decoder.raw_decode(rest)
        objects.append(obj)
        rest = rest[end:].lstrip()
    return objects
