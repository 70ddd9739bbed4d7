"""The `innomon` command line. Heavy imports (web server, database) happen only in the commands
that need them, so `innomon score` starts fast and works with no server and no database."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from decimal import Decimal
from typing import Any, TextIO

EXIT_OK, EXIT_INVALID = 0, 2


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _num(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:g}" if abs(x) < 1e15 else str(x)
    return str(x)


def render_table(b: dict[str, Any]) -> str:
    """A readable table of a breakdown: zh names, value, score/max, subtotals, total and tier."""
    name_w = max(_width(i["name_zh"]) for d in b["dimensions"] for i in d["indicators"]) + 2
    lines = [f"{b['scheme']}  {b['year']}" + (f"  {b['region']}" if b.get("region") else ""), ""]
    header = _pad("指标", name_w + 2) + f"{'value':>14}  {'score':>11}"
    lines += [header, "-" * _width(header)]
    for d in b["dimensions"]:
        lines.append(
            _pad(f"{d['name_zh']} ({d['name_en']})", name_w + 2 + 16)
            + f"{d['score']:>6g} / {d['max']:<3g}"
        )
        for i in d["indicators"]:
            unit = f" {i['unit']}" if i["unit"] and isinstance(i["value"], int | float) else ""
            mark = (
                "  (missing: " + ", ".join(i["missing_inputs"]) + ")" if i["missing_inputs"] else ""
            )
            value = _num(i["value"]) + unit
            lines.append(
                "  "
                + _pad(i["name_zh"], name_w)
                + _pad("", max(0, 14 - _width(value)))
                + value
                + f"  {i['score']:>6g} / {i['max']:<3g}"
                + mark
            )
    lines.append("-" * _width(header))
    lines.append(
        f"总分 total {b['total']:g} / {b['max']:g}   梯队 tier {b['tier']} ({b['tier_name_zh']})"
    )
    if not b["complete"]:
        lines.append("数据不完整 incomplete — missing inputs by department:")
        for dept, elements in b["missing_by_department"].items():
            lines.append(f"  {dept}: {', '.join(elements)}")
    return "\n".join(lines)


def cmd_score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.domain import InvalidInput, builtin_scheme, parse_document, score

    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        print(f"innomon score: cannot read {args.file}: {exc.strerror}", file=err)
        return EXIT_INVALID
    try:
        doc = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        print(
            f"innomon score: (document): not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            file=err,
        )
        return EXIT_INVALID
    try:
        scheme, facts, region = parse_document(doc, builtin_scheme)
    except InvalidInput as exc:
        print(f"innomon score: {len(exc.problems)} problem(s) in the document:", file=err)
        for p in exc.problems:
            print(f"  {p.field}: {p.reason}", file=err)
        return EXIT_INVALID
    breakdown = score(scheme, facts, region).to_dict()
    if args.format == "table":
        print(render_table(breakdown), file=out)
    else:
        json.dump(breakdown, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innomon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("score", help="score a scoring document (no server, no database)")
    p.add_argument("file", help="path of a JSON scoring document, or - for standard input")
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.set_defaults(func=cmd_score)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    rc: int = args.func(args, sys.stdout, sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
