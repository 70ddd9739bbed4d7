"""Schemes in the database: the built-in files are loaded at start; periods refer to them."""

from __future__ import annotations

import json

from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import SchemeRow
from app.db.types import utcnow
from app.domain import Scheme, builtin_schemes, load_scheme
from app.domain.loader import parse_json
from app.services.errors import NotFound

# Parsed schemes by content hash: a definition is checked once per process.
_parsed: dict[str, Scheme] = {}


def sync_builtin_schemes(session: Session) -> list[str]:
    """Insert or refresh the rows of the schemes shipped with the package; returns their codes."""
    codes = []
    for scheme in builtin_schemes().values():
        row = repo.get_scheme_row(session, scheme.code)
        definition = json.dumps(scheme.definition, ensure_ascii=False, sort_keys=True)
        if row is None:
            session.add(
                SchemeRow(
                    code=scheme.code,
                    version=scheme.version,
                    name_zh=scheme.name_zh,
                    name_en=scheme.name_en,
                    definition=definition,
                    content_hash=scheme.content_hash,
                )
            )
        elif row.content_hash != scheme.content_hash:
            row.version, row.definition, row.content_hash = (
                scheme.version,
                definition,
                scheme.content_hash,
            )
            row.name_zh, row.name_en, row.loaded_at = scheme.name_zh, scheme.name_en, utcnow()
            session.add(row)
        _parsed[scheme.content_hash] = scheme
        codes.append(scheme.code)
    session.flush()
    return codes


def scheme_from_row(row: SchemeRow) -> Scheme:
    scheme = _parsed.get(row.content_hash)
    if scheme is None:
        scheme = load_scheme(parse_json(row.definition))
        _parsed[row.content_hash] = scheme
    return scheme


def get_scheme(session: Session, code: str) -> Scheme:
    row = repo.get_scheme_row(session, code)
    if row is None:
        raise NotFound("scheme", code)
    return scheme_from_row(row)


def list_schemes(session: Session) -> list[Scheme]:
    return [scheme_from_row(r) for r in repo.list_scheme_rows(session)]
