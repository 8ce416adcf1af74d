"""Operational logs: one JSON object per line (python-json-logger) for the platform's log
pipeline, or plain text for a person at a terminal (`LOG_FORMAT=text`, which `portal run`
uses). Each line carries the request id of the request it belongs to, and a job queued by a
request carries that id into the worker. Ids and counts only, never member data."""

from __future__ import annotations

import logging
import os
import re
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str | None:
    """This request's id, or the id of the request that queued the job being run."""
    if has_request_context():
        return g.get("request_id")
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # outside a worker, or rq cannot say
        return None
    return (job.meta or {}).get("request_id") if job is not None else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"  # "-": not of a request
        return True


def configure(form: str | None = None) -> None:
    """Logs of the long-running commands to stderr, as JSON unless told text."""
    form = form or os.environ.get("LOG_FORMAT", "json")
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if form == "text":
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
        )
    else:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",  # ISO 8601 in UTC, whatever the server's zone
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    @app.before_request
    def name_the_request():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def say_its_name(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
