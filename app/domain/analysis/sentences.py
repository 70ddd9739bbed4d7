"""The analytics' summaries in a sentence, in Chinese and in English, for the people who read
them out: a round as the province publishes it, a department's share of a score."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from app.domain.analysis.summary import RoundSummary
from app.domain.numbers import ZERO, fmt
from app.domain.phrasing import Text, lower_first, points
from app.domain.scheme import Scheme


def _change(x: Decimal) -> Text:
    if x > ZERO:
        return Text(f"提高 {fmt(x)} 分", f"up {fmt(x)}")
    if x < ZERO:
        return Text(f"下降 {fmt(-x)} 分", f"down {fmt(-x)}")
    return Text("持平", "unchanged")


def round_text(s: RoundSummary, scheme: Scheme) -> Text:
    """'2020 年共 22 个地区参评：A 类 3 个、B 类 7 个、C 类 12 个；平均 62.35 分（较上年提高 1.2 分）……'"""
    if s.regions == 0:
        return Text(f"{s.year} 年没有参评地区", f"no region scored for {s.year}")
    counts = list(s.tiers.items())
    zh = "、".join(f"{c} 类 {n} 个" for c, n in counts)
    en = ", ".join(f"{n} in tier {c}" for c, n in counts)
    out = Text(
        f"{s.year} 年共 {s.regions} 个地区参评：{zh}", f"{s.regions} regions scored for {s.year}: {en}"
    )
    if s.mean is not None:
        mean = Text(f"；平均 {fmt(s.mean)} 分", f"; mean {fmt(s.mean)}")
        if s.mean_change is not None:
            ch = _change(s.mean_change)
            mean = mean + Text(f"（较上年{ch.zh}）", f" ({ch.en} on the year before)")
        out = out + mean
    if s.compared:
        out = out + Text(
            f"。两年均参评的 {s.compared} 个地区中 {s.rose} 个总分上升、{s.fell} 个下降、{s.unchanged} 个持平"
            f"；{len(s.tiers_up)} 个升类、{len(s.tiers_down)} 个降类",
            f". Of the {s.compared} scored both years, {s.rose} rose, {s.fell} fell and {s.unchanged} "
            f"stayed; {len(s.tiers_up)} moved up a tier and {len(s.tiers_down)} down",
        )
    return out + Text("。", ".")


def department_text(
    scheme: Scheme,
    department: str,
    earned: Decimal,
    available: Decimal,
    lost: Decimal,
    missing: Sequence[str],
) -> Text:
    """'区科技局：可得 40 分，得 30.5 分，失 9.5 分；缺少科技型中小企业数量' and its English."""
    d = scheme.departments.get(department)
    dz, de = (d.name_zh, d.name_en) if d else (department, department)
    e, a, lo = points(earned), points(available), points(lost)
    out = Text(
        f"{dz}：可得 {a.zh}，得 {e.zh}，失 {lo.zh}",
        f"{de}: {e.en} earned of {a.en} available, {lo.en} lost",
    )
    if missing:
        els = [scheme.elements[m] for m in missing if m in scheme.elements]
        out = out + Text(
            f"；缺少数据：{'、'.join(x.name_zh for x in els)}",
            f"; missing: {', '.join(lower_first(x.name_en) for x in els)}",
        )
    return out
