"""The portal's connections to its queue and mail transport, one per app (and per process)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import redis
from flask import Flask, current_app
from rq import Queue

from portal import mail, queue

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, app: Flask):
        self.instance_path = Path(app.instance_path)
        self.redis_url = app.config["REDIS_URL"]
        self.transport = mail.transport_for(app.config["SMTP_URL"], self.instance_path / "outbox")
        self.mail_from = app.config["MAIL_FROM"]
        self.base_url = app.config["PUBLIC_BASE_URL"].rstrip("/")
        self._redis: redis.Redis | None = None
        self._pid = os.getpid()

    def redis(self, *, start: bool = False) -> redis.Redis:
        if self._redis is None or self._pid != os.getpid():
            self._redis = queue.connect(self.redis_url, self.instance_path, start=start)
            self._pid = os.getpid()
        return self._redis

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis())

    def enqueue(self, queue_name: str, func: str, *args, **kwargs):
        """Queue a job; when Redis is down, say so and carry on: the caller's work is stored
        already and the relay queues it once Redis is back. No rq retries: a message that
        failed waits for the outbox's own back-off (the relay queues it again then), and an
        import runs once (its run record says how it ended)."""
        from portal.logs import current_request_id

        # The request that queued it, so the worker's lines can be read beside the web's.
        if (request_id := current_request_id()) is not None:
            kwargs.setdefault("meta", {"request_id": request_id})
        try:
            return self.queue(queue_name).enqueue(func, *args, **kwargs)
        except redis.RedisError as exc:
            self._redis = None
            log.warning("queue unavailable (%s); %s left for the relay", type(exc).__name__, func)
            return None


def init_app(app: Flask) -> None:
    app.extensions["portal"] = Runtime(app)


def runtime() -> Runtime:
    return current_app.extensions["portal"]
