"""API keys managed over HTTP. An admin manages every key; a coordinator creates, lists and revokes
department keys within its own subtree (the county's bureaus), and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db import review
from app.db.tables import ApiKey
from app.domain import InvalidInput, Problem, Scheme
from app.services import access
from app.services.audit import Actor
from app.services.errors import Forbidden, NotFound

REGIONAL_ROLES = frozenset({"coordinator", "approver"})


def key_read(key: ApiKey) -> dict[str, Any]:
    return {
        "name": key.name,
        "role": key.role,
        "departments": key.departments.split(",") if key.departments else [],
        "region": key.region_code,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def _coordinator_may(actor: Actor, role: str, region: str | None) -> str | None:
    """Why a coordinator may not manage a key of `role` for `region`, or None when it may."""
    p = actor.principal
    if role != "department":
        return f"a coordinator key manages department keys only, not {role} keys"
    if region is None or not p.covers(region):
        return f"a coordinator key manages keys within its region {p.region} only, not for {region or 'every region'}"
    return None


def create(
    session: Session,
    scheme: Scheme,
    name: str,
    role: str,
    departments: Sequence[str],
    region: str | None,
    *,
    actor: Actor,
) -> tuple[ApiKey, str]:
    """A new key and its token (shown once). Reserved names are refused by access.create_key."""
    p = actor.principal
    if p.role not in ("admin", "coordinator"):
        raise Forbidden(
            f"only admin and coordinator keys may create keys; key {actor.name!r} is a {p.role} key"
        )
    if p.role == "coordinator":
        why = _coordinator_may(actor, role, region)
        if why is not None:
            raise Forbidden(why)
    problems = []
    if role in REGIONAL_ROLES and region is None:
        problems.append(Problem("region", f"{'an' if role == 'approver' else 'a'} {role} key needs a region"))
    if role in REGIONAL_ROLES and region is not None and repo.get_region(session, region) is not None:
        level = repo.get_region(session, region).level  # type: ignore[union-attr]
        if role == "approver" and level == "county":
            problems.append(
                Problem("region", "an approver key approves regions below its own; a county has none")
            )
    if problems:
        raise InvalidInput(problems)
    return access.create_key(session, scheme, name, role, departments, region, actor=actor)


def list_keys(session: Session, *, actor: Actor) -> list[dict[str, Any]]:
    p = actor.principal
    if p.role == "admin":
        return [key_read(k) for k in review.keys_in(session, None)]
    if p.role == "coordinator" and p.scope is not None:
        return [key_read(k) for k in review.keys_in(session, sorted(p.scope))]
    raise Forbidden(f"only admin and coordinator keys may list keys; key {actor.name!r} is a {p.role} key")


def revoke(session: Session, name: str, *, actor: Actor) -> ApiKey:
    p = actor.principal
    if p.role not in ("admin", "coordinator"):
        raise Forbidden(
            f"only admin and coordinator keys may revoke keys; key {actor.name!r} is a {p.role} key"
        )
    key = review.get_key(session, name)
    if key is None:
        raise NotFound("key", name)
    if p.role == "coordinator":
        why = _coordinator_may(actor, key.role, key.region_code)
        if why is not None:
            raise Forbidden(why)
    return access.revoke_key(session, name, actor=actor)
