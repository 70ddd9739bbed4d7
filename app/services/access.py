"""API keys and what each role may do.

Roles: `admin` does everything; `department` writes the data elements its departments own, and
platform and award items when it holds science_tech or development_reform, within its region's
subtree; `assessor` writes the assessed elements within its subtree; `reader` only reads.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Sequence

from sqlmodel import Session

from app.db import keys
from app.db import repositories as repo
from app.db.tables import KEY_ROLES, ApiKey
from app.db.types import utcnow
from app.db.watch import ChangeWatch, Token
from app.domain import InvalidInput, Problem, Scheme
from app.domain.scheme import ElementKind
from app.services import audit
from app.services.audit import DEMO_ACTOR_NAME, SYSTEM, Actor, Principal
from app.services.errors import Conflict, Forbidden, NotFound

REGISTRY_DEPARTMENTS = frozenset({"science_tech", "development_reform"})
BOOTSTRAP_KEY_NAME = "bootstrap-admin"
#: names the service writes as the actor of its own changes (audit trail, a value's source): a
#: key by one of them would pass for the service itself. bootstrap-admin is made only from
#: INNOMON_BOOTSTRAP_ADMIN_TOKEN.
RESERVED_KEY_NAMES = frozenset({SYSTEM.name, DEMO_ACTOR_NAME, BOOTSTRAP_KEY_NAME})
TOKEN_PREFIX = "inm_"


def new_token() -> str:
    """A random token: 32 bytes from the OS's CSPRNG, URL-safe, with a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # tokens carry 256 random bits, so a fast hash is as good as a slow one here
    return hashlib.sha256(token.encode()).hexdigest()


def _state(key: ApiKey) -> dict[str, object]:
    return {
        "name": key.name,
        "role": key.role,
        "departments": key.departments.split(",") if key.departments else [],
        "region": key.region_code,
        "revoked_at": key.revoked_at,
    }


def create_key(
    session: Session,
    scheme: Scheme,
    name: str,
    role: str,
    departments: Sequence[str] = (),
    region: str | None = None,
    *,
    actor: Actor = SYSTEM,
    token: str | None = None,
    reserved: bool = False,
) -> tuple[ApiKey, str]:
    """Create a key; returns it and its token (shown once, stored only as a hash). A reserved
    name (RESERVED_KEY_NAMES, in any case) is refused unless `reserved` (the bootstrap key)."""
    problems = []
    if not name or len(name) > 100:
        problems.append(Problem("name", "must be 1 to 100 characters"))
    elif not reserved and name.strip().casefold() in RESERVED_KEY_NAMES:
        problems.append(
            Problem(
                "name",
                f"{name!r} is reserved: the service uses {', '.join(sorted(RESERVED_KEY_NAMES))} "
                "for its own changes",
            )
        )
    if role not in KEY_ROLES:
        problems.append(Problem("role", f"must be one of {', '.join(KEY_ROLES)}"))
    unknown = [d for d in departments if d not in scheme.departments]
    if unknown:
        problems.append(
            Problem(
                "department",
                f"unknown department(s) {', '.join(unknown)}; expected {', '.join(scheme.departments)}",
            )
        )
    if role == "department" and not departments:
        problems.append(Problem("department", "a department key needs at least one department"))
    if role != "department" and departments:
        problems.append(Problem("department", f"only department keys have departments, not {role} keys"))
    if region is not None and repo.get_region(session, region) is None:
        problems.append(Problem("region", f"unknown region {region!r}"))
    if problems:
        raise InvalidInput(problems)
    if keys.get_by_name(session, name) is not None:
        raise Conflict(f"a key named {name!r} exists")
    token = token or new_token()
    key = ApiKey(
        name=name,
        role=role,
        departments=",".join(sorted(set(departments))),
        region_code=region,
        token_hash=token_hash(token),
    )
    session.add(key)
    session.flush()
    audit.record(session, audit.event(actor, "create", "api_key", name, new=_state(key)))
    return key, token


def list_keys(session: Session) -> Sequence[ApiKey]:
    return keys.list_keys(session)


def revoke_key(session: Session, name: str, *, actor: Actor = SYSTEM) -> ApiKey:
    key = keys.get_by_name(session, name)
    if key is None:
        raise NotFound("key", name)
    if key.revoked_at is None:
        old = _state(key)
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
        audit.record(session, audit.event(actor, "revoke", "api_key", name, old=old, new=_state(key)))
    return key


