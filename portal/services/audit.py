"""The audit trail of sign-ins, refusals and exports (a record's changes live in its own
history)."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.models import AuditEvent, User

# ASVS: at most 100 failed sign-ins per account per hour.
FAILED_LOGIN_LIMIT = 100


def record(
    action: str,
    now: datetime,
    *,
    actor: User | None = None,
    actor_email: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        at=now,
        actor=actor,
        actor_email=(actor_email or (actor.email if actor else None)),
        action=action,
        target=target,
        detail=detail or {},
        ip=ip,
    ).save()


def login_throttled(email: str, now: datetime) -> bool:
    """True when this account has had too many failed sign-ins in the last hour."""
    recent = AuditEvent.objects(
        action="login failed", actor_email=email, at__gte=now - timedelta(hours=1)
    )
    return recent.count() >= FAILED_LOGIN_LIMIT
