"""The SVG charts: series told apart without colour, every value written out, labels escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from app.reports.charts import Group, grouped_bars, meter

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
