"""The pages in a real browser: headless Chromium against `innomon serve --demo`, no internet.

Chromium resolves no host but 127.0.0.1, and every URL the pages request is checked to be on it.
Screenshots are written to artifacts/screenshots/ (kept by CI as artefacts) and checked not to be
blank.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import ROOT
from tests.integration.browser import Browser, chromium_path
from tests.integration.test_cli_server import AUTH, TOKEN, running_server

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
YEAR, CHANGAN, SJZ = 2023, "130102", "130100"

pytestmark = [
    pytest.mark.slow,
    # CI installs chromium, so there a missing browser fails the tests instead of skipping them
    pytest.mark.skipif(
        chromium_path() is None and not os.environ.get("CI"), reason="needs chromium (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("browser"), "--demo") as base:
        yield base


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Browser]:
    with Browser() as b:
        yield b
    assert b.foreign_requests() == []  # nothing, on any page, was asked of another host


def assert_not_blank(png: bytes) -> None:
    """A rendered page has text and lines: many colours, and a fair share of non-white pixels."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    assert width >= 800 and height >= 400, image.size
    colours = image.getcolors(maxcolors=width * height) or []
    assert len(colours) > 20, f"{len(colours)} distinct colours"
    white = sum(n for n, c in colours if min(c) >= 250)
    assert white < 0.985 * width * height, f"{white} of {width * height} pixels white"


def test_swagger_ui_lists_the_operations_offline(server: str, browser: Browser) -> None:
    browser.open(f"{server}/docs")
    count = browser.wait_for("document.querySelectorAll('.opblock').length")
    assert count >= 20
    paths = browser.evaluate(
        "Array.from(document.querySelectorAll('.opblock-summary-path')).map(e => e.innerText.trim())"
    )
    assert "/api/v1/scores/{year}/{region}" in [p.replace("\u200b", "") for p in paths]
    assert_not_blank(browser.screenshot(SCREENSHOTS / "docs.png"))
    assert browser.foreign_requests() == []


def test_redoc_renders_offline(server: str, browser: Browser) -> None:
    browser.open(f"{server}/redoc")
    browser.wait_for(
        "!!document.querySelector('.api-content') && document.body.innerText.includes('/api/v1/scores')"
    )
    assert_not_blank(browser.screenshot(SCREENSHOTS / "redoc.png"))
    assert browser.foreign_requests() == []


def test_sign_in_then_read_the_county_report(server: str, browser: Browser) -> None:
    expected = httpx.get(f"{server}/api/v1/scores/{YEAR}/{CHANGAN}", headers=AUTH).json()
    browser.open(f"{server}/reports/{YEAR}/{CHANGAN}")
    browser.wait_for("location.pathname === '/login' && !!document.getElementById('token')")
    browser.evaluate(
        f"document.getElementById('token').value = {TOKEN!r}; document.querySelector('form').submit(); true"
    )
    total = browser.wait_for(
        f"location.pathname === '/reports/{YEAR}/{CHANGAN}' && document.getElementById('total') "
        "&& document.getElementById('total').innerText"
    )
    assert total == f"{expected['total']:.2f}"
    text = browser.evaluate("document.body.innerText")
    assert "长安区" in text and f"数据年度 {YEAR}" in text
    assert browser.evaluate("document.getElementById('tier').innerText") == expected["tier"]
    # the dimension chart is drawn (inline SVG, no script) with one bar group per dimension
    assert browser.evaluate("document.querySelectorAll('svg.chart rect').length") > 15
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    assert_not_blank(browser.screenshot(SCREENSHOTS / "county-report.png"))
    assert browser.foreign_requests() == []


def test_the_bulletin_lists_every_county(server: str, browser: Browser) -> None:
    ranking = httpx.get(f"{server}/api/v1/scores/{YEAR}", params={"parent": SJZ}, headers=AUTH).json()
    browser.open(f"{server}/reports/{YEAR}?parent={SJZ}")
    # a long page is parsed in pieces: count its rows once the whole document has arrived
    rows = browser.wait_for(
        "document.readyState === 'complete' && document.querySelectorAll('table.counties tbody tr').length"
    )
    assert rows == ranking["total"] == 22
    first = browser.evaluate("document.querySelector('table.counties tbody tr').innerText")
    top = ranking["items"][0]
    assert top["name_zh"] in first and f"{top['total']:.2f}" in first
    assert_not_blank(browser.screenshot(SCREENSHOTS / "bulletin.png"))
    assert browser.foreign_requests() == []


def test_screenshot_check_fails_on_a_blank_page() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (1200, 1600), "white").save(blank, format="PNG")
    with pytest.raises(AssertionError):
        assert_not_blank(blank.getvalue())


def test_screenshots_folder_is_ignored_by_git() -> None:
    assert "artifacts/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert Path(SCREENSHOTS).is_relative_to(ROOT)
