"""The record's history: append-only, each entry chained to the one before by its hash. The
hash is an HMAC under the deployment's HISTORY_KEY: without the key, whoever can write to the
database cannot rewrite a record's past and make the chain hold again. Every entry is keyed:
an unkeyed hash (as entries were made before the key) does not hold, or anyone could rewrite a
record's past in the old form."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from portal.models import Grievance, User
from portal.models.grievance import HistoryEntry
from portal.services.accounts import audit


def _ms(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds; hash what will be read back.
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


KEYED = "k1:"  # the prefix of an HMAC-SHA256 entry hash
_key: bytes | None = None


def use_key(key: str) -> None:
    """Set the key the history is chained with (the app factory does, from HISTORY_KEY)."""
    global _key
    if not key:
        raise RuntimeError("HISTORY_KEY is empty: the history cannot be chained")
    _key = key.encode()


def _digest(previous: str, entry: HistoryEntry) -> str:
    body = {
        "previous": previous,
        "at": _ms(entry.at).isoformat(),
        "by": str(entry.by.pk) if entry.by else None,
        "action": entry.action,
        "detail": entry.detail or "",
        "changes": entry.changes or {},
    }
    message = json.dumps(body, sort_keys=True, default=str).encode()
    if _key is None:
        raise RuntimeError("no HISTORY_KEY in use: create the app (portal.create_app) first")
    return KEYED + hmac.new(_key, message, hashlib.sha256).hexdigest()


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return _ms(value).isoformat()
    return str(value)


def add(
    grievance: Grievance,
    by: User | None,
    action: str,
    now: datetime,
    detail: str = "",
    changes: dict | None = None,
    *,
    audited: bool = True,
) -> HistoryEntry:
    """Append an entry to the record in memory; the caller's save stores it. A bulk import
    passes audited=False and keeps one audit event for the whole batch."""
    entry = HistoryEntry(
        at=_ms(now),
        by=by,
        action=action,
        detail=detail[:2000],
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
    )
    previous = grievance.history[-1].hash if grievance.history else ""
    entry.hash = _digest(previous, entry)
    grievance.history.append(entry)
    if not audited:
        return entry
    # Auditors search every record's changes in one place: which record, who, what, and the
    # names of the fields (values stay in the record, where the role checks apply).
    audit.record(
        f"record {action}",
        entry.at,
        actor=by,
        target=grievance.reference,
        detail={"fields": sorted(entry.changes)} if entry.changes else {},
    )
    return entry


def first_broken(grievance: Grievance) -> int | None:
    """The index of the first entry whose hash does not hold, or None when all do."""
    previous = ""
    for index, entry in enumerate(grievance.history):
        if not hmac.compare_digest(_digest(previous, entry), entry.hash or ""):
            return index
        previous = entry.hash
    return None


# How a field named in an entry's changes is read off the record now.
_CURRENT = {
    "assignee": lambda g: g.assignee.name if g.assignee else None,
    "provider": lambda g: str(g.provider) if g.provider else None,
    "tier": lambda g: g.escalation_tier,
}


def current(grievance: Grievance, fields) -> dict:
    """The fields as the record holds them now, in the form the history keeps them."""
    return {
        name: _plain(_CURRENT[name](grievance) if name in _CURRENT else getattr(grievance, name))
        for name in fields
    }


def versions(grievance: Grievance) -> list[dict]:
    """Every past version of the record's tracked fields, rebuilt from its history: item i
    is how they stood right after entry i. The record as it is now is the last version;
    each entry's changes, undone from the newest back, give the ones before."""
    fields = sorted({name for entry in grievance.history for name in entry.changes or {}})
    state = current(grievance, fields)
    out = []
    for entry in reversed(grievance.history):
        out.append(dict(state))
        for name, (before, _after) in (entry.changes or {}).items():
            state[name] = before
    out.reverse()
    return out
