"""The one clock the portal reads; rules and services take `now` from its callers instead.

Tests (and a replay of a past day) run it from a chosen instant with `running_from`: it then
moves on at the real pace from there, so events keep their order while the date stays the
one chosen. Nothing else in the portal reads the wall clock for dates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import overload

# (instant, monotonic reading when it was set), or None for the real clock.
_origin: tuple[datetime, float] | None = None


def utcnow() -> datetime:
    if _origin is None:
        return datetime.now(UTC)
    instant, set_at = _origin
    return instant + timedelta(seconds=time.monotonic() - set_at)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC one: the store hands datetimes back without their zone
    (they are stored in UTC), and an aware one is put in UTC. None stays None."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def set_to(instant: datetime) -> None:
    """Run the clock from `instant` (aware) on; see `running_from`."""
    global _origin
    if instant.tzinfo is None:
        raise ValueError("the clock needs an aware datetime, e.g. 2026-11-23T09:00+00:00")
    _origin = (instant.astimezone(UTC), time.monotonic())


def move_by(delta: timedelta) -> None:
    """Jump the clock forward (or back) by `delta` from where it reads now."""
    set_to(utcnow() + delta)


def reset() -> None:
    """Back to the real clock."""
    global _origin
    _origin = None


@contextmanager
def running_from(instant: datetime) -> Iterator[None]:
    """The clock reads `instant` on entry and moves on from there; the real clock after."""
    set_to(instant)
    try:
        yield
    finally:
        reset()
