"""API keys over HTTP: admins manage every key, coordinators department keys in their subtree."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.api.deps import ActorDep, DbDep, SettingsDep, registry_scheme
from app.api.problems import responses
from app.api.review_schemas import KeyCreate, KeyCreated, KeyList
from app.services import keys

router = APIRouter(prefix="/keys", tags=["keys"])

KeyName = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("", response_model=KeyCreated, status_code=201, responses=responses(409, 422))
def create_key(body: KeyCreate, db: DbDep, settings: SettingsDep, actor: ActorDep) -> Any:
    """Create a key; its token is in this answer only (stored as a hash). Coordinators and approvers
    need a region; names the service uses for itself are reserved. A coordinator may create
    department keys within its own region."""
    with db.write() as session:
        scheme = registry_scheme(session, settings)
        key, token = keys.create(
            session, scheme, body.name, body.role, body.departments, body.region, actor=actor
        )
        return {**keys.key_read(key), "token": token}


@router.get("", response_model=KeyList, responses=responses(422))
def list_keys(db: DbDep, actor: ActorDep) -> Any:
    """Every key (admin) or the keys within the coordinator's region; tokens are never shown."""
    with db.read() as session:
        items = keys.list_keys(session, actor=actor)
    return {"items": items, "total": len(items)}


@router.delete("/{name}", status_code=204, responses=responses(404, 422))
def revoke_key(name: KeyName, db: DbDep, actor: ActorDep) -> Response:
    """Revoke a key; every process refuses it from the next request on."""
    # no cache to clear: the commit moves the change token (app.db.watch) before this answers,
    # and every process's key cache, this one's too, holds only answers read at the old token
    with db.write() as session:
        keys.revoke(session, name, actor=actor)
    return Response(status_code=204)
