"""/api/v1 for other systems: JSON in and out, a key per client (portal.services.api_clients),
rate limited per key, every call audited, errors as RFC 9457 problem documents, and its
OpenAPI document at /api/v1/openapi.json, written from the schemas that validate the calls."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_smorest import Api

from portal.services.api_clients import KEY

PREFIX = "/api/"


class PortalApi(Api):
    def _register_error_handlers(self):
        """flask-smorest would answer every error of the whole app in JSON; the portal's
        own handlers answer /api/ paths with problem documents (portal.errors)."""


def is_api(path: str) -> bool:
    return path.startswith(PREFIX)


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def caller_key() -> str:
    """Calls are counted per key (its id, not the secret), or per address without one."""
    scheme, _, key = (request.headers.get("Authorization") or "").partition(" ")
    found = KEY.match(key.strip()) if scheme.lower() == "bearer" else None
    return f"api-key:{found['id']}" if found else f"api-address:{request.remote_addr}"


def init_app(app: Flask, csrf) -> None:
    from portal.api.views import blp
    from portal.limits import limiter

    app.config.update(
        API_TITLE="Grievance portal",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = PortalApi(
        app,
        spec_kwargs={
            "info": {
                "description": "File grievances into a health plan's portal and follow their "
                "stage and due dates. Authenticate with `Authorization: Bearer <key>`."
            },
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme("key", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"key": []}]
    limiter.limit(api_limit, key_func=caller_key)(blp)
    api.register_blueprint(blp)
    csrf.exempt(blp)
    app.extensions["portal_api"] = api
