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


#: marker per tier, by the tier's place in the scheme (best first): shape and shade both differ
TIER_MARKS = (("circle", "#15803d"), ("square", "#b45309"), ("diamond", "#b91c1c"))


def _mark(shape: str, x: float, y: float, r: float) -> str:
    """Path data of one marker: a circle, a square or a diamond centred on (x, y)."""
    if shape == "circle":
        return (
            f"M{x - r:.1f} {y:.1f}a{r:.1f} {r:.1f} 0 1 0 {2 * r:.1f} 0a{r:.1f} {r:.1f} 0 1 0 {-2 * r:.1f} 0"
        )
    if shape == "square":
        return f"M{x - r:.1f} {y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}z"
    d = r + 1
    return f"M{x:.1f} {y - d:.1f}l{d:.1f} {d:.1f}l{-d:.1f} {d:.1f}l{-d:.1f} {-d:.1f}z"


def _marks(shape: str, fill: str, d: str) -> str:
    return f'<path d="{d}" fill="{fill}" stroke="#111827" stroke-width="0.7" data-shape="{shape}"/>'


def _fit(text: str, px: float, size: float) -> str:
    """`text` cut to about `px` pixels at font size `size` (CJK characters count double)."""
    out, w = "", 0.0
    for ch in text:
        w += size if ord(ch) > 0x2E80 else size * 0.66
        if w > px:
            return out + "…"
        out += ch
    return out


@dataclass(frozen=True)
class Interval:
    """One region of a rank-interval chart: its nominal rank and tier, and the 5th to 95th
    percentile of its rank over the draws."""

    label: str
    nominal: int
    p5: int
    p95: int
    tier: str


def rank_intervals(
    prefix: str,
    title: str,
    desc: str,
    rows: Sequence[Interval],
    of: int,
    tiers: Sequence[tuple[str, str]],
    width: int = 640,
) -> Markup:
    """A dot-and-whisker plot: one line per region in the given order, the dot at its nominal rank,
    the whisker from its 5th to its 95th percentile rank, on a rank axis from 1 (left) to `of`.
    `tiers` are (code, legend text), best first; each tier has its own marker shape and shade, and
    every line ends with its ranks written out."""
    label_w, value_w, row_h, top, legend_h = 130, 70, 12, 18, 22
    plot_w = width - label_w - value_w - 10
    height = legend_h + top + row_h * len(rows) + 6
    span = max(of - 1, 1)

    def x(rank: float) -> float:
        return label_w + (rank - 1) / span * plot_w

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{prefix}-title {prefix}-desc">',
        f'<title id="{prefix}-title">{escape(title)}</title><desc id="{prefix}-desc">{escape(desc)}</desc>',
    ]
    lx: float = label_w
    marks = {}
    for i, (code, text) in enumerate(tiers):
        shape, fill = TIER_MARKS[min(i, len(TIER_MARKS) - 1)]
        marks[code] = (shape, fill)
        out.append(_marks(shape, fill, _mark(shape, lx + 5, 11, 4)))
        out.append(f'<text x="{lx + 13}" y="15" font-size="11">{escape(text)}</text>')
        lx += 30 + (11 if any(ord(c) > 0x2E80 for c in text) else 6.5) * len(text)
    axis_y = legend_h + top - 4
    ticks = sorted({1, of, *range(10, of, 10 if of <= 60 else 20)}) if of > 1 else [1]
    out.append(
        f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w}" y2="{axis_y}" stroke="#6b7280" '
        'stroke-width="0.8"/>'
    )
    for t in ticks:
        out.append(
            f'<line x1="{x(t):.1f}" y1="{axis_y - 3}" x2="{x(t):.1f}" y2="{height - 4}" stroke="#e5e7eb" '
            f'stroke-width="0.6"/><text x="{x(t):.1f}" y="{axis_y - 5}" font-size="10" '
            f'text-anchor="middle">{t}</text>'
        )
    # one path for the whiskers and one per tier for the dots: a PDF renderer draws a few long
    # paths much faster than hundreds of small elements
    whiskers: list[str] = []
    dots: dict[str, list[str]] = {}
    y = legend_h + top
    for r in rows:
        cy = y + row_h / 2
        x5, x95 = x(r.p5), x(r.p95)
        whiskers.append(f"M{x5:.1f} {cy:.1f}H{x95:.1f}M{x5:.1f} {cy - 3:.1f}v6M{x95:.1f} {cy - 3:.1f}v6")
        shape, _ = marks.get(r.tier, TIER_MARKS[-1])
        dots.setdefault(r.tier if r.tier in marks else "", []).append(_mark(shape, x(r.nominal), cy, 3.2))
        out.append(
            f'<text x="{label_w - 6}" y="{cy + 3.5:.1f}" font-size="10" text-anchor="end">'
            f"{escape(_fit(r.label, label_w - 8, 10))}</text>"
            f'<text x="{label_w + plot_w + 8}" y="{cy + 3.5:.1f}" font-size="10">'
            f"{r.nominal} ({r.p5}–{r.p95})</text>"
        )
        y += row_h
    if whiskers:
        out.append(f'<path d="{"".join(whiskers)}" fill="none" stroke="#374151" stroke-width="1.1"/>')
    for tier, ds in dots.items():
        shape, fill = marks.get(tier, TIER_MARKS[-1])
        out.append(_marks(shape, fill, "".join(ds)))
    out.append("</svg>")
    return Markup("".join(out))


