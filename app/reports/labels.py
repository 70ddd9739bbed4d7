"""The words of the pages, in Chinese and English."""

from __future__ import annotations

LANGS = ("zh", "en")

_LABELS: dict[str, tuple[str, str]] = {
    "county_report": ("县域科技创新能力监测评价报告", "County S&T innovation capability report"),
    "bulletin": ("县域科技创新能力监测评价结果通报", "Bulletin of the county S&T innovation evaluation"),
    "data_year": ("数据年度", "Data year"),
    "round": ("评价轮次", "Round"),
    "scheme": ("指标体系", "Scheme"),
    "status": ("数据状态", "Data status"),
    "published": ("已发布", "published"),
    "draft": ("草稿（未发布，数据可能变动）", "draft (not published; data may change)"),
    "published_at": ("发布时间", "published at"),
    "total": ("总分", "Total"),
    "tier": ("类别", "Tier"),
    "rank_city": ("市内排名", "Rank in the city"),
    "rank_province": ("全省排名", "Rank in the province"),
    "rank_fmt": ("第 {rank} 名 / 共 {of} 个", "{rank} of {of}"),
    "vs_last_year": ("较上年", "vs last year"),
    "complete": ("数据完整", "data complete"),
    "incomplete": ("数据不完整", "data incomplete"),
    "dimensions": ("五个维度得分", "The five dimensions"),
    "dimension": ("维度", "Dimension"),
    "score": ("得分", "Score"),
    "max": ("满分", "Max"),
    "this_region": ("本县（区）", "This region"),
    "city_median": ("市中位数", "City median"),
    "province_median": ("全省中位数", "Province median"),
    "dims_chart_desc": (
        "每个维度一组横条：本县（区）得分、市中位数、全省中位数，按该维度满分缩放。",
        "One group of bars per dimension: this region's score, the city median and the province median, "
        "scaled to the dimension's maximum.",
    ),
    "indicators": ("17 项指标", "The indicators"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "points": ("得分 / 满分", "Points / max"),
    "bar": ("得分率", "Share"),
    "lost": ("失分", "Lost"),
    "department": ("责任单位", "Department"),
    "change": ("较上年变化", "Change"),
    "missing_value": ("缺数", "missing"),
    "strengths": ("优势指标", "Strengths"),
    "weaknesses": ("薄弱指标", "Weaknesses"),
    "path": ("晋级路径", "Path to the next tier"),
    "path_top": ("已处于最高类别。", "Already in the top tier."),
    "path_need": ("距 {tier} 类还差 {points} 分", "{points} points short of tier {tier}"),
    "path_unreachable": (
        "一年的合理变动之内无法达到 {tier} 类：",
        "Tier {tier} is out of reach within one year's plausible changes:",
    ),
    "path_total": (
        "完成以上各步后总分 {total}，类别 {tier}",
        "After these steps: total {total}, tier {tier}",
    ),
    "missing": ("缺失数据（按责任单位）", "Missing data by department"),
    "no_missing": ("无缺失数据。", "No data missing."),
    "data_version": ("数据版本", "Data version"),
    "made_at": ("报告生成时间", "Report made at"),
    "demo_note": ("", ""),
    "tier_counts": ("各类别数量", "Regions per tier"),
    "this_year": ("本年", "This year"),
    "last_year": ("上年", "Last year"),
    "a_list": ("A 类名单（按得分排序）", "Tier A, in score order"),
    "none": ("无", "none"),
    "tier_jumps": ("类别变动", "Tier changes"),
    "tier_up": ("升类", "Up"),
    "tier_down": ("降类", "Down"),
    "rank_changes": ("位次变动", "Rank changes"),
    "rank_up_10": ("上升 10 位及以上", "up 10 places or more"),
    "rank_up_5": ("上升 5–9 位", "up 5–9 places"),
    "rank_up_1": ("上升 1–4 位", "up 1–4 places"),
    "rank_down_10": ("下降 10 位及以上", "down 10 places or more"),
    "rank_down_5": ("下降 5–9 位", "down 5–9 places"),
    "rank_down_1": ("下降 1–4 位", "down 1–4 places"),
    "rank_same": ("位次不变", "unchanged"),
    "rose_fell": (
        "与上年可比 {compared} 个，得分上升 {rose} 个、下降 {fell} 个、持平 {unchanged} 个。",
        "{compared} regions compared with last year: {rose} rose, {fell} fell, {unchanged} unchanged.",
    ),
    "means": ("平均分", "Mean scores"),
    "province_mean": ("全省平均", "Province mean"),
    "scope_mean": ("范围内平均", "Mean of the scope"),
    "means_chart_desc": (
        "每行一个地区：本年平均分（实心）与上年平均分（斜线），按满分 100 缩放。",
        "One row per area: this year's mean (solid) and last year's (hatched), scaled to 100.",
    ),
    "all_counties": ("各县（市、区）结果", "Every region"),
    "rank": ("排名", "Rank"),
    "region": ("县（市、区）", "Region"),
    "completeness": ("数据完整度", "Data completeness"),
    "completeness_line": (
        "{complete} / {regions} 个地区数据完整；应报 {expected} 项，已报 {received} 项。",
        "{complete} of {regions} regions complete; {received} of {expected} expected inputs received.",
    ),
    "regions_count": ("参评地区", "Regions evaluated"),
    "all_regions": ("全部地区", "All regions"),
    "pdf": ("下载 PDF", "PDF"),
    "other_lang": ("English", "中文"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "robustness": ("排名稳健性与指标相关性", "Rank robustness and indicator correlations"),
    "rank_intervals": ("排名区间", "Rank intervals"),
    "rank_intervals_desc": (
        "每行一个地区，按实际排名排序：点为实际排名（形状和颜色表示类别），横线为抽样排名的第 5 至第 95 百分位。",
        "One line per region in rank order: the dot is its actual rank (shape and shade give its tier), "
        "the whisker spans the 5th to the 95th percentile of its rank over the draws.",
    ),
    "rank_intervals_note": (
        "假设：{draws} 次抽样，随机种子 {seed}；每次抽样中各指标满分乘以 U[{w_lo}, {w_hi}] 后按维度满分重新缩放"
        "（维度满分和总分 100 不变），分档阈值乘以 U[{k_lo}, {k_hi}]，评审分加上 U[−{a}, +{a}]（不超出其上下限）。"
        "实际排名和类别即本通报所列；抽样基于本年度存储的数据。{unstable} 个地区的类别在超过 20% 的抽样中改变。",
        "Assumptions: {draws} draws, seed {seed}; in each draw every indicator's max is multiplied by "
        "U[{w_lo}, {w_hi}] and rescaled to its dimension's max (dimensions and the total of 100 keep "
        "theirs), band thresholds by U[{k_lo}, {k_hi}], and assessed points move by U[-{a}, +{a}] "
        "within their bounds. Actual ranks and tiers are those of this bulletin; the draws use the "
        "year's stored data. {unstable} regions change tier in more than 20 % of the draws.",
    ),
    "tier_mark": ("{code} 类", "Tier {code}"),
    "correlations": ("指标得分的斯皮尔曼相关系数", "Spearman correlations of the indicator scores"),
    "correlations_desc": (
        "第 i 行第 j 列为指标 i 与指标 j 得分的斯皮尔曼相关系数：红色为正相关，蓝色为负相关，灰色表示得分全同无法计算。",
        "Row i, column j: Spearman's rho of the scores of indicators i and j; red positive, blue "
        "negative, grey where the scores do not vary.",
    ),
    "correlations_note": (
        "{regions} 个地区的指标得分（相同得分取平均秩）。同一维度内相关系数高于 0.9 的指标对 {collinear} 对，负相关 {negative} 对。",
        "Indicator scores of {regions} regions (ties take average ranks). Pairs within one dimension "
        "above 0.9: {collinear}; negative pairs: {negative}.",
    ),
}


def label(key: str, lang: str) -> str:
    zh, en = _LABELS[key]
    return zh if lang == "zh" else en
