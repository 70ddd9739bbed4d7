"""Platforms and awards: the same routes over two registries."""

from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from app.api.deps import ActorDep, DbDep, IfMatch, Limit, Offset, RegionCode, SettingsDep, registry_scheme
from app.api.problems import responses
from app.api.schemas import (
    AwardCreate,
    AwardPatch,
    AwardRead,
    Page,
    PlatformCreate,
    PlatformPatch,
    PlatformRead,
)
from app.db.tables import Award, Platform
from app.domain import Scheme
from app.services import registry
from app.services.paging import page

ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _read(row: Platform | Award, scheme: Scheme) -> dict[str, Any]:
    out = {k: v for k, v in row.model_dump().items() if k != "region_code"}
    out["region"] = row.region_code
    out.update(registry.item_labels(scheme, row))
    return out


def _input(model: type[Platform] | type[Award], body: BaseModel) -> registry.ItemInput:
    fields = body.model_dump()
    fields["region_code"] = fields.pop("region")
    cls = registry.PlatformInput if model is Platform else registry.AwardInput
    return cls(**fields)


def build(
    model: type[Platform] | type[Award],
    create: type[BaseModel],
    patch: type[BaseModel],
    read: type[BaseModel],
    prefix: str,
    tag: str,
    active_doc: str,
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])

    @router.post(
        "",
        status_code=201,
        response_model=read,
        responses={
            200: {"model": read, "description": "An identical item was already stored"},
            **responses(409, 422),
        },
        name="create",
    )
    def create_item(
        body: create,  # type: ignore[valid-type]
        db: DbDep,
        settings: SettingsDep,
        actor: ActorDep,
        response: Response,
    ) -> Any:
        with db.write() as session:
            row, created = registry.create_item(
                session, registry_scheme(session, settings), _input(model, body), actor=actor
            )
            response.status_code = 201 if created else 200
            response.headers["ETag"] = registry.item_etag(row)
            return _read(row, registry_scheme(session, settings))

    @router.get("", response_model=Page[read], responses=responses(404, 422), name="list")  # type: ignore[valid-type]
    def list_items(
        db: DbDep,
        settings: SettingsDep,
        region: RegionCode | None = Query(None, description="this region and all regions below it"),
        type: str | None = Query(None, max_length=64),
        level: str | None = Query(None, max_length=16),
        active_in: int | None = Query(None, ge=1949, le=2100, description=active_doc),
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Any:
        with db.read() as session:
            rows, total = registry.list_items(
                session,
                model,
                region=region,
                type_=type,
                level=level,
                active_in=active_in,
                limit=limit,
                offset=offset,
            )
            scheme = registry_scheme(session, settings)
            items = [_read(r, scheme) for r in rows]
            return page(items, total, limit, offset)

    @router.get("/{item_id}", response_model=read, responses=responses(404, 422), name="get")
    def get_item(item_id: ItemId, db: DbDep, settings: SettingsDep, response: Response) -> Any:
        with db.read() as session:
            row = registry.get_item(session, model, item_id)
            response.headers["ETag"] = registry.item_etag(row)
            return _read(row, registry_scheme(session, settings))

    @router.patch("/{item_id}", response_model=read, responses=responses(404, 409, 412, 422), name="update")
    def update_item(
        item_id: ItemId,
        body: patch,  # type: ignore[valid-type]
        db: DbDep,
        settings: SettingsDep,
        actor: ActorDep,
        response: Response,
        if_match: IfMatch = None,
    ) -> Any:
        changes = cast(BaseModel, body).model_dump(exclude_unset=True)
        if "region" in changes:
            changes["region_code"] = changes.pop("region")
        with db.write() as session:
            row = registry.update_item(
                session,
                registry_scheme(session, settings),
                model,
                item_id,
                changes,
                actor=actor,
                if_match=if_match,
            )
            response.headers["ETag"] = registry.item_etag(row)
            return _read(row, registry_scheme(session, settings))

    @router.delete("/{item_id}", status_code=204, responses=responses(404, 409, 412, 422), name="delete")
    def delete_item(item_id: ItemId, db: DbDep, actor: ActorDep, if_match: IfMatch = None) -> Response:
        with db.write() as session:
            registry.delete_item(session, model, item_id, actor=actor, if_match=if_match)
        return Response(status_code=204)

    return router


platforms = build(
    Platform,
    PlatformCreate,
    PlatformPatch,
    PlatformRead,
    "/platforms",
    "platforms",
    "only platforms that count for this data year (recognised by Dec 31, not revoked by then)",
)
awards = build(
    Award,
    AwardCreate,
    AwardPatch,
    AwardRead,
    "/awards",
    "awards",
    "only awards dated in this year",
)
