"""Target files: read (JSON or TOML, exact numbers), check every row, create or update all or nothing."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.domain import InvalidInput, Scheme
from app.domain.targets import parse_threshold, statement
from app.services.audit import SYSTEM, Actor
from app.services.errors import RowProblem, RowsInvalid
from app.services.targets.crud import (
    TargetInput,
    as_input,
    check_input,
    create_target,
    state_of,
    update_target,
)

# ------------------------------------------------------------------------------------- import

FIELDS = ("region", "kind", "subject", "level", "threshold", "by_year", "base_year", "comment")


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int


#: target files shipped in app/reference, by the name `innomon targets import` also accepts
REFERENCE_FILES = {"changan": "changan-targets.json"}


def read_file(path: str) -> Any:
    """A target file's document: JSON, or TOML when the name ends in .toml; a name from
    REFERENCE_FILES reads the shipped file. Numbers are read exactly. ValueError says what is wrong."""
    if path in REFERENCE_FILES and not Path(path).exists():
        text = resources.files("app.reference").joinpath(REFERENCE_FILES[path]).read_text(encoding="utf-8")
        return json.loads(text, parse_float=Decimal)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if path.endswith(".toml"):
        try:
            return tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def parse_rows(doc: object) -> tuple[list[TargetInput | None], list[RowProblem]]:
    """A target file's rows, with the file's `region` and `base_year` as defaults, and the
    problems of their form (index = position in `targets`; a bad row is None)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("targets"), list):
        raise RowsInvalid([RowProblem(0, "targets", "the file needs a list `targets`")], 0)
    defaults = {k: doc[k] for k in ("region", "base_year") if k in doc}
    problems: list[RowProblem] = []
    out: list[TargetInput | None] = []
    for i, raw in enumerate(doc["targets"]):
        if not isinstance(raw, Mapping):
            problems.append(RowProblem(i, "(row)", "must be an object"))
            continue
        row = {**defaults, **raw}
        bad = [RowProblem(i, k, "unknown field") for k in row if k not in FIELDS]
        for name in ("region", "kind", "subject"):
            if not isinstance(row.get(name), str) or not row[name]:
                bad.append(RowProblem(i, name, "must be a non-empty string"))
        for name in ("level", "comment"):
            if row.get(name) is not None and not isinstance(row[name], str):
                bad.append(RowProblem(i, name, "must be a string"))
        for name in ("by_year", "base_year"):
            if isinstance(row.get(name), bool) or not isinstance(row.get(name), int):
                bad.append(RowProblem(i, name, "must be a whole number (a year)"))
        threshold = None
        if row.get("threshold") is not None:
            try:
                threshold = parse_threshold(row["threshold"])
            except ValueError as exc:
                bad.append(RowProblem(i, "threshold", str(exc)))
        if bad:
            problems += bad
            out.append(None)
            continue
        out.append(
            TargetInput(
                row["region"],
                row["kind"],
                row["subject"],
                row.get("level"),
                threshold,
                row["by_year"],
                row["base_year"],
                row.get("comment"),
            ).normalised()
        )
    return out, problems


def import_targets(
    session: Session,
    scheme: Scheme,
    doc: object,
    *,
    actor: Actor = SYSTEM,
    progress: Callable[[int, int, str, TargetInput], None] | None = None,
) -> ImportCounts:
    """Create or update the targets of a target file by (region, kind, subject, level, by_year).

    All or nothing: any bad row raises RowsInvalid naming every problem of every row, and nothing
    is written. Re-importing the same file changes nothing; targets not in it are left alone."""
    parsed, problems = parse_rows(doc)
    for i, data in enumerate(parsed):
        if data is not None:
            try:
                check_input(session, scheme, data)
            except InvalidInput as exc:
                problems += [RowProblem(i, p.field, p.reason) for p in exc.problems]
    keys = [d.key() if d is not None else None for d in parsed]
    problems += [
        RowProblem(i, "subject", "repeats an earlier target")
        for i, k in enumerate(keys)
        if k is not None and k in keys[:i]
    ]
    if problems:
        raise RowsInvalid(sorted(problems, key=lambda p: p.index), len(parsed))
    rows = [d for d in parsed if d is not None]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for i, data in enumerate(rows):
        existing = repo.find_target(session, *data.key())
        if existing is None:
            create_target(session, scheme, data, actor=actor)
            status = "created"
        elif as_input(existing) == data:
            status = "unchanged"
        else:
            changes = {k: v for k, v in state_of(data).items() if getattr(as_input(existing), k) != v}
            update_target(session, scheme, existing.id or 0, changes, actor=actor)
            status = "updated"
        counts[status] += 1
        if progress is not None:
            progress(i, len(rows), status, data)
    return ImportCounts(**counts)


def describe(data: TargetInput, scheme: Scheme | None = None) -> str:
    """One line for people: 'high-tech enterprises at least 90 家 by 2025 / 到 2025 年高新技术企业
    数量达到 90 家' with the scheme, 'value high_tech_enterprises >= 90 by 2025' without."""
    if scheme is not None:
        said = statement(
            scheme, data.kind, data.subject, data.level or "", data.threshold, data.by_year, data.base_year
        )
        return f"{said.zh} / {said.en}"
    n = "" if data.threshold is None else format(data.threshold.normalize(), "f")
    if data.kind == "count":
        return (
            f"count {data.subject}{' at ' + data.level + '+' if data.level else ''} >= {n} by {data.by_year}"
        )
    if data.kind == "increase":
        return f"increase {data.subject} every year {data.base_year + 1}-{data.by_year}"
    if data.kind == "tier":
        return f"tier {data.subject} or better by {data.by_year}"
    return f"value {data.subject} >= {n} by {data.by_year}"
