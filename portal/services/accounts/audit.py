"""The audit trail of sign-ins, refusals and exports (a record's changes live in its own
history)."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.models import AuditEvent, User

# ASVS: at most 100 failed sign-ins per account per hour.
FAILED_LOGIN_LIMIT = 100
FAILED_LOGIN_PER_ADDRESS = 50  # per address per hour, whatever the accounts


def record(
    action: str,
    now: datetime,
    *,
    actor: User | None = None,
    actor_email: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
    ip: str | None = None,
    api_client=None,
) -> AuditEvent:
    return AuditEvent(
        at=now,
        actor=actor,
        actor_email=(actor_email or (actor.email if actor else None)),
        action=action,
        target=target,
        detail=detail or {},
        ip=ip,
        api_client=api_client,
    ).save()


def too_many(
    action: str, now: datetime, limit: int, window: timedelta = timedelta(hours=1), **match
) -> bool:
    """True when `action` (matching `match`) happened `limit` times in the last `window` (an
    hour unless told): the one throttle behind sign-ins, second-factor codes and status
    checks."""
    recent = AuditEvent.objects(action=action, at__gte=now - window, **match)
    return recent.count() >= limit


def login_throttled(email: str, now: datetime, ip: str | None = None) -> bool:
    """True when this account, or this address, has had too many failed sign-ins in the last
    hour: one address trying many accounts is stopped as one account tried many times is."""
    return too_many("login failed", now, FAILED_LOGIN_LIMIT, actor_email=email) or (
        ip is not None and too_many("login failed", now, FAILED_LOGIN_PER_ADDRESS, ip=ip)
    )