def _diverging(rho: float) -> str:
    """White at 0, red towards +1, blue towards -1, in steps of 0.1 (the legend's steps)."""
    t = max(-1.0, min(1.0, round(rho, 1)))
    end = (185, 28, 28) if t >= 0 else (29, 78, 216)
    a = abs(t)
    r, g, b = (round(255 + (e - 255) * a) for e in end)
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(
    prefix: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    matrix: Sequence[Sequence[float | None]],
    width: int = 660,
) -> Markup:
    """A correlation matrix as coloured cells (red positive, blue negative, white 0; shades in
    steps of 0.1), every cell with its value written in it to two decimals; rows named and
    numbered, columns numbered the same way. Cells of one shade are one path, so a PDF renderer
    draws a few paths, not hundreds of rectangles."""
    k = len(labels)
    label_w, top = 200, 22
    cell = max(14.0, min(30.0, (width - label_w - 8) / max(k, 1)))
    legend_h = 24
    height = top + cell * k + legend_h + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height:.0f}" '
        f'width="{width}" height="{height:.0f}" aria-labelledby="{prefix}-title {prefix}-desc">',
        f'<title id="{prefix}-title">{escape(title)}</title><desc id="{prefix}-desc">{escape(desc)}</desc>',
    ]
    size = 8 if cell < 26 else 9
    for j in range(k):
        out.append(
            f'<text x="{label_w + (j + 0.5) * cell:.1f}" y="{top - 6}" font-size="10" '
            f'text-anchor="middle">{j + 1}</text>'
        )
    shades: dict[str, list[str]] = {}
    values: dict[str, list[str]] = {"#111827": [], "#ffffff": []}
    side = cell - 1
    for i, name in enumerate(labels):
        y = top + i * cell
        out.append(
            f'<text x="{label_w - 6}" y="{y + cell / 2 + 3.5:.1f}" font-size="10" text-anchor="end">'
            f"{escape(_fit(f'{i + 1} {name}', label_w - 10, 10))}<title>{escape(name)}</title></text>"
        )
        for j in range(k):
            v = matrix[i][j] if i < len(matrix) and j < len(matrix[i]) else None
            fill = "#d1d5db" if v is None else _diverging(v)
            cx = label_w + j * cell
            shades.setdefault(fill, []).append(f"M{cx:.1f} {y:.1f}h{side:.1f}v{side:.1f}h{-side:.1f}z")
            ink = "#ffffff" if v is not None and abs(v) > 0.6 else "#111827"
            text = "–" if v is None else f"{v:.2f}".replace("0.", ".", 1)
            values[ink].append(f'<text x="{cx + side / 2:.1f}" y="{y + side / 2 + 3:.1f}">{text}</text>')
    out += [f'<path d="{"".join(d)}" fill="{fill}"/>' for fill, d in shades.items()]
    out += [
        f'<g font-size="{size}" text-anchor="middle" fill="{ink}">{"".join(texts)}</g>'
        for ink, texts in values.items()
        if texts
    ]
    ly = top + cell * k + 10
    for n, v in enumerate((-1.0, -0.5, 0.0, 0.5, 1.0)):
        lx = label_w + n * 52
        out.append(
            f'<rect x="{lx}" y="{ly}" width="14" height="12" fill="{_diverging(v)}" stroke="#6b7280" '
            f'stroke-width="0.6"/><text x="{lx + 18}" y="{ly + 10}" font-size="10">{v:+.1f}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
