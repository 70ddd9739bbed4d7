"""The README's clerk's path with spreadsheets runs as written against `innomon serve`."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT
from tests.integration.docs_runner import json_documents, run_as_written
from tests.integration.test_cli_server import first_admin_token, running_server
from tests.integration.test_readme import walkthrough


def clerks_path() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Spreadsheets: a clerk's path") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return block.group(1)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_readme_clerks_path_works_as_written(tmp_path: Path) -> None:
    with running_server(tmp_path, output=[], bootstrap=False) as base:
        token = first_admin_token(tmp_path)
        # the clerk's block follows the walk-through in the same shell (its API, TOKEN and alias)
        run = run_as_written(walkthrough() + clerks_path(), base, token, tmp_path)
    assert run.returncode == 0, run.stderr
    template = openpyxl.load_workbook(tmp_path / "st-2020.xlsx")
    assert template.sheetnames[0] == "数据"
    assert [template["数据"].cell(r, 1).value for r in (3, 4)] == ["130102", "130104"]
    # the ranking's CSV is printed last: BOM, codes as headers
    head, _, csv_text = run.stdout.rpartition("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    objects = json_documents(head)
    dry, done, values = objects[-3:]
    assert dry["dry_run"] is True and dry["encoding"] == "UTF-8"
    # the walk-through posted 桥西区's 40 high-tech enterprises: one update, one new value
    assert dry["sheets"]["CSV"] == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0, "deleted": 0}
    assert done["dry_run"] is False and done["sheets"]["CSV"] == dry["sheets"]["CSV"]
    assert {(v["region"], v["element"], v["value"]) for v in values["items"]} >= {
        ("130104", "high_tech_enterprises", 45),
        ("130104", "st_admin_body", "merged_office"),
    }
    ranking = openpyxl.load_workbook(tmp_path / "ranking-2020.xlsx")["排名"]
    assert ranking["B4"].value == "130102" and ranking["G4"].value == 31.5
    # by hand (the README): 8.17 + 2.83 + 2 = 13 for 桥西区, second after 长安区's 31.5
    header = rows[0]
    by_region = {r[header.index("region")]: r for r in rows[1:]}
    assert by_region["130104"][header.index("total")] == "13"
    assert by_region["130104"][header.index("rank")] == "2"
