"""A small province for the review tests: Hebei, two cities, six counties, periods 2019 and 2020,
and a key per role of the approval workflow."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from app.db.engine import session_scope, writer
from app.services import access, schemes
from tests.api.helpers import CHANGAN, HEBEI, QIAOXI, SJZ, XINHUA, seed_period, seed_regions

TANGSHAN, LUNAN = "130200", "130202"
#: three more districts of Shijiazhuang, so that the city has six counties to compare
YUHUA, GAOCHENG, LUQUAN = "130108", "130109", "130110"
SJZ_COUNTIES = (CHANGAN, QIAOXI, XINHUA, YUHUA, GAOCHENG, LUQUAN)

KEYS = {
    # name: (role, departments, region)
    "coordinator-changan": ("coordinator", [], CHANGAN),
    "coordinator-qiaoxi": ("coordinator", [], QIAOXI),
    "coordinator-sjz": ("coordinator", [], SJZ),
    "approver-sjz": ("approver", [], SJZ),
    "approver-tangshan": ("approver", [], TANGSHAN),
    "approver-hebei": ("approver", [], HEBEI),
    "statistics-sjz": ("department", ["statistics"], SJZ),
    "science-sjz": ("department", ["science_tech"], SJZ),
    "approval-sjz": ("department", ["approval"], SJZ),
    "finance-sjz": ("department", ["finance"], SJZ),
    "reader": ("reader", [], None),
}


async def seed_province(api: httpx.AsyncClient, engine: Engine) -> dict[str, dict[str, str]]:
    """Regions, periods 2019 and 2020, and the keys above; returns each key's headers by name."""
    await seed_regions(api)
    for code, zh, en, level, parent in (
        (YUHUA, "裕华区", "Yuhua District", "county", SJZ),
        (GAOCHENG, "藁城区", "Gaocheng District", "county", SJZ),
        (LUQUAN, "鹿泉区", "Luquan District", "county", SJZ),
        (TANGSHAN, "唐山市", "Tangshan City", "city", HEBEI),
        (LUNAN, "路南区", "Lunan District", "county", TANGSHAN),
    ):
        body = {"code": code, "name_zh": zh, "name_en": en, "level": level, "parent_code": parent}
        assert (await api.post("/regions", json=body)).status_code == 201
    await seed_period(api, 2019)
    await seed_period(api, 2020)
    headers = {"admin": dict(api.headers)}
    with session_scope(writer(engine)) as session:
        scheme = schemes.get_scheme(session, "hebei-county-2019")
        for name, (role, depts, region) in KEYS.items():
            _, token = access.create_key(session, scheme, name, role, depts, region)
            headers[name] = {"Authorization": f"Bearer {token}"}
    return headers
