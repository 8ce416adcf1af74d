"""Past one machine: two web instances behind a reverse proxy with no server affinity, and
schedulers of which only one fires. Each test prints its figures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rq import Queue, cron_job_registry

from jobs.schedule import SCHEDULE
from jobs.scheduler import LEASE_KEY
from portal.models import AuditEvent, Grievance
from tests.conftest import free_port
from tests.helpers import COMPLAINT, csrf_token, wait_until_serving

PUBLIC = "grievances.example.org"


def _serve(name: str, env, log: Path):
    """`portal serve`, as `make run` and the image start it: gunicorn, two processes."""
    port = free_port()
    with log.open("a") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(f"{base}/", process, f"{name} (log: {log})")
    return process, base


class Visitor:
    """A browser reaching the instances through the proxy: HTTPS outside, the Host kept, the
    client's address appended. It keeps its cookie by hand, since requests would not send a
    Secure cookie over the plain HTTP between proxy and app."""

    def __init__(self, address: str):
        self.address = address
        self.cookie = None
        self.set_cookies = []

    def _headers(self, extra=None):
        headers = {
            "Host": PUBLIC,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Referer": f"https://{PUBLIC}/",
        }
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        return {**headers, **(extra or {})}

    def _keep(self, response):
        header = response.headers.get("Set-Cookie")
        if header:
            self.set_cookies.append(header)
            self.cookie = response.cookies.get("session") or None
        return response

    def get(self, base, path):
        response = requests.get(
            base + path, headers=self._headers(), allow_redirects=False, timeout=30
        )
        return self._keep(response)

    def post(self, base, path, data, headers=None):
        response = requests.post(
            base + path,
            data=data,
            headers=self._headers(headers),
            allow_redirects=False,
            timeout=30,
        )
        return self._keep(response)


@pytest.fixture
def two_instances(app, portal_env, tmp_path):
    env = {
        **portal_env,
        "PROXY_HOPS": "1",
        "PUBLIC_BASE_URL": f"https://{PUBLIC}",
        "COMPLAINT_RATE_LIMIT": "3 per hour",
    }
    started = [_serve(name, env, tmp_path / f"{name}.log") for name in ("one", "two")]
    yield [base for _p, base in started]
    for process, _base in started:
        process.terminate()
        process.wait(timeout=30)


def _file(visitor, base, extra_headers=None):
    token = csrf_token(visitor.get(base, "/complaint").text)
    return visitor.post(
        base, "/complaint", {"csrf_token": token, **COMPLAINT}, extra_headers
    ).status_code


def test_two_instances_behind_a_proxy_share_sessions_and_limits(two_instances, programs, staff):
    one, two = two_instances
    manager = Visitor("203.0.113.7")
    for base in (two, one):
        page = manager.get(base, "/login")
        assert page.headers["Strict-Transport-Security"].startswith("max-age="), base
    signed_in = manager.post(
        two,
        "/login",
        {
            "email": "manager@staff.test",
            "password": "correct horse battery",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/admin/")
    for header in manager.set_cookies:
        flags = {part.strip().lower() for part in header.split(";")}
        assert {"secure", "httponly", "samesite=lax"} <= flags, header
    # No affinity: the session made on one instance works on the other, turn by turn.
    answers = [manager.get(base, "/admin/grievance/").status_code for base in (one, two) * 4]
    assert answers == [200] * 8
    assert AuditEvent.objects.get(action="login").ip == "203.0.113.7"

    # The complaint limit counts each forwarded client across both instances.
    member = Visitor("203.0.113.9")
    filed = [_file(member, base) for base in (one, two, one)]
    over = _file(member, two)
    # A client cannot pose as another: the proxy appends the real address last.
    spoofed = _file(member, one, {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    other = _file(Visitor("203.0.113.10"), two)
    print(
        f"two `portal serve` instances (2 gunicorn workers each) behind one proxy: signed-in "
        f"pages served "
        f"{answers.count(200)}/8 alternating, "
        f"complaints {filed} then over the limit {over}, spoofed {spoofed}, another client "
        f"{other}"
    )
    assert filed == [302, 302, 302] and over == 429 and spoofed == 429 and other == 302
    assert Grievance.objects.count() == 4


def _scheduler(env, log: Path):
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "portal", "scheduler"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _fired(connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in ("periodic", "emails"):
        for job in Queue(name, connection=connection).get_jobs():
            counts[job.func_name] = counts.get(job.func_name, 0) + 1
    return counts


def _leader_pid(connection, deadline_seconds: float, not_pid: int | None = None):
    """The pid in the lease's token (host:pid:…), once someone other than not_pid holds it."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        token = connection.get(LEASE_KEY)
        if token:
            pid = int(token.decode().split(":")[1])
            if pid != not_pid:
                return pid
        time.sleep(0.05)
    return None


def test_of_several_schedulers_one_fires_and_another_takes_over(
    app, redis_server, portal_env, tmp_path
):
    connection = redis_server.client()
    env = {**portal_env, "SCHEDULER_LEASE_SECONDS": "4"}
    started = {}
    for n in (1, 2, 3):
        process = _scheduler(env, tmp_path / f"scheduler-{n}.log")
        started[process.pid] = process
    try:
        leader = _leader_pid(connection, 30)
        assert leader in started
        time.sleep(3)  # every scheduler has looked several times
        interval_jobs = {e["job"] for e in SCHEDULE if e.get("interval")}
        first = _fired(connection)
        assert first == dict.fromkeys(interval_jobs, 1)

        # Make relay due, then stop the leader politely: the next one fires relay once and
        # nothing else, since it carries on from the times the first leader kept in Redis.
        registry = cron_job_registry.get_registry_key()
        # rq's cron keeps wall-clock times (the schedulers' own clock): 61 s before theirs.
        connection.zadd(registry, {"jobs.tasks.relay": time.time() - 61})
        stopped = time.monotonic()
        started[leader].send_signal(signal.SIGTERM)
        assert started[leader].wait(timeout=15) == 0
        second = _leader_pid(connection, 15, not_pid=leader)
        after_sigterm = time.monotonic() - stopped
        assert second in started and second != leader
        time.sleep(3)
        assert _fired(connection) == {**first, "jobs.tasks.relay": 2}

        # A leader killed outright hands nothing over: the lease runs out and a standby leads.
        killed = time.monotonic()
        os.kill(second, signal.SIGKILL)
        started[second].wait(timeout=15)
        third = _leader_pid(connection, 15, not_pid=second)
        after_sigkill = time.monotonic() - killed
        assert third in started and third not in (leader, second)
        time.sleep(2)
        final = _fired(connection)
        duplicates = sum(final.values()) - len(interval_jobs) - 1
        print(
            f"3 schedulers: {len(interval_jobs)} interval entries fired once each, one made due "
            f"fired once more, duplicates {duplicates}; takeover after SIGTERM "
            f"{after_sigterm:.1f} s, after SIGKILL {after_sigkill:.1f} s (lease 4 s)"
        )
        assert final == {**first, "jobs.tasks.relay": 2}
        assert duplicates == 0
    finally:
        for process in started.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
    logs = "".join(p.read_text() for p in tmp_path.glob("scheduler-*.log"))
    assert "Traceback" not in logs
