"""Reports as PDF, read back with poppler's pdftotext and pdffonts (the Chinese must be text).

Figures: the README's worked example (长安区 2020: 62.2, tier B) and the one-element districts of
tests/api/test_pages.py (桥西区 10, 新华区 5).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from app.services.demo import load_demo
from tests.api.helpers import CHANGAN, SJZ
from tests.api.test_pages import AUTH, web, world

__all__ = ["web"]  # the fixture, shared with test_pages

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        (shutil.which("pdftotext") is None or shutil.which("pdffonts") is None) and not os.environ.get("CI"),
        reason="needs poppler-utils (.ci/run installs it)",
    ),
]


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def embedded_fonts(path: Path) -> list[tuple[str, str]]:
    """(name, embedded yes/no) per font of the PDF."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        m = re.match(r"(\S+)\s+.*?\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        if m:
            rows.append((m.group(1), m.group(2)))
    return rows


async def fetch_pdf(web: httpx.AsyncClient, url: str, path: Path) -> Path:
    r = await web.get(url, headers=AUTH)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    path.write_bytes(r.content)
    return path


async def test_county_report_pdf_embeds_its_chinese_as_text(
    api: httpx.AsyncClient, web: httpx.AsyncClient, tmp_path: Path
) -> None:
    await world(api)
    pdf = await fetch_pdf(web, f"/reports/2020/{CHANGAN}?format=pdf", tmp_path / "county.pdf")
    text = pdf_text(pdf)
    assert "长安区" in text and "县域科技创新能力监测评价报告" in text
    assert "62.20" in text  # the worked example's total
    assert re.search(r"类别\s+B\b", text) or "B类（第二梯队）" in text
    assert "第 1 名 / 共 3 个" in text
    assert "高新技术企业数量" in text  # the indicator table came through
    fonts = embedded_fonts(pdf)
    cjk = [name for name, emb in fonts if "CJK" in name]
    assert cjk, fonts
    assert all(emb == "yes" for _, emb in fonts), fonts  # every font embedded, so it prints anywhere
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", pages), pages


async def test_bulletin_pdf_in_english(
    api: httpx.AsyncClient, web: httpx.AsyncClient, tmp_path: Path
) -> None:
    await world(api)
    pdf = await fetch_pdf(web, f"/reports/2020?parent={SJZ}&format=pdf&lang=en", tmp_path / "bulletin.pdf")
    text = pdf_text(pdf)
    assert "Shijiazhuang City" in text and "Bulletin" in text
    # every county with its total and tier, highest first
    rows = re.findall(r"^\s*(\d+)\s+(\S.*?)\s+(\d+\.\d\d)\s+([ABC])\s", text, re.M)
    # (a name may wrap onto the next line in its column: its first word is on the row's line)
    assert [(rank, name.split()[0], total, tier) for rank, name, total, tier in rows] == [
        ("1", "Chang'an", "62.20", "B"),
        ("2", "Qiaoxi", "10.00", "C"),
        ("3", "Xinhua", "5.00", "C"),
    ]
    # the last column (inputs received of 17) fits on the page: 17 for 长安区, 1 for the others
    assert (
        len(re.findall(r"(?<![\d/])17/17\b", text)) == 1 and len(re.findall(r"(?<![\d/])1/17\b", text)) == 2
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ("排名区间", "指标得分的斯皮尔曼相关系数", "200 次抽样，随机种子 0")),
        ("en", ("Rank intervals", "Spearman correlations of the indicator scores", "200 draws, seed 0")),
    ],
)
async def test_bulletin_pdf_charts_rank_intervals_and_correlations(
    api: httpx.AsyncClient,
    web: httpx.AsyncClient,
    engine: Engine,
    tmp_path: Path,
    lang: str,
    words: tuple[str, ...],
) -> None:
    load_demo(engine, years=(2024,))
    served = (await api.get("/scores/2024", params={"parent": SJZ})).json()["items"]
    body = (await api.get("/scores/2024/robustness", params={"parent": SJZ, "draws": 200, "seed": 0})).json()
    pdf = await fetch_pdf(web, f"/reports/2024?parent={SJZ}&format=pdf&lang={lang}", tmp_path / "b.pdf")
    text = pdf_text(pdf)
    flowing = re.sub(r"\s+", "", text)  # a sentence may wrap anywhere, in either language
    for w in words:
        assert re.sub(r"\s+", "", w) in flowing, w
    # the chart's lines as text: served rank, then the answer's 5th-95th percentile ranks
    lines = re.findall(r"(?<![\d(–])(\d+) \((\d+)–(\d+)\)", text)
    assert [(int(n), int(a), int(b)) for n, a, b in lines] == [
        (s["rank"], i["p5_rank"], i["p95_rank"]) for s, i in zip(served, body["items"], strict=True)
    ]
