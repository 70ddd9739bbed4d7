"""Templates to HTML, HTML to PDF, and a cache of finished reports per data version.

PDFs are made by WeasyPrint from the same HTML, with a CJK font found through fontconfig
(Debian's fonts-noto-cjk), so the Chinese text is embedded as text: selectable and searchable.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app import __version__
from app.reports import charts
from app.reports.labels import label

_env = Environment(
    loader=PackageLoader("app.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates ship with the package: no stat() per render
)


def _num(x: Any, places: int = 2) -> str:
    if x is None:
        return "–"
    return f"{Decimal(str(x)):.{places}f}"


def _value(x: Any) -> str:
    """A raw input as people write it: thousands separated, at most four decimals, no trailing zeros."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, str):
        return x
    d = Decimal(str(x)).quantize(Decimal("0.0001"))
    text = f"{d:,.4f}".rstrip("0").rstrip(".")
    return text


def _signed(x: Any) -> str:
    if x is None:
        return "–"
    d = Decimal(str(x))
    if d > 0:
        return f"▲ +{d:.2f}"
    if d < 0:
        return f"▼ {d:.2f}"
    return "= 0.00"


def _when(x: datetime | None) -> str:
    return "–" if x is None else x.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


_env.filters.update(num=_num, value=_value, signed=_signed, when=_when)
_env.globals.update(meter=charts.meter, version=__version__)


def render_html(template: str, context: dict[str, Any], lang: str) -> str:
    def t(key: str, **kw: Any) -> str:
        text = label(key, lang)
        return text.format(**kw) if kw else text

    def name(obj: dict[str, Any] | Any) -> str:
        if obj is None:
            return "–"
        zh, en = obj.get("name_zh"), obj.get("name_en")
        return str((en or zh) if lang == "en" else (zh or en) or "")

    return _env.get_template(template).render(
        **context,
        lang=lang,
        t=t,
        name=name,
        grouped_bars=charts.grouped_bars,
        Group=charts.Group,
        rank_intervals=charts.rank_intervals,
        Interval=charts.Interval,
        heat_map=charts.heat_map,
    )


def render_pdf(html: str) -> bytes:
    # imported here: WeasyPrint takes about a second to import, and only PDF requests need it
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
