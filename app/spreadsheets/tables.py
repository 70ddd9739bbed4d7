"""How each exported answer becomes tables: one function per endpoint, from the answer as JSON
(the same dict the endpoint returns) to sheets of rows. Labels come from the scheme."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from app.domain.loader import builtin_schemes
from app.domain.scheme import Scheme
from app.spreadsheets.write import Column, Table

Tables = Callable[[Mapping[str, Any]], list[Table]]


def _scheme(body: Mapping[str, Any]) -> Scheme | None:
    code = body.get("scheme")
    return builtin_schemes().get(code) if isinstance(code, str) else None


def _dimension_names(body: Mapping[str, Any]) -> dict[str, str]:
    scheme = _scheme(body)
    return {d.code: d.name_zh for d in scheme.dimensions} if scheme else {}


def _element_names(body: Mapping[str, Any]) -> dict[str, str]:
    scheme = _scheme(body)
    return {e.code: e.name_zh for e in scheme.elements.values()} if scheme else {}


def _status(item: Mapping[str, Any]) -> str | None:
    status = item.get("status")
    return f"{status['zh']} / {status['en']}" if isinstance(status, Mapping) else None


def aggregate_ranking(body: Mapping[str, Any]) -> list[Table]:
    """A ranking of cities (or provinces): the aggregates of the scored regions below each."""
    items = body.get("items", [])
    scheme = _scheme(body)
    tiers = [t.code for t in scheme.tiers] if scheme else sorted({t for i in items for t in i["tiers"]})
    columns = [
        Column("rank", "排名", "integer", 6),
        Column("region", "地区代码", "text", 10),
        Column("name_zh", "地区名称", "text", 16),
        Column("name_en", "英文名称", "text", 20),
        Column("level", "级别"),
        Column("parent_code", "上级地区代码"),
        Column("regions", "参评地区数", "integer"),
        Column("mean", "平均分", "points"),
        Column("median", "中位数", "points"),
        *(Column(f"tiers.{t}", f"{t}类数量", "integer") for t in tiers),
        Column("status", "状态", "text", 24),
    ]
    rows = [
        [i["rank"], i["region"], i["name_zh"], i["name_en"], i["level"], i["parent_code"]]
        + [i["regions"], i["mean"], i["median"]]
        + [i["tiers"].get(t, 0) for t in tiers]
        + [_status(i)]
        for i in items
    ]
    return [Table("排名", columns, rows)]


def ranking(body: Mapping[str, Any]) -> list[Table]:
    items = body.get("items", [])
    if items and "mean" in items[0]:
        return aggregate_ranking(body)
    scored = next((i["dimensions"] for i in items if i["dimensions"]), None)
    dims = list(scored) if scored else list(_dimension_names(body))
    names = _dimension_names(body)
    columns = [
        Column("rank", "排名", "integer", 6),
        Column("region", "地区代码", "text", 10),
        Column("name_zh", "地区名称", "text", 16),
        Column("name_en", "英文名称", "text", 20),
        Column("level", "级别"),
        Column("parent_code", "上级地区代码"),
        Column("total", "总分", "points"),
        Column("tier", "梯队", "tier", 6),
        Column("complete", "数据完整"),
        *(Column(f"dimensions.{d}", names.get(d, d), "points") for d in dims),
    ]
    extra = []
    if any("change" in i for i in items):
        extra.append(Column("change", "较上年变化", "points"))
    if any(i.get("status") for i in items):
        extra.append(Column("status", "状态", "text", 24))
    columns += extra
    rows = [
        [
            i["rank"],
            i["region"],
            i["name_zh"],
            i["name_en"],
            i["level"],
            i["parent_code"],
            i["total"],
            i["tier"],
            i["complete"],
        ]
        + [i["dimensions"].get(d) for d in dims]
        + [i.get("change") if c.code == "change" else _status(i) for c in extra]
        for i in items
    ]
    return [Table("排名", columns, rows)]


def breakdown(body: Mapping[str, Any]) -> list[Table]:
    columns = [
        Column("dimension", "维度代码"),
        Column("dimension_name_zh", "维度"),
        Column("indicator", "指标代码", "text", 24),
        Column("name_zh", "指标", "text", 36),
        Column("value", "指标值", "number"),
        Column("unit", "单位", "text", 8),
        Column("score", "得分", "points"),
        Column("max", "满分", "points"),
        Column("missing_inputs", "缺少的数据", "text", 24),
    ]
    rows = []
    for d in body.get("dimensions", []):
        for i in d.get("indicators", []):
            rows.append(
                [
                    d["code"],
                    d["name_zh"],
                    i["code"],
                    i["name_zh"],
                    i.get("value"),
                    i.get("unit"),
                    i["score"],
                    i["max"],
                    i.get("missing_inputs"),
                ]
            )
    total = [
        Column("region", "地区代码"),
        Column("total", "总分", "points"),
        Column("max", "满分", "points"),
        Column("tier", "梯队", "tier"),
        Column("complete", "数据完整"),
    ]
    return [
        Table("得分明细", columns, rows),
        Table(
            "总分",
            total,
            [
                [
                    body.get("region"),
                    body.get("total"),
                    body.get("max"),
                    body.get("tier"),
                    body.get("complete"),
                ]
            ],
        ),
    ]


def _named(code: str, zh: str) -> list[Column]:
    return [Column("region", "地区代码"), Column("name_zh", "地区名称", "text", 16), Column(code, zh)]


def round_summary(body: Mapping[str, Any]) -> list[Table]:
    overview_keys = [
        ("year", "数据年度"),
        ("round_label", "评价轮次"),
        ("scheme", "指标体系"),
        ("period_status", "数据状态"),
        ("parent", "上级地区"),
        ("level", "级别"),
        ("previous_year", "上一年度"),
        ("regions", "地区数"),
        ("mean", "平均分"),
        ("previous_mean", "上年平均分"),
        ("mean_change", "平均分变化"),
        ("compared", "两年均有得分的地区数"),
        ("rose", "得分上升"),
        ("fell", "得分下降"),
        ("unchanged", "得分不变"),
    ]
    overview = Table(
        "概况",
        [
            Column("item", "项目", "text", 24),
            Column("item_zh", "说明", "text", 24),
            Column("value", "值", "text", 24),
        ],
        [[k, zh, body.get(k)] for k, zh in overview_keys],
    )
    tiers = Table(
        "梯队",
        [Column("tier", "梯队", "tier"), Column("regions", "地区数", "integer")],
        [[t, n] for t, n in (body.get("tiers") or {}).items()],
    )
    cities = Table(
        "城市平均",
        [
            Column("region", "地区代码"),
            Column("name_zh", "地区名称", "text", 16),
            Column("regions", "地区数", "integer"),
            Column("mean", "平均分", "points"),
            Column("previous_mean", "上年平均分", "points"),
            Column("change", "变化", "points"),
        ],
        [
            [c["region"], c["name_zh"], c["regions"], c["mean"], c["previous_mean"], c["change"]]
            for c in body.get("cities", [])
        ],
    )
    a_list = Table(
        "A类名单",
        [
            Column("rank", "排名", "integer"),
            Column("region", "地区代码"),
            Column("name_zh", "地区名称", "text", 16),
            Column("total", "总分", "points"),
        ],
        [[a["rank"], a["region"], a["name_zh"], a["total"]] for a in body.get("a_list", [])],
    )
    changes = body.get("tier_changes") or {}
    tier_changes = Table(
        "梯队变化",
        [
            Column("direction", "方向"),
            Column("region", "地区代码"),
            Column("name_zh", "地区名称", "text", 16),
            Column("from", "原梯队", "tier"),
            Column("to", "现梯队", "tier"),
        ],
        [
            [d, c["region"], c["name_zh"], c["from"], c["to"]]
            for d in ("up", "down")
            for c in changes.get(d, [])
        ],
    )
    moves = Table(
        "排名变化",
        [
            Column("bucket", "区间", "text", 14),
            Column("region", "地区代码"),
            Column("name_zh", "地区名称", "text", 16),
            Column("previous_rank", "上年排名", "integer"),
            Column("rank", "排名", "integer"),
        ],
        [
            [bucket, r["region"], r["name_zh"], r["previous_rank"], r["rank"]]
            for bucket, b in (body.get("rank_changes") or {}).items()
            for r in b.get("regions", [])
        ],
    )
    return [overview, tiers, cities, a_list, tier_changes, moves]


def completeness(body: Mapping[str, Any]) -> list[Table]:
    regions = Table(
        "地区",
        [
            Column("region", "地区代码"),
            Column("name_zh", "地区名称", "text", 16),
            Column("complete", "数据完整"),
            Column("expected", "应报", "integer"),
            Column("received", "已报", "integer"),
            Column("missing", "缺报", "integer"),
            Column("missing_inputs", "缺少的数据", "text", 40),
        ],
        [
            [
                r["region"],
                r["name_zh"],
                r["complete"],
                r["expected"],
                r["received"],
                r["missing"],
                [m for d in r["departments"] for m in d["missing"]],
            ]
            for r in body.get("regions", [])
        ],
    )
    departments = Table(
        "部门",
        [
            Column("department", "部门代码", "text", 18),
            Column("name_zh", "部门", "text", 16),
            Column("expected", "应报", "integer"),
            Column("received", "已报", "integer"),
            Column("missing", "缺报", "integer"),
            Column("regions_missing", "有缺报的地区数", "integer"),
        ],
        [
            [d["department"], d["name_zh"], d["expected"], d["received"], d["missing"], d["regions_missing"]]
            for d in body.get("departments", [])
        ],
    )
    return [regions, departments]


def departments(body: Mapping[str, Any]) -> list[Table]:
    parts = body.get("departments", [])
    summary = Table(
        "部门",
        [
            Column("department", "部门代码", "text", 18),
            Column("name_zh", "部门", "text", 16),
            Column("earned", "得分", "points"),
            Column("available", "可得分", "points"),
            Column("lost", "失分", "points"),
            Column("missing_inputs", "缺少的数据", "text", 30),
        ],
        [
            [p["department"], p["name_zh"], p["earned"], p["available"], p["lost"], p["missing_inputs"]]
            for p in parts
        ],
    )
    indicators = Table(
        "指标",
        [
            Column("department", "部门代码", "text", 18),
            Column("indicator", "指标代码", "text", 24),
            Column("name_zh", "指标", "text", 30),
            Column("share", "份额"),
            Column("score", "指标得分", "points"),
            Column("max", "满分", "points"),
            Column("earned", "部门得分", "points"),
            Column("available", "部门可得分", "points"),
            Column("lost", "部门失分", "points"),
        ],
        [
            [
                p["department"],
                i["indicator"],
                i["name_zh"],
                i["share"],
                i["score"],
                i["max"],
                i["earned"],
                i["available"],
                i["lost"],
            ]
            for p in parts
            for i in p.get("indicators", [])
        ],
    )
    return [summary, indicators]


def progress(body: Mapping[str, Any]) -> list[Table]:
    columns = [
        Column("target.id", "目标编号", "integer"),
        Column("target.region", "地区代码"),
        Column("target.kind", "类型"),
        Column("target.subject", "对象", "text", 24),
        Column("target.level", "级别"),
        Column("target.by_year", "目标年度", "integer"),
        Column("as_of", "评判年度", "integer"),
        Column("current", "当前值", "number"),
        Column("goal", "目标值", "number"),
        Column("expected", "预期值", "number"),
        Column("progress_pct", "进度（%）", "points"),
        Column("status", "状态"),
        Column("current_tier", "当前梯队", "tier"),
        Column("reason", "说明", "text", 40),
    ]
    rows = []
    for p in body.get("items", []):
        t = p.get("target", {})
        rows.append(
            [
                t.get("id"),
                t.get("region"),
                t.get("kind"),
                t.get("subject"),
                t.get("level"),
                t.get("by_year"),
                p.get("as_of"),
                p.get("current"),
                p.get("goal"),
                p.get("expected"),
                p.get("progress_pct"),
                p.get("status"),
                p.get("current_tier"),
                p.get("reason"),
            ]
        )
    return [Table("目标进度", columns, rows)]


def audit(body: Mapping[str, Any]) -> list[Table]:
    columns = [
        Column("id", "编号", "integer"),
        Column("at", "时间", "text", 26),
        Column("actor", "操作者", "text", 16),
        Column("action", "操作"),
        Column("entity", "对象"),
        Column("entity_key", "对象键", "text", 30),
        Column("region", "地区代码"),
        Column("year", "年度", "integer"),
        Column("element", "数据项", "text", 20),
        Column("old", "原值", "text", 30),
        Column("new", "新值", "text", 30),
        Column("reason", "原因"),
        Column("request_id", "请求编号", "text", 20),
    ]
    rows = [
        [
            e["id"],
            e["at"],
            e["actor"],
            e["action"],
            e["entity"],
            e["entity_key"],
            e.get("region"),
            e.get("year"),
            e.get("element"),
            e.get("old"),
            e.get("new"),
            e.get("reason"),
            e.get("request_id"),
        ]
        for e in body.get("items", [])
    ]
    return [Table("审计记录", columns, rows)]


def values(body: Mapping[str, Any]) -> list[Table]:
    names = _element_names(body)
    columns = [
        Column("region", "地区代码"),
        Column("element", "数据项代码", "text", 24),
        Column("element_name_zh", "数据项", "text", 30),
        Column("value", "值", "number"),
        Column("comment", "备注", "text", 24),
        Column("posted_by", "填报者", "text", 16),
        Column("updated_at", "更新时间", "text", 26),
    ]
    rows = [
        [
            v["region"],
            v["element"],
            names.get(v["element"], v["element"]),
            v["value"],
            v.get("comment"),
            v.get("posted_by"),
            v.get("updated_at"),
        ]
        for v in body.get("items", [])
    ]
    return [Table("数据", columns, rows)]


def _indicator_names(body: Mapping[str, Any]) -> dict[str, str]:
    scheme = _scheme(body)
    return {i.code: i.name_zh for i in scheme.indicators} if scheme else {}


def _rows(
    columns: Sequence[Column], items: Iterable[Mapping[str, Any]], derived: Mapping[str, Any] | None = None
) -> list[list[Any]]:
    """A row per item, a cell per column: the item's field named by the column's code, or what
    `derived` computes from the item for that code (names looked up, nested fields)."""
    made = derived or {}
    return [[made[c.code](i) if c.code in made else i[c.code] for c in columns] for i in items]


def _about(sheet: str, rows: list[tuple[str, str, Any]]) -> Table:
    """Named values, one a row (what an answer states beside its tables)."""
    return Table(
        sheet,
        [
            Column("item", "项目", "text", 24),
            Column("item_zh", "说明", "text", 24),
            Column("value", "值", "text", 80),
        ],
        [[k, zh, v] for k, zh, v in rows],
    )


_GROUPS_ZH = {"weights": "指标权重", "band_edges": "分档阈值", "assessed": "评审分"}


def _assumptions(body: Mapping[str, Any], extra: Sequence[tuple[str, str]] = ()) -> Table:
    a = body.get("assumptions") or {}
    keys = [
        ("seed", "随机种子"),
        ("generator", "随机数发生器"),
        ("weight_noise", "权重扰动 w"),
        ("knot_noise", "阈值扰动 k"),
        ("assessed_noise", "评审分扰动 a"),
        *extra,
        ("ranks", "排名规则"),
        ("quantiles", "分位数规则"),
        ("draw_totals", "抽样总分"),
    ]
    rows: list[list[Any]] = [[k, zh, a.get(k), None] for k, zh in keys if k in a]
    rows += [[f"tiers.{t}", f"梯队{t}门槛", v, None] for t, v in (a.get("tiers") or {}).items()]
    rows += [
        [f"sampled.{g['group']}", f"抽样：{_GROUPS_ZH.get(g['group'], g['group'])}", g["what"], g["active"]]
        for g in a.get("sampled", [])
    ]
    return Table(
        "假设",
        [
            Column("item", "项目", "text", 24),
            Column("item_zh", "说明", "text", 20),
            Column("value", "值", "text", 80),
            Column("active", "已抽样"),
        ],
        rows,
    )


def robustness(body: Mapping[str, Any]) -> list[Table]:
    items = body.get("items", [])
    tiers = list(items[0]["p_tier"]) if items else list((body.get("assumptions") or {}).get("tiers") or {})
    columns = [
        Column("nominal_rank", "名义排名", "integer", 8),
        Column("region", "地区代码", "text", 10),
        Column("name_zh", "地区名称", "text", 16),
        Column("name_en", "英文名称", "text", 20),
        Column("nominal_total", "名义总分", "points"),
        Column("nominal_tier", "名义梯队", "tier", 8),
        Column("median_rank", "排名中位数", "integer"),
        Column("p5_rank", "排名第5百分位", "integer"),
        Column("p95_rank", "排名第95百分位", "integer"),
        Column("mean_abs_rank_shift", "平均绝对排名变动", "number"),
        *(Column(f"p_tier.{t}", f"{t}类概率", "number") for t in tiers),
        Column("p_tier_change", "梯队变化概率", "number"),
    ]
    regions = Table(
        "地区",
        columns,
        _rows(columns, items, {f"p_tier.{t}": (lambda i, t=t: i["p_tier"].get(t)) for t in tiers}),
    )
    s = body.get("summary") or {}
    summary = _about(
        "概要",
        [
            ("regions", "地区数", body.get("regions")),
            ("draws", "抽样次数", body.get("draws")),
            ("mean_abs_rank_shift", "平均绝对排名变动", s.get("mean_abs_rank_shift")),
            ("unstable_threshold", "梯队不稳定阈值", s.get("unstable_threshold")),
            ("unstable_regions", "梯队变化概率超过阈值的地区", s.get("unstable_regions")),
            ("share_near_boundary", "临近梯队边界的地区占比", s.get("share_near_boundary")),
            ("near_boundary_regions", "临近梯队边界的地区", s.get("near_boundary_regions")),
            ("near_boundary_rule", "临近边界的判定", s.get("near_boundary_rule")),
            ("computed_from", "计算依据", body.get("computed_from")),
        ],
    )
    return [regions, summary, _assumptions(body)]


def sensitivity(body: Mapping[str, Any]) -> list[Table]:
    names = _indicator_names(body)
    dims = _dimension_names(body)
    columns = [
        Column("group", "假设组代码", "text", 12),
        Column("group_zh", "假设组", "text", 12),
        Column("factors", "随机因素数", "integer"),
        Column("active", "已抽样"),
        Column("first_order", "一阶指数", "number"),
        Column("first_order_p5", "一阶指数第5百分位", "number"),
        Column("first_order_p95", "一阶指数第95百分位", "number"),
        Column("total", "总效应指数", "number"),
        Column("total_p5", "总效应指数第5百分位", "number"),
        Column("total_p95", "总效应指数第95百分位", "number"),
    ]
    groups = Table(
        "敏感性指数",
        columns,
        _rows(
            columns, body.get("groups", []), {"group_zh": lambda g: _GROUPS_ZH.get(g["group"], g["group"])}
        ),
    )
    columns = [
        Column("indicator", "指标代码", "text", 24),
        Column("name_zh", "指标", "text", 30),
        Column("dimension", "维度代码"),
        Column("dimension_name_zh", "维度"),
        Column("mean_abs_rank_change", "平均绝对排名变动", "number"),
        Column("max_abs_rank_change", "最大绝对排名变动", "integer"),
        Column("tier_changes", "梯队变化地区数", "integer"),
    ]
    loo = Table(
        "逐一剔除指标",
        columns,
        _rows(
            columns,
            body.get("leave_one_out", []),
            {
                "name_zh": lambda r: names.get(r["indicator"], r["indicator"]),
                "dimension_name_zh": lambda r: dims.get(r["dimension"], r["dimension"]),
            },
        ),
    )
    about = _about(
        "说明",
        [
            ("regions", "地区数", body.get("regions")),
            ("output", "输出量", body.get("output")),
            ("note", "备注", body.get("note")),
            ("leave_one_out_rule", "剔除规则", body.get("leave_one_out_rule")),
            ("computed_from", "计算依据", body.get("computed_from")),
        ],
    )
    extra = [
        ("n", "基础样本数 n"),
        ("evaluations", "模型计算次数"),
        ("design", "抽样设计"),
        ("estimators", "估计量"),
        ("intervals", "置信区间"),
    ]
    return [groups, loo, about, _assumptions(body, extra)]


def statistics(body: Mapping[str, Any]) -> list[Table]:
    names = _indicator_names(body)
    dims = _dimension_names(body)
    columns = [
        Column("indicator", "指标代码", "text", 24),
        Column("name_zh", "指标", "text", 30),
        Column("dimension", "维度代码"),
        Column("max_points", "满分", "points"),
        Column("availability", "数据可得率", "number"),
        Column("min", "最小值", "number"),
        Column("max", "最大值", "number"),
        Column("mean", "平均值", "number"),
        Column("median", "中位数", "number"),
        Column("sd", "标准差", "number"),
        Column("skew", "偏度", "number"),
        Column("kurtosis", "超额峰度", "number"),
        Column("skew_flag", "偏度标记"),
        Column("kurtosis_flag", "峰度标记"),
        Column("outlier_flag", "异常值标记"),
        Column("share_at_max", "满分占比", "number"),
        Column("share_at_zero", "零分占比", "number"),
    ]
    indicators = Table(
        "指标统计",
        columns,
        _rows(
            columns,
            body.get("indicators", []),
            {"name_zh": lambda i: names.get(i["indicator"], i["indicator"])},
        ),
    )
    corr = body.get("correlations") or {}
    codes = list(corr.get("indicators", []))

    def square(sheet: str, key: str) -> Table:
        return Table(
            sheet,
            [
                Column("indicator", "指标代码", "text", 24),
                Column("name_zh", "指标", "text", 30),
                *(Column(c, names.get(c, c), "number") for c in codes),
            ],
            [[c, names.get(c, c), *row] for c, row in zip(codes, corr.get(key, []), strict=False)],
        )

    flags = Table(
        "相关性标记",
        [
            Column("a", "指标代码A", "text", 24),
            Column("b", "指标代码B", "text", 24),
            Column("rho", "斯皮尔曼相关系数", "number"),
            Column("flag", "标记", "text", 26),
        ],
        [[f["a"], f["b"], f["rho"], f["flag"]] for f in corr.get("flags", [])],
    )
    alphas = Table(
        "克隆巴赫系数",
        [
            Column("dimension", "维度代码"),
            Column("dimension_name_zh", "维度"),
            Column("cronbach_alpha", "克隆巴赫α", "number"),
            Column("indicators", "指标数", "integer"),
        ],
        [
            [
                d["dimension"],
                dims.get(d["dimension"], d["dimension"]),
                d["cronbach_alpha"],
                len(d["indicators"]),
            ]
            for d in body.get("dimensions", [])
        ],
    )
    coherence = Table(
        "指标一致性",
        [
            Column("dimension", "维度代码"),
            Column("indicator", "指标代码", "text", 24),
            Column("name_zh", "指标", "text", 30),
            Column("rho_with_dimension", "与维度得分的相关系数", "number"),
            Column("rho_with_total", "与总分的相关系数", "number"),
        ],
        [
            [
                d["dimension"],
                i["indicator"],
                names.get(i["indicator"], i["indicator"]),
                i["rho_with_dimension"],
                i["rho_with_total"],
            ]
            for d in body.get("dimensions", [])
            for i in d["indicators"]
        ],
    )
    weights = Table(
        "有效权重",
        [
            Column("indicator", "指标代码", "text", 24),
            Column("name_zh", "指标", "text", 30),
            Column("nominal_weight", "名义权重", "number"),
            Column("effective_weight", "有效权重", "number"),
        ],
        [
            [
                w["indicator"],
                names.get(w["indicator"], w["indicator"]),
                w["nominal_weight"],
                w["effective_weight"],
            ]
            for w in body.get("effective_weights", [])
        ],
    )
    about = _about(
        "说明",
        [("regions", "地区数", body.get("regions")), ("computed_from", "计算依据", body.get("computed_from"))]
        + [(f"rules.{k}", "计算规则", v) for k, v in (body.get("rules") or {}).items()],
    )
    return [
        indicators,
        square("相关系数", "matrix"),
        square("P值", "p_values"),
        flags,
        alphas,
        coherence,
        weights,
        about,
    ]
