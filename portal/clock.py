"""The one place that reads the real clock; rules and services take `now` instead."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
