"""A front-end on another origin: a static page served by `python -m http.server` on its own port
fetches a breakdown from `innomon serve` (INNOMON_CORS_ORIGINS names the page's origin) with an
API key, and renders the names in headless Chromium. A page from an origin not allowed is blocked
by the browser itself (before: no CORS at all, a preflight got 405)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.browser import Browser, chromium_path
from tests.integration.test_cli_server import TOKEN, free_port, running_server

YEAR, CHANGAN = 2023, "130102"

#: the indicators of the Hebei table in the seed's order, named as the seed names them
#: (DESIGN.md, "Scheme hebei-county-2019"; units in brackets left out)
SEED_INDICATORS = [
    "地方财政科技支出",
    "地方财政科技支出占公共财政支出的比重",
    "规上工业企业R&D经费支出占主营业务收入的比重",
    "高新技术企业数量",
    "千家工商注册企业中高新技术企业数量",
    "科技型中小企业数量",
    "千家工商注册企业中科技型中小企业数量",
    "省级以上科技创新平台建设情况",
    "省级以上创新园区、基地建设情况",
    "省级以上创新创业服务机构建设情况",
    "规上工业企业建立研发机构比例",
    "万人有效发明专利拥有量",
    "规上高新技术产业增加值占规上工业增加值比重",
    "农业产业化经营率",
    "科技管理机构情况",
    "争取上级支持与奖励",
    "科技管理创新情况",
]

#: a front-end as a team would write it: fetch with the key, render names, say why it failed
PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>innomon front-end</title></head>
<body>
<h1 id="region">…</h1>
<ol id="indicators"></ol>
<p id="status">loading</p>
<script>
const params = new URLSearchParams(location.search);
const api = params.get("api"), key = params.get("key");
const headers = {Authorization: "Bearer " + key};
async function getJson(path) {
  const r = await fetch(api + "/api/v1" + path, {headers});
  if (!r.ok) throw new Error("HTTP " + r.status);
  return r.json();
}
(async () => {
  try {
    const b = await getJson("/scores/" + params.get("year") + "/" + params.get("region"));
    // the breakdown's own region name when it carries one, else the region resource
    const region = (b.region && typeof b.region === "object") ? b.region
      : await getJson("/regions/" + b.region);
    document.getElementById("region").textContent = region.name_zh;
    for (const d of b.dimensions) for (const i of d.indicators) {
      const li = document.createElement("li");
      li.textContent = i.name_zh;
      li.dataset.score = i.score;
      document.getElementById("indicators").appendChild(li);
    }
    document.getElementById("status").textContent = "ok";
  } catch (e) {
    document.getElementById("status").textContent = "blocked: " + e;
  }
})();
</script>
</body></html>
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None and not os.environ.get("CI"), reason="needs chromium (.ci/run installs it)"
    ),
]


@contextmanager
def static_site(root: Path) -> Iterator[str]:
    """`python -m http.server` serving `root` on a free port; yields its origin."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{origin}/index.html", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("http.server did not start")
                time.sleep(0.1)
        yield origin
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two origins serving the same page: the first is allowed by the service, the second is not."""
    root = tmp_path_factory.mktemp("front-end")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    with static_site(root) as allowed, static_site(root) as other:
        yield allowed, other


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, sites: tuple[str, str]) -> Iterator[str]:
    allowed, _ = sites
    with running_server(
        tmp_path_factory.mktemp("cors-service"), "--demo", env={"INNOMON_CORS_ORIGINS": allowed}
    ) as base:
        yield base


def page_url(origin: str, service: str) -> str:
    return f"{origin}/index.html?api={service}&key={TOKEN}&year={YEAR}&region={CHANGAN}"


def test_a_page_on_an_allowed_origin_renders_the_breakdown_names(
    service: str, sites: tuple[str, str]
) -> None:
    allowed, _ = sites
    with Browser() as browser:
        browser.open(page_url(allowed, service))
        status = browser.wait_for(
            "document.getElementById('status').textContent !== 'loading' && "
            "document.getElementById('status').textContent"
        )
        assert status == "ok"
        assert browser.evaluate("document.getElementById('region').textContent") == "长安区"
        names = browser.evaluate(
            "Array.from(document.querySelectorAll('#indicators li')).map(li => li.textContent)"
        )
        assert names == SEED_INDICATORS
        # the preflight the Authorization header caused went to the service, and was answered
        assert any(
            u.startswith(f"{service}/api/v1/scores/{YEAR}/{CHANGAN}") for u in browser.requested_urls()
        )
        assert browser.foreign_requests() == []


def test_a_page_on_another_origin_is_blocked_by_the_browser(service: str, sites: tuple[str, str]) -> None:
    _, other = sites
    with Browser() as browser:
        browser.open(page_url(other, service))
        status = browser.wait_for(
            "document.getElementById('status').textContent !== 'loading' && "
            "document.getElementById('status').textContent"
        )
        # fetch rejects with a TypeError: the browser withheld the answer (no CORS grant)
        assert status.startswith("blocked: TypeError"), status
        assert browser.evaluate("document.querySelectorAll('#indicators li').length") == 0
    # the service itself answers that origin's preflight without any grant
    r = httpx.options(
        f"{service}/api/v1/scores/{YEAR}/{CHANGAN}",
        headers={
            "Origin": other,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in r.headers
