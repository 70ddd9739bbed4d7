"""The spreadsheets in a real office suite: LibreOffice headless reads what innomon writes, and
innomon imports what LibreOffice saves."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import Engine

from tests.api.helpers import CHANGAN, QIAOXI, SJZ, seed_period, seed_regions
from tests.api.test_spreadsheets import column_of, row_of, stored

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None and os.environ.get("CI"):
    raise RuntimeError("LibreOffice (soffice) is missing: .ci/run installs libreoffice-calc-nogui")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")

# CSV, comma-separated, double quotes, UTF-8 (76); formulas' values, not the formulas
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def soffice(out: Path, target: str, *files: Path) -> None:
    """Convert several files in one LibreOffice start (its start-up dominates the time)."""
    profile = out.parent / "lo-profile"  # shared by the calls of a test: only the first builds it
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


async def test_libreoffice_reads_exports_and_templates_and_saves_what_imports(
    api: httpx.AsyncClient, engine: Engine, tmp_path: Path
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    rows = [
        {"region": CHANGAN, "element": "high_tech_enterprises", "value": 40},
        {"region": QIAOXI, "element": "high_tech_enterprises", "value": 100},
    ]
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200
    ranking = tmp_path / "ranking.xlsx"
    ranking.write_bytes((await api.get("/scores/2020", params={"format": "xlsx", "parent": SJZ})).content)
    r = await api.get("/templates/2020.xlsx", params={"department": "science_tech", "parent": SJZ})
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = book["数据"]
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "tech_smes")).value = 321
    ws.cell(row_of(ws, QIAOXI), column_of(ws, "st_admin_body")).value = "合署办公"
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    out = tmp_path / "out"
    soffice(out, CSV_FILTER, ranking, filled)

    ranked = list(csv.reader((out / "ranking.csv").read_text(encoding="utf-8").splitlines()))
    # row 1 the title, 2 the Chinese headers, 3 the codes; totals by hand from DESIGN.md's bands:
    # 100 high-tech enterprises -> 10 points, 40 -> 8
    assert ranked[1][:3] == ["排名", "地区代码", "地区名称"] and ranked[2][6] == "total"
    totals = {row[1]: (row[0], row[6], row[7]) for row in ranked[3:]}
    assert totals[QIAOXI] == ("1", "10.00", "C") and totals[CHANGAN] == ("2", "8.00", "C")

    sheet = list(csv.reader((out / "filled.csv").read_text(encoding="utf-8").splitlines()))
    assert sheet[1][:3] == ["region", "name", "high_tech_enterprises"]
    by_region = {row[0]: row for row in sheet[2:]}
    assert by_region[CHANGAN][2] == "40" and by_region[CHANGAN][3] == "321"  # stored, then typed
    assert by_region[QIAOXI][4] == "合署办公"

    # the workbook as LibreOffice saves it imports like the original
    resaved = tmp_path / "resaved"
    soffice(resaved, "xlsx:Calc MS Excel 2007 XML", filled)
    content = (resaved / "filled.xlsx").read_bytes()
    imp = await api.post(
        "/imports/2020", files={"file": ("filled.xlsx", content, "application/octet-stream")}
    )
    assert imp.status_code == 200, imp.text
    assert imp.json()["sheets"]["数据"]["created"] == 2
    assert stored(engine)[(CHANGAN, "tech_smes")] == 321.0
    assert stored(engine)[(QIAOXI, "st_admin_body")] == "merged_office"