def ensure_bootstrap_admin(session: Session, scheme: Scheme, token: str) -> None:
    """Make sure an admin key with this token exists (for containers configured by environment)."""
    h = token_hash(token)
    key = keys.get_by_name(session, BOOTSTRAP_KEY_NAME)
    if key is None:
        create_key(session, scheme, BOOTSTRAP_KEY_NAME, "admin", token=token, reserved=True)
    elif key.token_hash != h or key.revoked_at is not None or key.role != "admin":
        old = _state(key)
        key.token_hash, key.revoked_at, key.role = h, None, "admin"
        session.add(key)
        session.flush()
        audit.record(session, audit.event(SYSTEM, "update", "api_key", key.name, old=old, new=_state(key)))


def any_key(session: Session) -> bool:
    return keys.any_key(session)


def principal_for(session: Session, token: str) -> Principal | None:
    key = keys.get_by_token_hash(session, token_hash(token))
    if key is None or key.revoked_at is not None:
        return None
    scope = frozenset(repo.subtree_codes(session, key.region_code)) if key.region_code else None
    departments = frozenset(key.departments.split(",")) if key.departments else frozenset()
    return Principal(key.name, key.role, departments, key.region_code, scope)


class Authenticator:
    """Token -> Principal, remembered per process while the database is unchanged.

    An answer is kept with the change token (app.db.watch) it was read at and served only while
    the token is the same; any commit in any process (a revocation among them) changes it, so a
    revoked key is refused at once everywhere. Without a token (in-memory SQLite, the listener
    down) every request looks the key up."""

    def __init__(self, watch: ChangeWatch | None = None) -> None:
        self.watch = watch if watch is not None else ChangeWatch()
        self.cache: dict[str, tuple[Token, Principal | None]] = {}
        self.lock = threading.Lock()

    def cached(self, token: str, now: Token | None = None) -> tuple[bool, Principal | None]:
        """(True, principal) when the answer is known at the database's current change token
        (`now`, if the caller has just read it); no database I/O, so callers on the event loop
        may use it and run `lookup` in a thread only on a miss."""
        hit = self.cache.get(token_hash(token))
        if hit is not None and hit[0] == (now if now is not None else self.watch.token()):
            return True, hit[1]
        return False, None

    def lookup(self, session_factory: object, token: str) -> Principal | None:
        found, principal = self.cached(token)
        if found:
            return principal
        h = token_hash(token)
        self.watch.ensure()
        before = self.watch.token()
        with session_factory() as session:  # type: ignore[operator]
            principal = principal_for(session, token)
        # kept only if nothing committed while we looked
        if before is not None and self.watch.token() == before:
            with self.lock:
                if len(self.cache) > 10_000:
                    self.cache.clear()
                self.cache[h] = (before, principal)
        return principal


# ------------------------------------------------------------------------------ permissions


def require_admin(actor: Actor, what: str) -> None:
    if actor.principal.role != "admin":
        raise Forbidden(f"only an admin key may {what}; key {actor.name!r} is a {actor.principal.role} key")


def value_refusal(p: Principal, scheme: Scheme, element: str, region: str) -> str | None:
    """Why `p` may not write `element` for `region`, or None when it may."""
    if p.role == "admin":
        return None
    if p.role == "reader":
        return f"key {p.name!r} is read-only"
    if not p.covers(region):
        return f"region {region} is outside the key's region {p.region}"
    el = scheme.elements.get(element)
    if el is None:
        return None  # reported as invalid, not as forbidden
    if p.role == "assessor":
        return (
            None
            if el.kind is ElementKind.ASSESSED
            else f"an assessor key writes only assessed elements, not {element}"
        )
    if el.department not in p.departments:
        return f"{element} belongs to {el.department}, not to the key's department(s) {', '.join(sorted(p.departments))}"
    return None


def registry_refusal(p: Principal, region: str) -> str | None:
    if p.role == "admin":
        return None
    if p.role != "department" or not (p.departments & REGISTRY_DEPARTMENTS):
        return (
            f"key {p.name!r} may not write platforms or awards (science_tech or development_reform keys may)"
        )
    if not p.covers(region):
        return f"region {region} is outside the key's region {p.region}"
    return None
