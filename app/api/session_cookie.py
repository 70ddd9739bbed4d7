"""The browser's sign-in: a signed session cookie that lets a person read pages and reports.

The cookie holds the API key's id, a fingerprint of its token hash and an expiry time, signed with
HMAC-SHA256 under the session secret. It never holds the token. On every use the key is looked up
again (in the thread pool), so a revoked key, or a key whose token was replaced, stops the cookie
at once. The cookie authorises GET of pages and reports only: the API routes read the
`Authorization` header alone, so a write cannot be made with the cookie (no CSRF surface).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.api.deps import Database, _bearer, get_actor
from app.config import Settings
from app.db import keys
from app.db import repositories as repo
from app.db.tables import ApiKey
from app.services.access import token_hash
from app.services.audit import Actor, Principal
from app.services.errors import Unauthenticated

COOKIE_NAME = "innomon_session"
#: a session lasts this long from sign-in, whatever happens in between
SESSION_SECONDS = 8 * 60 * 60

#: the secret used when INNOMON_SESSION_SECRET is not set: new in every process, so sessions end
#: when the process restarts and do not carry across workers
_PROCESS_SECRET = secrets.token_bytes(32)


def session_secret(settings: Settings) -> bytes:
    configured = settings.session_secret
    return configured.get_secret_value().encode() if configured is not None else _PROCESS_SECRET


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fingerprint(hash_hex: str) -> str:
    return hash_hex[:32]


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def make_cookie(secret: bytes, key_id: int, key_token_hash: str, now: float | None = None) -> str:
    """The cookie value for a sign-in with the key `key_id` at `now` (seconds since the epoch)."""
    issued = int(time.time() if now is None else now)
    body = {"k": key_id, "h": _fingerprint(key_token_hash), "exp": issued + SESSION_SECONDS}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_sign(secret, payload)}"


@dataclass(frozen=True)
class SessionClaim:
    key_id: int
    fingerprint: str
    expires: int


def read_cookie(secret: bytes, value: str, now: float | None = None) -> SessionClaim | None:
    """The claim of a well-signed, unexpired cookie; None for anything else."""
    payload, _, signature = value.partition(".")
    if not payload or not signature or not hmac.compare_digest(signature, _sign(secret, payload)):
        return None
    try:
        body = json.loads(_unb64(payload))
        claim = SessionClaim(int(body["k"]), str(body["h"]), int(body["exp"]))
    except (ValueError, KeyError, TypeError):
        return None
    if claim.expires <= (time.time() if now is None else now):
        return None
    return claim


def _principal_of_claim(session: Session, claim: SessionClaim) -> Principal | None:
    key = session.get(ApiKey, claim.key_id)
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(_fingerprint(key.token_hash), claim.fingerprint):
        return None  # the key's token was replaced since the sign-in
    scope = frozenset(repo.subtree_codes(session, key.region_code)) if key.region_code else None
    departments = frozenset(key.departments.split(",")) if key.departments else frozenset()
    return Principal(key.name, key.role, departments, key.region_code, scope)


def principal_of_claim(db: Database, claim: SessionClaim) -> Principal | None:
    with db.read() as session:
        return _principal_of_claim(session, claim)


def key_for_token(db: Database, token: str) -> ApiKey | None:
    """The live key with this token, for a sign-in; None when unknown or revoked."""
    with db.read() as session:
        key = keys.get_by_token_hash(session, token_hash(token))
    return key if key is not None and key.revoked_at is None else None


class SignInRequired(Exception):
    """A page was asked for without a valid session or key: a browser is sent to the sign-in form."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def get_reader_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """The reader of a page or report: the `Authorization` header when sent, else the session cookie.

    Without either, a browser (Accept: text/html) is redirected to the sign-in form and any other
    client gets 401."""
    if request.headers.get("authorization"):
        return await get_actor(request, credentials)
    value = request.cookies.get(COOKIE_NAME)
    detail = "sign in at /login or send an API key: Authorization: Bearer <token>"
    if value:
        claim = read_cookie(session_secret(request.app.state.settings), value)
        if claim is None:
            detail = "the session has expired or is not valid; sign in again at /login"
        else:
            principal = await run_in_threadpool(principal_of_claim, request.app.state.db, claim)
            if principal is not None:
                return Actor(principal, getattr(request.state, "request_id", None))
            detail = "the session's API key was revoked or replaced; sign in again at /login"
    if _wants_html(request):
        raise SignInRequired(detail)
    raise Unauthenticated(detail)


ReaderDep = Annotated[Actor, Depends(get_reader_actor)]
