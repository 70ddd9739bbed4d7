"""Charts drawn on the server as inline SVG: no script, nothing fetched, readable in greyscale.

Series are told apart by fill pattern (solid, hatched, dotted) as well as by shade, and every bar
carries its value as text, so a black-and-white print loses nothing. Each chart has a `<title>`
and a `<desc>`; the pages put the same numbers in a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

#: (fill, label) per series: solid dark, hatched mid-grey, dotted light
SERIES_FILLS = ("#1f2937", "url(#{p}-hatch)", "url(#{p}-dots)")


def _fmt(x: Decimal | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _patterns(prefix: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d1d5db"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#374151" stroke-width="2.5"/></pattern>'
        f'<pattern id="{prefix}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#f9fafb"/><circle cx="2.5" cy="2.5" r="1.2" fill="#4b5563"/>'
        "</pattern></defs>"
    )


@dataclass(frozen=True)
class Group:
    """One category of a grouped bar chart: its label, its maximum and a value per series."""

    label: str
    max: Decimal
    values: Sequence[Decimal | None]


def grouped_bars(
    prefix: str, title: str, desc: str, series: Sequence[str], groups: Sequence[Group], width: int = 640
) -> Markup:
    """Horizontal bars, one group per category and one bar per series, each scaled to the
    category's maximum (drawn as an outlined track) and labelled with its value."""
    label_w, value_w, bar_h, gap, legend_h = 150, 52, 14, 12, 26
    track_w = width - label_w - value_w - 10
    group_h = bar_h * len(series) + gap
    height = legend_h + group_h * len(groups) + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{prefix}-title {prefix}-desc">',
        f'<title id="{prefix}-title">{escape(title)}</title><desc id="{prefix}-desc">{escape(desc)}</desc>',
        _patterns(prefix),
    ]
    x = label_w
    for i, name in enumerate(series):
        fill = SERIES_FILLS[i % len(SERIES_FILLS)].format(p=prefix)
        out.append(
            f'<rect x="{x}" y="6" width="14" height="12" fill="{fill}" stroke="#111827" stroke-width="0.8"/>'
            f'<text x="{x + 19}" y="16" font-size="12">{escape(name)}</text>'
        )
        x += 24 + 13 * len(name) if any(ord(c) > 0x2E80 for c in name) else 24 + 7 * len(name)
    y = legend_h
    for g in groups:
        out.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * len(series) / 2 + 4:.1f}" font-size="12" '
            f'text-anchor="end">{escape(g.label)}</text>'
        )
        for i, v in enumerate(g.values):
            fill = SERIES_FILLS[i % len(SERIES_FILLS)].format(p=prefix)
            by = y + i * bar_h
            share = float(v / g.max) if v is not None and g.max > 0 else 0.0
            w = max(0.0, min(1.0, share)) * track_w
            out.append(
                f'<rect x="{label_w}" y="{by + 1}" width="{track_w}" height="{bar_h - 2}" fill="none" '
                f'stroke="#9ca3af" stroke-width="0.6"/>'
                f'<rect x="{label_w}" y="{by + 1}" width="{w:.1f}" height="{bar_h - 2}" fill="{fill}" '
                f'stroke="#111827" stroke-width="0.6"><title>{escape(series[i])}: {_fmt(v)} / {_fmt(g.max)}'
                "</title></rect>"
                f'<text x="{label_w + track_w + 6}" y="{by + bar_h - 3}" font-size="11">{_fmt(v)}</text>'
            )
        y += group_h
    out.append("</svg>")
    return Markup("".join(out))


def meter(value: Decimal, maximum: Decimal, label: str, width: int = 90) -> Markup:
    """A small bar showing `value` out of `maximum`, for a table cell."""
    share = float(value / maximum) if maximum > 0 else 0.0
    w = max(0.0, min(1.0, share)) * (width - 2)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="meter" viewBox="0 0 {width} 10" width="{width}" '
        f'height="10" role="img"><title>{escape(label)}: {_fmt(value)} / {_fmt(maximum)}</title>'
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="9" fill="#fff" stroke="#6b7280" stroke-width="0.8"/>'
        f'<rect x="1" y="1" width="{w:.1f}" height="8" fill="#1f2937"/></svg>'
    )
