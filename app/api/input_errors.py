"""Input errors as a clerk reads them: where (a JSON path), what was received, and why in Chinese
and in English. Pydantic's wording ("Input should be a valid dictionary ...") and the patterns it
checks never reach a client: each kind of validation error becomes a sentence of the domain.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app.domain.elements import region_level_zh
from app.domain.numbers import plain
from app.domain.problems import REGION_AS_TEXT

#: the problem type of every input error (422); bodies that had another type before (invalid-request,
#: invalid-rows) name it in `former_type` for one release, so that a client matching it can switch
INVALID_INPUT = "invalid-input"
#: characters of a received value echoed back
RECEIVED_CHARS = 100

REGION_FIELDS = frozenset({"code", "region", "parent_code", "region_code", "parent"})
#: the pattern of a region code (six ASCII digits)
_REGION_PATTERN = "^[0-9]{6}$"

REGION_CODE_EN = REGION_AS_TEXT
REGION_CODE_ZH = '必须是以字符串书写的 6 位 GB/T 2260 行政区划代码，例如 "130102"'


def json_path(loc: Iterable[Any]) -> str:
    """`("body", "values", 3, "value")` -> `values[3].value`; the body itself is `body`."""
    out = ""
    for part in loc:
        if part in ("body", "query", "path", "header") and not out:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def row_index(loc: tuple[Any, ...]) -> int | None:
    """The row of a bulk body (`values[3]...` -> 3), else None."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    if len(parts) >= 2 and isinstance(parts[0], str) and isinstance(parts[1], int):
        return parts[1]
    return None


def received(value: Any) -> Any:
    """The value as sent, for `errors[].received`: scalars as they are, text cut to RECEIVED_CHARS
    characters, objects and arrays as they are when short, else their JSON text cut short."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value if len(value) <= RECEIVED_CHARS else value[:RECEIVED_CHARS] + "…"
    if isinstance(value, Mapping | list | tuple):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except ValueError:
            text = str(value)
        return value if len(text) <= RECEIVED_CHARS else text[:RECEIVED_CHARS] + "…"
    return value


def _expected_list(raw: str) -> str:
    # pydantic's "'province', 'city' or 'county'" -> "province, city, county"
    return ", ".join(re.findall(r"'([^']*)'", raw)) or raw


def _bound(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key)
    return plain(value) if isinstance(value, int | float) else str(value)


def _same(text: str) -> tuple[str, str]:
    return text, text


def translate(error: Mapping[str, Any]) -> tuple[str, str]:
    """(reason in English, reason in Chinese) for one pydantic/FastAPI validation error."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    loc = tuple(error.get("loc", ()))
    name = str(loc[-1]) if loc else ""
    value = error.get("input")
    at_root = json_path(loc) == "body"
    if kind == "missing":
        if at_root:
            return "the body is missing: send a JSON object ({...})", "缺少请求体：请发送 JSON 对象（{...}）"
        return "is required", "必填，不能缺少"
    if kind == "extra_forbidden":
        return "is not a field of this request", "不是本请求的字段"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if at_root:
            return "the body must be a JSON object ({...})", "请求体必须是 JSON 对象（{...}）"
        return "must be a JSON object ({...})", "必须是 JSON 对象（{...}）"
    if kind in ("list_type", "tuple_type"):
        return "must be a JSON array ([...])", "必须是 JSON 数组（[...]）"
    if kind == "string_type":
        if name in REGION_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
            return REGION_CODE_EN, REGION_CODE_ZH
        return "must be text (a JSON string in double quotes)", "必须是文本（用双引号括起的 JSON 字符串）"
    if kind == "string_pattern_mismatch":
        if str(ctx.get("pattern")) == _REGION_PATTERN or name in REGION_FIELDS:
            return (
                "must be a 6-digit GB/T 2260 division code (six ASCII digits, e.g. 130102)",
                "必须是 6 位 GB/T 2260 行政区划代码（6 个半角数字，例如 130102）",
            )
        return "is not written in the accepted form", "书写格式不符合要求"
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        if n == 1:
            return "must not be empty", "不能为空"
        return f"must have at least {n} characters", f"至少需要 {n} 个字符"
    if kind == "string_too_long":
        n = ctx.get("max_length")
        return f"must have at most {n} characters", f"最多 {n} 个字符"
    if kind in ("too_short",):
        n = ctx.get("min_length")
        return f"must hold at least {n} items", f"至少需要 {n} 项"
    if kind in ("too_long",):
        n = ctx.get("max_length")
        return f"must hold at most {n} items", f"最多 {n} 项"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number", "必须是整数"
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"):
        return "must be a number", "必须是数字"
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false", "必须是 true 或 false"
    if kind in ("literal_error", "enum"):
        options = _expected_list(str(ctx.get("expected", "")))
        return f"must be one of {options}", f"必须是以下之一：{options}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("at least", "不能小于"),
            "greater_than": ("greater than", "必须大于"),
            "less_than_equal": ("at most", "不能大于"),
            "less_than": ("less than", "必须小于"),
        }[kind]
        key = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le", "less_than": "lt"}[
            kind
        ]
        bound = _bound(ctx, key)
        return f"must be {words[0]} {bound}", f"{words[1]} {bound}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return "must be a date written YYYY-MM-DD", "必须是 YYYY-MM-DD 格式的日期"
    if kind == "json_invalid":
        return "is not valid JSON", "不是有效的 JSON"
    if kind in ("value_error", "assertion_error"):
        # a message of the domain (e.g. the date rule), raised from a validator
        text = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text, zh_of(text)
    return "is not accepted here", "此处不接受该值"


