"""Rate limits on the public form (Flask-Limiter), counted in the portal's Redis.

When Redis is down the limiter keeps counting in memory (`in_memory_fallback_enabled`), so
the form stays both open and limited; the member over the limit gets a polite page
(portal.errors), never an error."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address, key_prefix="portal-limits")


def complaint_limit() -> str:
    return current_app.config["COMPLAINT_RATE_LIMIT"]


def status_limit() -> str:
    return current_app.config["STATUS_RATE_LIMIT"]


def _storage_uri(app: Flask) -> str:
    if app.config["REDIS_URL"]:
        return app.config["REDIS_URL"]
    from portal.queue import EmbeddedRedis

    # `portal run` starts the embedded Redis before the web process; other commands may
    # run without one, and then count in memory.
    return EmbeddedRedis(Path(app.instance_path) / "redis").url() or "memory://"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", _storage_uri(app))
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1})
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
