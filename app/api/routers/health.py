from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.problems import problem, responses
from app.db import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=responses(503, auth=False))
def readyz(request: Request) -> Any:
    """The database is reachable and its schema is at the head migration."""
    engine = request.app.state.db.engine
    try:
        current = migrate.current_revision(engine)
    except Exception:
        return problem(503, "not-ready", "the database is unreachable", request)
    head = migrate.head_revision()
    if current != head:
        return problem(503, "not-ready", f"the database schema is at {current}, not at {head}", request)
    return JSONResponse({"status": "ready", "revision": current})
