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
    # plot width 640 - 130 - 70 - 10 = 430 over ranks 1..11: rank r at 130 + (r - 1) / 10 * 430;
    # rows 12 high below a 22 legend and an 18 axis: centres at 46, 58, 70
    paths = {p.get("data-shape") or "whiskers": p.get("d") for p in root.iter(f"{SVG}path")}
    # 桥西: whisker from rank 3 (216.0) to 11 (560.0) with end caps 6 high
    assert "M216.0 58.0H560.0M216.0 55.0v6M560.0 55.0v6" in str(paths["whiskers"])
    dots = [p for p in root.iter(f"{SVG}path") if p.get("data-shape")]
    # the legend's three markers (r 4), then one path per tier with its regions' dots (r 3.2)
    assert [(p.get("data-shape"), p.get("fill")) for p in dots] == [
        ("circle", "#15803d"),
        ("square", "#b45309"),
        ("diamond", "#b91c1c"),
    ] * 2
    assert dots[3].get("d") == "M126.8 46.0a3.2 3.2 0 1 0 6.4 0a3.2 3.2 0 1 0 -6.4 0"  # 长安: rank 1 (130.0)
    assert dots[4].get("d") == "M341.8 54.8h6.4v6.4h-6.4z"  # 桥西: rank 6 (345.0), a square
    assert dots[5].get("d") == "M560.0 65.8l4.2 4.2l-4.2 4.2l-4.2 -4.2z"  # 新华: rank 11, a diamond
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t and "(" in t] == ["1 (1–2)", "6 (3–11)", "11 (9–11)"]
    assert "<桥西>" in texts and "A 类" in texts


def test_heat_map_shades_each_cell_by_its_rho_and_writes_it() -> None:
    matrix = [[1.0, -1.0, None], [-1.0, 1.0, 0.04], [None, 0.04, 1.0]]
    root = ET.fromstring(str(heat_map("h", "相关", "desc", ["甲", "<乙>", "丙"], matrix)))
    # cell side 30 (k = 3), drawn 29 wide from x = 200 + 30 j, y = 22 + 30 i; one path per shade:
    # full red at +1, full blue at -1, white near 0 (0.04 rounds to the 0 step), grey where undefined
    shades = {p.get("fill"): p.get("d") for p in root.iter(f"{SVG}path")}
    assert shades["#b91c1c"] == "".join(
        f"M{200 + 30 * j}.0 {22 + 30 * j}.0h29.0v29.0h-29.0z" for j in range(3)
    )
    assert shades["#1d4ed8"] == "M230.0 22.0h29.0v29.0h-29.0zM200.0 52.0h29.0v29.0h-29.0z"
    assert shades["#ffffff"] == "M260.0 52.0h29.0v29.0h-29.0zM230.0 82.0h29.0v29.0h-29.0z"
    assert shades["#d1d5db"] == "M260.0 22.0h29.0v29.0h-29.0zM200.0 82.0h29.0v29.0h-29.0z"
    written = [t.text for t in root.iter(f"{SVG}text")]
    assert written.count("1.00") == 3 and written.count("-1.00") == 2 and written.count(".04") == 2
    assert written.count("–") == 2 and "1 甲" in written and "2 <乙>" in written
