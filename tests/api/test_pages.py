"""Pages over HTTP: landing, offline docs, sign-in and its cookie's scope, county report, bulletin.

The numbers come from the README's worked example (example.json: 长安区 62.2, tier B, dimensions
15.5 / 17 / 8.5 / 11.2 / 10, computed there by hand from the seed's table) and from one-element
regions whose scores are read off the seed's bands, each computed in a comment below.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine

from app.api.session_cookie import COOKIE_NAME, SESSION_SECONDS, make_cookie, read_cookie
from app.db.engine import session_scope, writer
from app.db.tables import ApiKey
from app.services import access, schemes
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, XINHUA, assert_problem, seed_period, seed_regions
from tests.api.test_scores import post_document
from tests.conftest import ADMIN_TOKEN, ROOT

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
async def web(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app at the site's root, with no key: what a browser is."""
    async with httpx.AsyncClient(transport=api._transport, base_url="http://innomon.test") as client:
        yield client


def text_of(page: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<(script|style|title|desc)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def other_hosts(page: str) -> set[str]:
    """Hosts other than this service's that a page names in a URL (SVG namespace names aside)."""
    page = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    return {h for h in re.findall(r"(?:https?:)?//([\w.-]+(?::\d+)?)", page) if h != "innomon.test"}


async def world(api: httpx.AsyncClient) -> None:
    """2019 and 2020 for three districts of Shijiazhuang.

    2020: 长安区 is example.json: 62.2 (B). 桥西区 posts only high_tech_enterprises 100: the band's
    top knot, 10 points (C). 新华区 posts only high_tech_enterprises 10: knot 10→5, 5 points (C).
    2019: 长安区 posts high_tech_enterprises 40 (knot 40→8: 8 points) and its registry counts as of
    2019-12-31: key lab provincial 1 + enterprise tech centre national 2 + provincial 1 (revoked only
    on 2020-12-31) = 4; maker space national 1 + academician workstation 0.5 = 1.5; the 2019
    municipal commendation 1. Total 8 + 4 + 1.5 + 1 = 14.5 (C). 桥西区 posts 100 enterprises (10)
    and an assessed management score of 5: 15 (C). 新华区 10 enterprises: 5 (C).
    """
    await seed_regions(api)
    await seed_period(api, 2019)
    await seed_period(api, 2020)
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"))
    await post_document(api, doc, CHANGAN)
    rows = [
        (2020, QIAOXI, "high_tech_enterprises", 100),
        (2020, XINHUA, "high_tech_enterprises", 10),
        (2019, CHANGAN, "high_tech_enterprises", 40),
        (2019, QIAOXI, "high_tech_enterprises", 100),
        (2019, QIAOXI, "st_management_innovation_score", 5),
        (2019, XINHUA, "high_tech_enterprises", 10),
    ]
    for year, region, element, value in rows:
        r = await api.put(f"/data/{year}/{region}/{element}", json={"value": value})
        assert r.status_code in (200, 201), r.text


AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# ------------------------------------------------------------------------------ landing, docs


async def test_landing_page_links_docs_reports_health_and_openapi(web: httpx.AsyncClient) -> None:
    r = await web.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for link in ('href="/docs"', 'href="/redoc"', 'href="/openapi.json"', 'href="/healthz"', 'href="/login"'):
        assert link in r.text
    assert "innomon" in r.text and "0.1.0" in r.text


async def test_the_api_address_serve_prints_leads_to_the_docs(web: httpx.AsyncClient) -> None:
    for path in ("/api/v1", "/api/v1/"):
        r = await web.get(path)
        assert r.status_code == 307 and r.headers["location"] == "/docs", path


async def test_docs_and_redoc_load_their_assets_from_this_service(web: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        r = await web.get(page)
        assert r.status_code == 200, page
        assert other_hosts(r.text) == set(), (page, other_hosts(r.text))
        assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert assets, page
        for url in assets:
            a = await web.get(url)
            assert a.status_code == 200, url
            assert len(a.content) > 1000, url  # the real bundles, not an empty stand-in
    assert "/openapi.json" in (await web.get("/docs")).text
    redoc = await web.get("/static/docs/redoc.standalone.js")
    assert b"cdn.redoc.ly" not in redoc.content and len(redoc.content) > 500_000


async def test_no_page_names_another_host(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    for path in (
        "/",
        "/login",
        "/docs",
        "/redoc",
        "/docs/oauth2-redirect",
        f"/reports/2020/{CHANGAN}",
        f"/reports/2020/{CHANGAN}?lang=en",
        f"/reports/2020?parent={SJZ}",
    ):
        r = await web.get(path, headers=AUTH)
        assert r.status_code == 200, (path, r.text[:300])
        assert other_hosts(r.text) == set(), (path, other_hosts(r.text))
        # and the browser is told to fetch nothing from anywhere else
        policy = r.headers["content-security-policy"]
        assert policy.startswith(
            "default-src 'none'"
            if not path.startswith("/docs") and path != "/redoc"
            else "default-src 'self'"
        )
        assert "http" not in policy and "*" not in policy, policy


async def test_pages_stay_out_of_the_api_contract(web: httpx.AsyncClient) -> None:
    paths = (await web.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p in ("/", "/login", "/logout", "/docs") or p.startswith("/reports")]


# ---------------------------------------------------------------------------------- sign-in


async def sign_in(web: httpx.AsyncClient, token: str, next_url: str = "/") -> httpx.Response:
    return await web.post("/login", data={"token": token, "next": next_url})


def cookie_header(r: httpx.Response) -> str:
    return next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE_NAME))


async def test_sign_in_sets_a_strict_http_only_cookie_for_eight_hours(web: httpx.AsyncClient) -> None:
    assert (await web.get("/login")).status_code == 200
    r = await sign_in(web, ADMIN_TOKEN, "/reports/2020")
    assert r.status_code == 303 and r.headers["location"] == "/reports/2020"
    header = cookie_header(r).lower()
    assert "httponly" in header and "samesite=strict" in header and "path=/" in header
    assert "max-age=28800" in header  # 8 h × 3600 s
    assert "secure" not in [p.strip() for p in header.split(";")]  # served over plain http here
    assert ADMIN_TOKEN not in cookie_header(r)  # the cookie never carries the key itself


async def test_cookie_is_secure_when_served_over_https(api: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(transport=api._transport, base_url="https://innomon.test") as web:
        r = await sign_in(web, ADMIN_TOKEN)
    assert r.status_code == 303
    assert "secure" in [p.strip().lower() for p in cookie_header(r).split(";")]


async def test_sign_in_with_a_bad_key_is_refused_and_sets_nothing(web: httpx.AsyncClient) -> None:
    r = await sign_in(web, "inm_not-a-key")
    assert r.status_code == 401 and "set-cookie" not in r.headers
    assert "unknown or revoked" in r.text
    assert (await web.post("/login", data={})).status_code == 422  # no token field


async def test_sign_in_never_redirects_to_another_host(web: httpx.AsyncClient) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = await sign_in(web, ADMIN_TOKEN, target)
        assert r.status_code == 303 and r.headers["location"] == "/", target


async def test_the_cookie_reads_reports_but_not_the_api(
    api: httpx.AsyncClient, web: httpx.AsyncClient
) -> None:
    await world(api)
    r = await sign_in(web, ADMIN_TOKEN)
    assert COOKIE_NAME in web.cookies
    assert (await web.get(f"/reports/2020/{CHANGAN}")).status_code == 200
    assert (await web.get(f"/reports/2020?parent={SJZ}")).status_code == 200
    # the API reads only the Authorization header: every write (and read) with the cookie alone is 401
    for method, path, body in (
        (
            "POST",
            "/api/v1/regions",
            {
                "code": "130108",
                "name_zh": "裕华区",
                "name_en": "Yuhua",
                "level": "county",
                "parent_code": SJZ,
            },
        ),
        ("PUT", f"/api/v1/data/2020/{CHANGAN}/tech_smes", {"value": 1}),
        ("PUT", "/api/v1/periods/2021", {"scheme": "hebei-county-2019"}),
        ("DELETE", "/api/v1/platforms/1", None),
        ("GET", f"/api/v1/scores/2020/{CHANGAN}", None),
    ):
        r = await web.request(method, path, json=body)
        assert_problem(r, 401)
    assert (await api.get("/regions/130108")).status_code == 404  # nothing was written
    values = {v["element"]: v["value"] for v in (await api.get(f"/data/2020/{CHANGAN}")).json()["values"]}
    assert values["tech_smes"] == 300


async def test_reports_without_a_session_send_a_browser_to_sign_in(
    api: httpx.AsyncClient, web: httpx.AsyncClient
) -> None:
    await world(api)
    r = await web.get(f"/reports/2020/{CHANGAN}?lang=en", headers=HTML)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=%2Freports%2F2020%2F{CHANGAN}%3Flang%3Den"
    assert_problem(await web.get(f"/reports/2020/{CHANGAN}"), 401)  # a program gets a problem
    assert (await web.get(f"/reports/2020/{CHANGAN}", headers=AUTH)).status_code == 200  # or sends its key


async def test_a_session_ends_after_eight_hours(
    api: httpx.AsyncClient, web: httpx.AsyncClient, engine: Engine
) -> None:
    await world(api)
    app = api._transport.app  # type: ignore[attr-defined]
    secret = app.state.settings.session_secret
    from app.api.session_cookie import session_secret

    key = _key(engine, "bootstrap-admin")
    signed = session_secret(app.state.settings)
    assert secret is None  # the test settings leave it unset: a per-process secret signs
    just_in = make_cookie(signed, key[0], key[1], now=time.time() - (8 * 3600 - 60))  # 7 h 59 min ago
    expired = make_cookie(signed, key[0], key[1], now=time.time() - (8 * 3600 + 1))  # 8 h 1 s ago
    url = f"/reports/2020/{CHANGAN}"
    assert (await get_with_cookie(web, url, just_in)).status_code == 200
    assert_problem(await get_with_cookie(web, url, expired), 401)
    assert SESSION_SECONDS == 8 * 3600


async def test_a_forged_or_altered_cookie_is_refused(
    api: httpx.AsyncClient, web: httpx.AsyncClient, engine: Engine
) -> None:
    await world(api)
    key = _key(engine, "bootstrap-admin")
    url = f"/reports/2020/{CHANGAN}"
    forged = make_cookie(b"another secret", key[0], key[1])
    assert_problem(await get_with_cookie(web, url, forged), 401)
    r = await sign_in(web, ADMIN_TOKEN)
    good = r.cookies[COOKIE_NAME]
    payload, _, signature = good.partition(".")
    body = json.loads(_unb64(payload))
    body["exp"] += 3600  # stretch the session by an hour, keeping the signature
    stretched = _b64(json.dumps(body, separators=(",", ":")).encode()) + "." + signature
    web.cookies.clear()
    assert_problem(await get_with_cookie(web, url, stretched), 401)
    assert read_cookie(b"x", "garbage") is None


async def test_revoking_the_key_ends_its_sessions(
    api: httpx.AsyncClient, web: httpx.AsyncClient, engine: Engine
) -> None:
    await world(api)
    with session_scope(writer(engine)) as session:
        scheme = schemes.get_scheme(session, "hebei-county-2019")
        _, token = access.create_key(session, scheme, "reader", "reader")
    assert (await sign_in(web, token)).status_code == 303
    url = f"/reports/2020/{CHANGAN}"
    assert (await web.get(url)).status_code == 200
    with session_scope(writer(engine)) as session:
        access.revoke_key(session, "reader")
    # no cache to forget: the cookie's key is looked up on every use
    r = await web.get(url)
    assert_problem(r, 401)
    assert "revoked" in r.json()["detail"]
    assert (await sign_in(web, token)).status_code == 401


async def test_sign_out_removes_the_cookie(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    await sign_in(web, ADMIN_TOKEN)
    r = await web.post("/logout")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert COOKIE_NAME not in web.cookies
    assert_problem(await web.get(f"/reports/2020/{CHANGAN}"), 401)


async def get_with_cookie(web: httpx.AsyncClient, url: str, value: str) -> httpx.Response:
    web.cookies.clear()
    web.cookies.set(COOKIE_NAME, value)
    return await web.get(url)


def _key(engine: Engine, name: str) -> tuple[int, str]:
    with session_scope(writer(engine)) as session:
        from sqlmodel import select

        key = session.exec(select(ApiKey).where(ApiKey.name == name)).one()
        assert key.id is not None
        return key.id, key.token_hash


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ------------------------------------------------------------------------------- the reports


async def test_county_report_shows_the_worked_example(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    r = await web.get(f"/reports/2020/{CHANGAN}", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page, text = r.text, text_of(r.text)
    assert "长安区" in text and "数据年度 2020" in text and "评价轮次 2021" in text
    assert "hebei-county-2019" in text and "草稿" in text  # the period is open: a draft
    assert 'id="total">62.20<' in page and 'id="tier">B<' in page
    # 2019 total 14.5 (see `world`): 62.2 - 14.5 = 47.7
    assert "较上年 ▲ +47.70" in text
    # three districts in the city and in the province: 62.2 > 10 > 5
    assert "市内排名 (石家庄市): 第 1 名 / 共 3 个" in text
    assert "全省排名 (河北省): 第 1 名 / 共 3 个" in text
    # dimensions with the city median of the three districts (长安 / 桥西 / 新华):
    # entities 17 / 10 / 5 -> median 10; management 10 / 0 / 0 -> 0; input 15.5 / 0 / 0 -> 0
    assert "创新投入 15.50 20 0.00 0.00" in text
    assert "创新主体 17.00 25 10.00 10.00" in text
    assert "创新管理 10.00 15 0.00 0.00" in text
    # 17 indicator rows; the worked example's lines: value, points / max, lost, department, change
    table = page.split('class="indicators"')[1].split("</table>")[0]
    assert table.count("<tr>") == 18  # header + 17
    assert "高新技术企业数量 70 家 9.00 / 10" in text
    assert "地方财政科技支出 3,000 万元 3.50 / 5" in text and "1.50 区财政局" in text
    assert "万人有效发明专利拥有量 6.3333 件/万人 4.94 / 6" in text
    assert "科技管理机构情况 合署办公 3.00 / 5" in text  # example.json: merged_office 2 + leading group 1
    # high_tech_enterprises: 9 in 2020 against 8 in 2019 (40 enterprises)
    assert "高新技术企业数量 70 家 9.00 / 10 1.00 区科技局 ▲ +1.00" in text
    # the largest losses: parks 6 - 0 = 6; service institutions 6 - 1.5 = 4.5; platforms 8 - 3 = 5
    weak = text.split("薄弱指标")[1].split("晋级路径")[0]
    assert (
        weak.index("省级以上创新园区") < weak.index("省级以上科技创新平台") < weak.index("创新创业服务机构")
    )
    assert "距 A 类还差 17.80 分" in text  # 80 - 62.2
    assert "无缺失数据" in text
    assert re.search(r"数据版本 2020/\d+", text)
    # the chart: inline SVG with a title and a text description, the numbers also in the table
    assert re.search(r"<svg[^>]*role=\"img\"[^>]*>\s*<title", page)
    assert "<desc" in page and "<script" not in page


async def test_county_report_in_english_and_missing_data(
    api: httpx.AsyncClient, web: httpx.AsyncClient
) -> None:
    await world(api)
    text = text_of((await web.get(f"/reports/2020/{XINHUA}?lang=en", headers=AUTH)).text)
    assert "Xinhua District" in text and "Rank in the city (Shijiazhuang City): 3 of 3" in text
    # only high_tech_enterprises posted: every other element is missing, e.g. the finance bureau's
    assert "Missing data by department" in text and "Finance Bureau" in text
    assert "fiscal_st_expenditure" in text and "public_expenditure" in text
    assert "data incomplete" in text


async def test_bulletin_reports_the_round(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    r = await web.get(f"/reports/2020?parent={SJZ}", headers=AUTH)
    assert r.status_code == 200
    text = text_of(r.text)
    assert "石家庄市" in text and "参评地区 3" in text
    # tiers: 2020 B 1 (长安 62.2), C 2; 2019 all three C
    assert "A · A类（第一梯队） 0 0 +0" in text
    assert "B · B类（第二梯队） 1 0 +1" in text
    assert "C · C类（第三梯队） 2 3 -1" in text
    assert "升类 (1) 长安区: C → B" in text and "降类 (0)" in text
    # ranks 2019: 桥西 15 (1), 长安 14.5 (2), 新华 5 (3); 2020: 长安 1, 桥西 2, 新华 3
    assert "上升 1–4 位 1 长安区 (2→1)" in text
    assert "下降 1–4 位 1 桥西区 (1→2)" in text
    assert "位次不变 1 新华区 (3→3)" in text
    # means: 2020 (62.2 + 10 + 5) / 3 = 25.733 -> 25.73; 2019 (14.5 + 15 + 5) / 3 = 11.50
    assert "范围内平均 3 25.73 11.50 ▲ +14.23" in text
    assert "石家庄市 3 25.73 11.50 ▲ +14.23" in text
    # every county: rank, total, tier, five dimensions, change, inputs received of 17 expected
    assert "1 长安区 62.20 B 15.50 17.00 8.50 11.20 10.00 ▲ +47.70 17/17" in text
    assert "2 桥西区 10.00 C 0.00 10.00 0.00 0.00 0.00 ▼ -5.00 1/17" in text
    assert "3 新华区 5.00 C 0.00 5.00 0.00 0.00 0.00 = 0.00 1/17" in text
    assert "A 类名单（按得分排序） 无" in text


async def test_unknown_year_or_region_is_a_problem(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    assert_problem(await web.get(f"/reports/1999/{CHANGAN}", headers=AUTH), 404)
    assert_problem(await web.get("/reports/2020/139999", headers=AUTH), 404)
    assert_problem(await web.get("/reports/2020?parent=139999", headers=AUTH), 404)
    body = assert_problem(await web.get(f"/reports/2020/{CHANGAN}?format=docx", headers=AUTH), 422)
    assert "format" in json.dumps(body)
    assert_problem(await web.get(f"/reports/2020/{CHANGAN}?lang=fr", headers=AUTH), 422)


async def test_a_report_follows_a_write(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    url = f"/reports/2020/{XINHUA}"
    first = await web.get(url, headers=AUTH)
    assert 'id="total">5.00<' in first.text
    cache = api._transport.app.state.reports["html"]  # type: ignore[attr-defined]
    made = [k for k in cache.data if k[:3] == ("county", 2020, XINHUA)]
    assert len(made) == 1  # kept, keyed by the data versions it was made from
    assert (await web.get(url, headers=AUTH)).content == first.content  # served from the cache
    r = await api.put(f"/data/2020/{XINHUA}/high_tech_enterprises", json={"value": 40})
    assert r.status_code == 200
    assert 'id="total">8.00<' in (await web.get(url, headers=AUTH)).text  # knot 40 -> 8


async def test_a_published_year_says_so_with_its_time(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    r = await api.post(
        "/periods/2020/lock", json={"force": True, "reason": "published without the approval workflow"}
    )
    assert r.status_code == 200, r.text
    published_at = r.json()["published_at"]  # e.g. 2026-11-27T11:30:05.123456Z
    day, hm = published_at[:10], published_at[11:16]
    for url in (f"/reports/2020/{CHANGAN}", f"/reports/2020?parent={SJZ}"):
        text = text_of((await web.get(url, headers=AUTH)).text)
        assert "数据状态: 已发布" in text and "草稿" not in text, url
        assert f"发布时间 {day} {hm}" in text, url  # shown in the server's zone: UTC here
    # the published report is the snapshot's: the same worked-example total
    assert 'id="total">62.20<' in (await web.get(f"/reports/2020/{CHANGAN}", headers=AUTH)).text


async def test_odd_but_valid_addresses_answer(api: httpx.AsyncClient, web: httpx.AsyncClient) -> None:
    await world(api)
    # the bulletin of every region, the landing in English
    for url in (
        "/reports/2020",
        "/reports/2019?lang=en",
        "/?lang=en",
        "/login?next=//x",
    ):
        r = await web.get(url, headers=AUTH)
        assert r.status_code == 200, (url, r.text[:300])
    text = text_of((await web.get("/reports/2020", headers=AUTH)).text)
    assert "全部地区" in text and "参评地区 3" in text
    # a city is not scored under the county scheme: no county report of it
    r = await web.get(f"/reports/2020/{SJZ}", headers=AUTH)
    assert r.status_code == 422 and "130100 石家庄市 is a city" in r.json()["detail"]
    # a year without a previous one: no changes to show, nothing invented
    text = text_of((await web.get(f"/reports/2019/{CHANGAN}", headers=AUTH)).text)
    assert (
        "较上年 –" in text
        and 'id="total">14.50<' in (await web.get(f"/reports/2019/{CHANGAN}", headers=AUTH)).text
    )
