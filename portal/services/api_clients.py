"""API clients: created by an administrator with a key shown once, recognised by that key on
each call, scoped to programs and to reading or filing. Every call is audited (portal.api)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from portal.models import ApiClient, Program, User
from portal.services.accounts import audit

KEY = re.compile(r"^gp_(?P<id>[0-9a-f]{24})_(?P<secret>[A-Za-z0-9_-]{43})$")


class ApiClientError(ValueError):
    """What is wrong with a client's details, said plainly."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    name: str, programs: list[Program], may_write: bool, by: User | None, now: datetime
) -> tuple[ApiClient, str]:
    """A new client and its key (`gp_<id>_<secret>`), which is not kept: say it once."""
    name = (name or "").strip()
    if not name:
        raise ApiClientError("name: give the system a name, e.g. 'Call centre CRM'")
    if ApiClient.objects(name=name).first() is not None:
        raise ApiClientError(f"name: a client called {name!r} exists; choose another name")
    if not programs:
        raise ApiClientError("programs: choose at least one program the client may see")
    client = ApiClient(
        name=name,
        key_hash="0" * 64,
        programs=list(programs),
        may_write=may_write,
        created_at=now,
        created_by=by,
    )
    client.save()
    key = f"gp_{client.pk}_{secrets.token_urlsafe(32)}"
    client.update(set__key_hash=_hash(key))
    audit.record(
        "api client created",
        now,
        actor=by,
        target=str(client.pk),
        detail={"programs": [p.slug for p in programs], "may_write": may_write},
    )
    return client, key


def revoke(client: ApiClient, by: User | None, now: datetime) -> None:
    client.update(set__active=False)
    audit.record("api client revoked", now, actor=by, target=str(client.pk))


def recognise(authorization: str | None) -> ApiClient | None:
    """The active client whose key this `Authorization: Bearer` header carries, else None.
    One indexed read by id, then a constant-time comparison of hashes."""
    scheme, _, key = (authorization or "").partition(" ")
    found = KEY.match(key.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        return None
    client = ApiClient.objects(pk=found["id"], active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(key.strip())):
        return None
    return client