#: Chinese for the domain's own sentences (values, rows, dates), matched on their English text
def _levels_zh(m: re.Match[str]) -> str:
    return f"{region_level_zh(m[1])}地区不能隶属于{region_level_zh(m[2])}地区"


_ZH: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^must be a number$"), "必须是数字"),
    (
        re.compile(r"^(.+) is text with a percent sign: send the number alone, e.g. (\S+) for .+$"),
        r"\1 是带百分号的文本：请只发送数字，例如 \2% 发送 \2",
    ),
    (
        re.compile(r"^(.+) is text with thousands separators: send the number without them, e.g. (\S+)$"),
        r"\1 是带千位分隔符的文本：请发送不带分隔符的数字，例如 \2",
    ),
    (
        re.compile(r"^(.+) is text: send the number without quotes, e.g. (\S+)$"),
        r"\1 是文本：请发送不带引号的数字，例如 \2",
    ),
    (re.compile(r"^(.+) is not a number$"), r"\1 不是数字"),
    (re.compile("^" + re.escape(REGION_AS_TEXT) + "$"), REGION_CODE_ZH),
    (re.compile(r"^must be a finite number$"), "必须是有限的数字"),
    (re.compile(r"^must not be negative$"), "不能为负数"),
    (re.compile(r"^must be a whole number$"), "必须是整数"),
    (re.compile(r"^must be true or false$"), "必须是 true 或 false"),
    (re.compile(r"^is a percentage and must not exceed 100$"), "是百分比，不能超过 100"),
    (re.compile(r"^must not exceed (\S+)$"), r"不能超过 \1"),
    (
        re.compile(r"^is an assessed score and must lie between (\S+) and (\S+)$"),
        r"是评估得分，必须介于 \1 与 \2 之间",
    ),
    (re.compile(r"^must be one of (.+)$"), r"必须是以下之一：\1"),
    (re.compile(r"^unknown choice (.+); expected one of (.+)$"), r"未知选项 \1；可选：\2"),
    (re.compile(r"^unknown region (.+)$"), r"未知地区 \1"),
    (re.compile(r"^unknown element (.+) in scheme (.+)$"), r"指标体系 \2 中没有数据项 \1"),
    (re.compile(r"^must not be null; delete a value to remove it$"), "不能为 null；要删除数据请使用 DELETE"),
    (re.compile(r"^must be a string of at most (\d+) characters$"), r"必须是不超过 \1 个字符的文本"),
    (re.compile(r"^the same region and element as row (\d+)$"), r"与第 \1 行的地区和数据项重复"),
    (re.compile(r"^there is no period (\d+); create it with (.+)$"), r"没有 \1 年度；请先用 \2 创建"),
    (re.compile(r"^(.+) is not a calendar date$"), r"\1 不是有效的日历日期"),
    (re.compile(r"^must be a date written YYYY-MM-DD$"), "必须是 YYYY-MM-DD 格式的日期"),
    (
        re.compile(r"^(.+) cannot be stored exactly: values carry (.+)$"),
        r"\1 无法精确保存：数值最多保留小数点后 10 位、共 15 位有效数字",
    ),
    (re.compile(r"^must be greater than 0: it is the denominator of (.+)$"), r"必须大于 0：它是 \1 的分母"),
    (re.compile(r"^unknown (\w+) type (.+)$"), r"未知的 \1 类型 \2"),
    (re.compile(r"^unknown level (.+); expected one of (.+)$"), r"未知级别 \1；可选：\2"),
    (
        re.compile(r"^must not be null; leave the field out to keep its value$"),
        "不能为 null；不修改的字段请省略",
    ),
    (re.compile(r"^unknown field$"), "未知字段"),
    (re.compile(r"^a (\w+) cannot sit under a (\w+)$"), _levels_zh),
    (re.compile(r"^unknown scheme (.+)$"), r"未知的指标体系 \1"),
    (re.compile(r"^unknown element in scheme (.+)$"), r"指标体系 \1 中没有这个数据项"),
    (re.compile(r"^unknown subject (.+): expected (.+) code$"), r"未知对象 \1：应为 \2 代码"),
    (re.compile(r"^unknown tier (.+); expected one of (.+)$"), r"未知等次 \1；可选：\2"),
    (re.compile(r"^must be a non-empty string$"), "必须是非空文本"),
    (re.compile(r"^must be a string$"), "必须是文本"),
    (re.compile(r"^must be a whole number \(a year\)$"), "必须是整数（年份）"),
    (re.compile(r"^repeats an earlier target$"), "与前面的目标重复"),
    (re.compile(r"^must be before by_year (\d+)$"), r"必须早于 by_year \1"),
    (
        re.compile(r"^only count targets have a level, not (\w+) targets$"),
        r"只有 count 类目标有级别，\1 类目标没有",
    ),
    (re.compile(r"^a (\w+) target has no threshold$"), r"\1 类目标没有阈值"),
    (re.compile(r"^must be an object$"), "必须是 JSON 对象"),
    (
        re.compile(r"^must be an integer from (\S+) to (\S+); received (.+)$"),
        r"必须是 \1 到 \2 之间的整数；收到 \3",
    ),
    (
        re.compile(r"^must be a number from (\S+) to (\S+); received (.+)$"),
        r"必须是 \1 到 \2 之间的数字；收到 \3",
    ),
    (
        re.compile(r"^contains a NUL character \(U\+0000\), which no text field may hold$"),
        "含有 NUL 字符（U+0000），任何文本字段都不能包含",
    ),
    (
        re.compile(r"^contains a lone UTF-16 surrogate .*$"),
        "含有孤立的 UTF-16 代理项（如 U+D800），它不是字符",
    ),
    (re.compile(r"^(.+) is before (\S+) (.+)$"), r"\1 早于 \2 \3"),
]


