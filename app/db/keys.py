"""API key queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.db.tables import ApiKey


def get_by_name(session: Session, name: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.name == name)).first()


def get_by_token_hash(session: Session, token_hash: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.token_hash == token_hash)).first()


def list_keys(session: Session) -> Sequence[ApiKey]:
    return session.exec(select(ApiKey).order_by(col(ApiKey.name))).all()


def any_key(session: Session) -> bool:
    return session.exec(select(ApiKey.id).limit(1)).first() is not None
