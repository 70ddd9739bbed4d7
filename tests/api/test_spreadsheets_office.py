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

from app.services.demo import load_demo
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


async def test_libreoffice_reads_the_robustness_and_statistics_exports(
    api: httpx.AsyncClient, engine: Engine, tmp_path: Path
) -> None:
    load_demo(engine, years=(2024,))
    served = (await api.get("/scores/2024", params={"parent": SJZ})).json()["items"]
    params = {"parent": SJZ, "draws": 100, "seed": 3}
    body = (await api.get("/scores/2024/robustness", params=params)).json()
    stats = (await api.get("/scores/2024/statistics", params={"parent": SJZ})).json()
    robust = tmp_path / "robustness.xlsx"
    robust.write_bytes(
        (await api.get("/scores/2024/robustness", params={**params, "format": "xlsx"})).content
    )
    statistics = tmp_path / "statistics.xlsx"
    statistics.write_bytes(
        (await api.get("/scores/2024/statistics", params={"parent": SJZ, "format": "xlsx"})).content
    )
    out = tmp_path / "out"
    soffice(out, CSV_FILTER, robust, statistics)  # the first sheet of each

    regions = list(csv.reader((out / "robustness.csv").read_text(encoding="utf-8").splitlines()))
    assert regions[1][:2] == ["名义排名", "地区代码"] and regions[2][7:9] == ["p5_rank", "p95_rank"]
    # nominal rank and tier as the ranking serves them; the interval and p_tier as the JSON answer
    assert [(int(r[0]), r[1], r[5]) for r in regions[3:]] == [
        (s["rank"], s["region"], s["tier"]) for s in served
    ]
    assert [(int(r[7]), int(r[8]), float(r[13])) for r in regions[3:]] == [
        (i["p5_rank"], i["p95_rank"], i["p_tier_change"]) for i in body["items"]
    ]
    rows = list(csv.reader((out / "statistics.csv").read_text(encoding="utf-8").splitlines()))
    means = {r[0]: float(r[rows[2].index("mean")]) for r in rows[3:]}
    assert means == {i["indicator"]: pytest.approx(i["mean"]) for i in stats["indicators"]}
