"""The SVG charts: series told apart without colour, every value written out, labels escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from app.reports.charts import Group, Interval, grouped_bars, heat_map, meter, rank_intervals

SVG = "{http://www.w3.org/2000/svg}"


def chart() -> str:
    groups = [
        Group("创新投入", Decimal(20), [Decimal("15.5"), Decimal(10), None]),
        Group("<b>&", Decimal(25), [Decimal(25), Decimal("12.5"), Decimal(0)]),
    ]
    return str(grouped_bars("t", "维度 <x>", "desc", ["本县", "市中位数", "全省中位数"], groups))


def test_chart_is_well_formed_svg_with_a_title_and_description() -> None:
    root = ET.fromstring(chart())  # escaping keeps it well-formed whatever the labels hold
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "维度 <x>"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "desc"  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<b>&" in texts


def test_series_differ_by_pattern_not_only_by_colour() -> None:
    svg = chart()
    bars = re.findall(r'<rect x="150" y="(\d+)" width="[\d.]+" height="12" fill="([^"]+)"', svg)
    # leave out the legend's first swatch (y 6) and the outlined tracks behind the bars
    fills = [f for y, f in bars if y != "6" and f != "none"]
    # 2 groups x 3 series, in series order: solid, hatched, dotted
    assert fills == ["#1f2937", "url(#t-hatch)", "url(#t-dots)"] * 2
    assert '<pattern id="t-hatch"' in svg and '<pattern id="t-dots"' in svg


def test_bars_are_scaled_to_their_group_maximum_and_labelled() -> None:
    svg = chart()
    # track width = 640 - 150 - 52 - 10 = 428: 15.5 / 20 of it is 331.7; 12.5 / 25 is 214.0
    assert 'width="331.7" height="12" fill="#1f2937"' in svg
    assert 'width="214.0" height="12" fill="url(#t-hatch)"' in svg
    labels = re.findall(r'font-size="11">([^<]+)</text>', svg)
    assert labels == ["15.50", "10.00", "–", "25.00", "12.50", "0.00"]


def test_meter_caps_at_its_maximum_and_says_what_it_shows() -> None:
    m = str(meter(Decimal(7), Decimal(5), "x"))
    assert 'width="88.0" height="8"' in m  # (90 - 2) px: a value above the max fills the bar, no more
    assert "<title>x: 7.00 / 5.00</title>" in m


def intervals() -> str:
    rows = [
        Interval("长安区", 1, 1, 2, "A"),
        Interval("<桥西>", 6, 3, 11, "B"),
        Interval("新华区", 11, 9, 11, "C"),
    ]
    tiers = [("A", "A 类"), ("B", "B 类"), ("C", "C 类")]
    return str(rank_intervals("r", "排名区间", "desc", rows, 11, tiers))


def test_rank_intervals_put_the_dot_at_the_rank_and_the_whisker_from_p5_to_p95() -> None:
    svg = intervals()
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "排名区间"  # type: ignore[union-attr]
    # plot width 640 - 120 - 70 - 10 = 440 over ranks 1..11: rank r at 120 + (r - 1) / 10 * 440
    # rows 12 high below a 22 legend and an 18 axis: centres at 46, 58, 70
    # 桥西: dot at rank 6 -> 340.0 (a square: tier B), whisker 3 -> 208.0 to 11 -> 560.0
    assert '<line x1="208.0" y1="58.0" x2="560.0" y2="58.0"' in svg
    assert '<rect x="336.8" y="54.8" width="6.4" height="6.4"' in svg  # 340 - 3.2, 58 - 3.2
    assert '<circle cx="120.0" cy="46.0" r="3.2"' in svg  # 长安: rank 1, tier A
    assert '<polygon points="560.0,65.8 ' in svg  # 新华: rank 11, tier C, a diamond: top at 70 - 4.2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t and "(" in t] == ["1 (1–2)", "6 (3–11)", "11 (9–11)"]
    assert "<桥西>" in texts and "A 类" in texts


def test_heat_map_colours_each_cell_by_its_rho_and_writes_it() -> None:
    svg = str(
        heat_map(
            "h", "相关", "desc", ["甲", "<乙>", "丙"], [[1.0, -1.0, None], [-1.0, 1.0, 0.0], [None, 0.0, 1.0]]
        )
    )
    root = ET.fromstring(svg)
    cells = [
        (r.get("fill"), r.find(f"{SVG}title").text)
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    ]  # type: ignore[union-attr]
    # full red at +1, full blue at -1, white at 0, grey where rho is undefined
    assert cells[:3] == [
        ("#b91c1c", "甲 × 甲: 1.0000"),
        ("#1d4ed8", "甲 × <乙>: -1.0000"),
        ("#d1d5db", "甲 × 丙: –"),
    ]
    assert cells[5] == ("#ffffff", "<乙> × 丙: 0.0000")
    written = [t.text for t in root.iter(f"{SVG}text")]
    assert written.count("1.00") == 3 and "-1.00" in written and written.count(".00") == 2