def zh_of(reason: str) -> str:
    """The Chinese of a domain sentence; the English text when no translation is known."""
    for pattern, zh in _ZH:
        if pattern.match(reason):
            return pattern.sub(zh, reason)
    return reason


def json_position(doc: str | bytes, pos: int) -> tuple[int, int]:
    """Line and column (both from 1) of character offset `pos` in `doc`."""
    text = doc.decode("utf-8", "replace") if isinstance(doc, bytes | bytearray) else str(doc)
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def validation_errors(errors: Iterable[Mapping[str, Any]], body: Any = None) -> list[dict[str, Any]]:
    """`errors[]` entries for FastAPI's validation errors: index, field (a JSON path), received,
    reason, reason_zh."""
    out: list[dict[str, Any]] = []
    for e in errors:
        loc = tuple(e.get("loc", ()))
        if e.get("type") == "json_invalid":
            pos = loc[-1] if loc and isinstance(loc[-1], int) else 0
            line, column = json_position(body if isinstance(body, str | bytes) else "", pos)
            cause = str((e.get("ctx") or {}).get("error", "")).strip()
            out.append(
                {
                    "index": None,
                    "field": "body",
                    "received": None,
                    "reason": f"is not valid JSON: {cause or 'syntax error'} at line {line}, column {column}",
                    "reason_zh": f"不是有效的 JSON：第 {line} 行第 {column} 列有语法错误",
                    "position": {"line": line, "column": column},
                }
            )
            continue
        en, zh = translate(e)
        out.append(
            {
                "index": row_index(loc),
                "field": json_path(loc),
                "received": None if e.get("type") == "missing" else received(e.get("input")),
                "reason": en,
                "reason_zh": zh,
            }
        )
    return out


def summary(errors: list[dict[str, Any]]) -> str:
    """The problem's `detail`: the first few errors, `field: reason`."""
    return "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]) or "the request is invalid"
