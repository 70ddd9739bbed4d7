"""Every indicator's sentence, in Chinese and in English, for inputs whose points were worked out
by hand from the seed's table (Hebei) or the test scheme's (step, lower-is-better).

Worked examples (linear between two knots: s0 + (v - t0) / (t1 - t0) x (s1 - s0)):
- 地方财政科技支出 3000 万元: knots 1000 -> 3, 5000 -> 4: 3 + 2000/4000 = 3.5
- 财政科技支出占比 3000 / 200000 = 1.5 %: knots 1 % -> 6, 2 % -> 8: 6 + 0.5 x 2 = 7
- 单位产值能耗 35 / 100 = 0.35: knots 0.2 -> 4, 0.5 -> 2: 4 - 0.15 / 0.3 x 2 = 3
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings

from app.domain import Facts, RegistryItem, score
from app.domain.elements import Named
from app.domain.labels import RegionNames, label_breakdown
from app.domain.loader import load_scheme_file
from app.domain.scheme import Scheme
from tests.unit.helpers import award, hebei, platform
from tests.unit.test_properties import facts as random_facts

D = Decimal
STEPS = load_scheme_file("tests/schemes/test-county-steps.toml")


def sentences(scheme: Scheme, values: dict, items: tuple[RegistryItem, ...] = ()) -> dict:
    body = label_breakdown(score(scheme, Facts(2020, values, items)).to_dict(), scheme, None)
    return {
        i["code"]: (i["sentence_zh"], i["sentence_en"]) for d in body["dimensions"] for i in d["indicators"]
    }


HEBEI_CASES = [
    (
        "fiscal_st_expenditure",
        {"fiscal_st_expenditure": D(3000)},
        "地方财政科技支出 3000 万元，介于 1000 与 5000 万元之间（3 至 4 分），按线性插值得 3.5 分（满分 5 分）",
        "Local fiscal expenditure on S&T 3000 × 10,000 yuan, between 1000 and 5000 × 10,000 yuan "
        "(3 to 4 points), scores 3.5 of 5 points (linear interpolation)",
    ),
    (
        "fiscal_st_share",
        {"fiscal_st_expenditure": D(3000), "public_expenditure": D(200000)},
        "地方财政科技支出占公共财政支出的比重 1.5%，介于 1% 与 2% 之间（6 至 8 分），按线性插值得 7 分（满分 8 分）",
        "Fiscal S&T expenditure as a share of public expenditure 1.5 %, between 1 % and 2 % "
        "(6 to 8 points), scores 7 of 8 points (linear interpolation)",
    ),
    (
        "high_tech_enterprises",
        {"high_tech_enterprises": D(120)},
        "高新技术企业数量 120 家，达到 100 家及以上，得满分 10 分",
        "High-tech enterprises 120 enterprises, at or above 100 enterprises, scores the full 10 points",
    ),
    (
        "tech_smes",
        {"tech_smes": D(500)},
        "科技型中小企业数量 500 家，恰好达到 500 家，得 5 分（满分 7 分）",
        "Technology-based SMEs 500 enterprises, exactly 500 enterprises, scores 5 of 7 points",
    ),
    (
        "fiscal_st_expenditure",
        {},
        "地方财政科技支出：缺少数据：地方财政科技支出（区财政局），得 0 分（满分 5 分）",
        "Local fiscal expenditure on S&T: missing data: Local fiscal expenditure on S&T (Finance Bureau); "
        "scores 0 of 5 points",
    ),
    (
        "rd_intensity",
        {"industrial_rd_expenditure": D(10)},
        "规上工业企业R&D经费支出占主营业务收入的比重：缺少数据：规上工业企业主营业务收入（区统计局），"
        "得 0 分（满分 7 分）",
        "R&D expenditure of industrial enterprises as a share of their main business revenue: missing data: "
        "Main business revenue of industrial enterprises above designated size (Statistics Bureau); "
        "scores 0 of 7 points",
    ),
    (
        # a zero denominator stored before the rule refused it: invalid, not missing
        "fiscal_st_share",
        {"fiscal_st_expenditure": D(3000), "public_expenditure": D(0)},
        "地方财政科技支出占公共财政支出的比重：数据无效：地方公共财政支出为 0，不能作分母，得 0 分（满分 8 分）",
        "Fiscal S&T expenditure as a share of public expenditure: invalid data: Local general public "
        "budget expenditure is 0 and cannot be a denominator; scores 0 of 8 points",
    ),
    (
        "st_admin_body",
        {"st_admin_body": "merged_office", "st_leading_group": True},
        "科技管理机构情况：科技行政管理机构设置为“合署办公”（2 分），成立科技创新工作领导小组为“是”（1 分），"
        "得 3 分（满分 5 分）",
        'S&T administration body: S&T administration body is "Merged office" (2 points); '
        'S&T innovation leading group established is "yes" (1 point); scores 3 of 5 points',
    ),
    (
        "st_admin_body",
        {"st_admin_body": "independent"},
        "科技管理机构情况：科技行政管理机构设置为“独立行政科技管理部门”（4 分），"
        "成立科技创新工作领导小组缺少数据（0 分），得 4 分（满分 5 分）",
        'S&T administration body: S&T administration body is "Independent S&T administration" (4 points); '
        "S&T innovation leading group established missing (0 points); scores 4 of 5 points",
    ),
    (
        "st_admin_body",
        {},
        "科技管理机构情况：缺少数据：科技行政管理机构设置（区科技局）、成立科技创新工作领导小组（区科技局），"
        "得 0 分（满分 5 分）",
        "S&T administration body: missing data: S&T administration body (Science and Technology Bureau), "
        "S&T innovation leading group established (Science and Technology Bureau); scores 0 of 5 points",
    ),
    (
        "st_management_innovation",
        {"st_management_innovation_score": D("3.5")},
        "科技管理创新情况：评估得分 3.5 分，得 3.5 分（满分 5 分）",
        "S&T management innovation: assessed at 3.5 points, scores 3.5 of 5 points",
    ),
    (
        "parks_and_bases",
        {},
        "省级以上创新园区、基地建设情况：本年度无计分项目，得 0 分（满分 6 分）",
        "Provincial-level and above innovation parks and bases: nothing that scores in the year, "
        "scores 0 of 6 points",
    ),
]


@pytest.mark.parametrize(("code", "values", "zh", "en"), HEBEI_CASES)
def test_hebei_sentences(code: str, values: dict, zh: str, en: str) -> None:
    assert sentences(hebei(), values)[code] == (zh, en)


def test_tally_sentence_lists_items_by_level_and_type() -> None:
    """国家级重点实验室 2 + 省级企业技术中心 2 x 1 + 市级重点实验室 0 (the seed scores municipal nothing)."""
    items = (
        platform("key_lab", "national", "2018-05-01"),
        platform("enterprise_tech_center", "provincial", "2019-01-01"),
        platform("enterprise_tech_center", "provincial", "2020-12-31"),
        platform("key_lab", "municipal", "2017-01-01"),
    )
    assert sentences(hebei(), {}, items)["innovation_platforms"] == (
        "省级以上科技创新平台建设情况：国家级重点实验室 1 家（每家 2 分）、省级企业技术中心 2 家（每家 1 分）、"
        "市级重点实验室 1 家（不计分），合计 4 分，得 4 分（满分 8 分）",
        "Provincial-level and above S&T innovation platforms: national key laboratory × 1 (2 points each), "
        "provincial enterprise technology centre × 2 (1 point each), municipal key laboratory × 1 "
        "(scores nothing); 4 points in all, scores 4 of 8 points",
    )


def test_tally_sentence_with_an_extra_element_and_the_cap() -> None:
    """国家级科技奖励 3 + 国家级通报表彰 3 + 酌情 1 = 7, capped at 5."""
    items = (award("st_award", "national", "2020-03-01"), award("commendation", "national", "2020-09-09"))
    assert sentences(hebei(), {"other_award_points": D(1)}, items)["higher_level_support"] == (
        "争取上级支持与奖励：国家级科技奖励 1 项（每项 3 分）、国家级通报表彰 1 项（每项 3 分）、"
        "其他部门行业奖励和表彰酌情得分 1 分，合计 7 分，超过上限 5 分，得满分 5 分",
        "Higher-level support and awards won: national S&T award × 1 (3 points each), national commendation "
        "× 1 (3 points each), Other departmental awards and commendations (assessed) 1 point; "
        "7 points in all, capped at 5, scores the full 5 points",
    )


STEPS_CASES = [
    (
        "rd_staff",
        {"rd_staff": D(60)},
        "R&D人员 60 人，处于 50 人及以上、不足 100 人一档（按档计分），得 4 分（满分 6 分）",
        "R&D staff 60 persons, in the bracket from 50 persons to below 100 persons (points by bracket), "
        "scores 4 of 6 points",
    ),
    (
        "rd_staff",
        {"rd_staff": D(150)},
        "R&D人员 150 人，达到最高档（100 人及以上），得满分 6 分",
        "R&D staff 150 persons, in the top bracket (100 persons or more), scores the full 6 points",
    ),
    (
        "energy_intensity",
        {"energy_use": D(35), "industrial_output": D(100)},
        "单位产值能耗 0.35 吨标准煤/万元，介于 0.2 与 0.5 吨标准煤/万元之间（4 至 2 分，越低越好），"
        "按线性插值得 3 分（满分 4 分）",
        "Energy use per unit of output 0.35 t of standard coal per 10,000 yuan, between 0.2 and 0.5 "
        "t of standard coal per 10,000 yuan (4 to 2 points, lower is better), scores 3 of 4 points "
        "(linear interpolation)",
    ),
    (
        "energy_intensity",
        {"energy_use": D(10), "industrial_output": D(100)},
        "单位产值能耗 0.1 吨标准煤/万元，低于 0.2 吨标准煤/万元（越低越好），得满分 4 分",
        "Energy use per unit of output 0.1 t of standard coal per 10,000 yuan, below 0.2 t of standard coal "
        "per 10,000 yuan (lower is better), scores the full 4 points",
    ),
    (
        "energy_intensity",
        {"energy_use": D(120), "industrial_output": D(100)},
        "单位产值能耗 1.2 吨标准煤/万元，达到 1 吨标准煤/万元及以上（越低越好），得 0 分（满分 4 分）",
        "Energy use per unit of output 1.2 t of standard coal per 10,000 yuan, at or above 1 t of standard "
        "coal per 10,000 yuan (lower is better), scores 0 of 4 points",
    ),
    (
        "energy_intensity",
        {"energy_use": D(35)},
        "单位产值能耗：缺少数据：规上工业总产值（区统计局），得 0 分（满分 4 分）",
        "Energy use per unit of output: missing data: Gross industrial output above designated size "
        "(Statistics Bureau); scores 0 of 4 points",
    ),
    (
        "admin",
        {"st_admin_body": "none", "st_leading_group": False},
        "科技管理机构：科技管理机构为“无”（0 分），科技领导小组为“否”（0 分），得 0 分（满分 5 分）",
        'S&T administration body: S&T administration body is "None" (0 points); S&T leading group is "no" '
        "(0 points); scores 0 of 5 points",
    ),
]


@pytest.mark.parametrize(("code", "values", "zh", "en"), STEPS_CASES)
def test_step_and_lower_is_better_sentences(code: str, values: dict, zh: str, en: str) -> None:
    assert sentences(STEPS, values)[code] == (zh, en)


def test_a_stored_breakdown_gets_the_same_sentences_and_names_as_a_new_one() -> None:
    """Read back from JSON (floats, as a published snapshot stores it), the labels are the same."""
    scheme = hebei()
    facts = Facts(
        2020,
        {"fiscal_st_expenditure": D(3000), "public_expenditure": D(200000), "st_admin_body": "nameplate"},
        (platform("key_lab", "provincial", "2019-01-01"),),
    )
    region = RegionNames(
        "130102", "长安区", "Chang'an District", "county", Named("130100", "石家庄市", "Shijiazhuang")
    )
    made = label_breakdown(score(scheme, facts, "130102").to_dict(), scheme, region)
    stored = json.loads(json.dumps(score(scheme, facts, "130102").to_dict()))
    assert label_breakdown(stored, scheme, region) == made


def test_codes_come_with_their_names() -> None:
    scheme = hebei()
    facts = Facts(
        2020,
        {"st_admin_body": "merged_office", "fiscal_st_expenditure": D(3000)},
        (platform("key_lab", "provincial", "2019-01-01"),),
    )
    region = RegionNames(
        "130102", "长安区", "Chang'an District", "county", Named("130100", "石家庄市", "Shijiazhuang")
    )
    body = label_breakdown(score(scheme, facts, "130102").to_dict(), scheme, region)
    assert (body["region_name_zh"], body["region_level_name_zh"], body["region_parent"]["name_zh"]) == (
        "长安区",
        "县级",
        "石家庄市",
    )
    rows = {i["code"]: i for d in body["dimensions"] for i in d["indicators"]}
    admin = rows["st_admin_body"]
    assert (admin["value"], admin["value_label_zh"], admin["value_label_en"]) == (
        "merged_office",
        "合署办公",
        "Merged office",
    )
    assert (admin["unit"], admin["unit_zh"], admin["unit_en"]) == ("", None, None)
    assert admin["explanation"]["choice_name_zh"] == "合署办公"
    assert admin["department_names"] == [
        {"code": "science_tech", "name_zh": "区科技局", "name_en": "Science and Technology Bureau"}
    ]
    flag = {i["code"]: i for i in admin["input_details"]}["st_leading_group"]
    assert (flag["name_zh"], flag["value"], flag["value_label_zh"]) == (
        "成立科技创新工作领导小组",
        None,
        None,
    )
    assert admin["missing_input_names"][0]["department"]["name_zh"] == "区科技局"
    fiscal = rows["fiscal_st_expenditure"]
    assert (fiscal["value_label_zh"], fiscal["value_label_en"]) == ("3000 万元", "3000 × 10,000 yuan")
    item = rows["innovation_platforms"]["explanation"]["items"][0]
    assert (item["type_name_zh"], item["level_name_zh"], item["level_name_en"]) == (
        "重点实验室",
        "省级",
        "Provincial",
    )
    missing = {d["code"]: d for d in body["missing_by_department_named"]}
    assert missing["approval"]["name_zh"] == "区审批局"
    assert [e["name_zh"] for e in missing["approval"]["elements"]] == ["工商注册企业数量"]


def test_sentence_numbers_have_no_trailing_zeros_or_exponent() -> None:
    """1E+4 万元 posted as 10000.00: written 10000, never 1E+4 or 10000.00."""
    zh, en = sentences(hebei(), {"fiscal_st_expenditure": D("10000.00")})["fiscal_st_expenditure"]
    assert zh == "地方财政科技支出 10000 万元，达到 10000 万元及以上，得满分 5 分"
    assert "E+" not in en and ".00" not in en


@settings(max_examples=150, deadline=None)
@given(random_facts())
def test_every_sentence_states_the_points_the_indicator_scored(f: Facts) -> None:
    """On random region-years (a quarter of the inputs missing, random registries): every
    indicator's sentence, in both languages, ends on the points the engine gave it, shows no
    exponent, and reads the same when the breakdown comes back from stored JSON."""
    scheme = hebei()
    made = score(scheme, f).to_dict()
    stored = json.loads(json.dumps(made))
    body = label_breakdown(made, scheme, None)
    for d in body["dimensions"]:
        for i in d["indicators"]:
            s, m = D(str(i["score"])).normalize(), D(str(i["max"])).normalize()
            s_text, m_text = format(s, "f"), format(m, "f")
            if s == m:
                zh, en = f"得满分 {m_text} 分", f"scores the full {m_text} points"
            else:
                zh, en = f"得 {s_text} 分（满分 {m_text} 分）", f"scores {s_text} of {m_text} points"
            assert i["sentence_zh"].endswith(zh), i["sentence_zh"]
            assert en in i["sentence_en"], i["sentence_en"]
            assert "E+" not in i["sentence_zh"] + i["sentence_en"]
    assert label_breakdown(stored, scheme, None) == body
