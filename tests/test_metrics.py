"""Issue 20: /metrics in Prometheus's format, scraped from the running server (gunicorn, two
worker processes, figures summed over both), with no member value anywhere in it; and the
scheduled jobs' last success, which ages when the scheduler dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from portal.models import JobRun, Outbox
from tests.conftest import run_portal
from tests.helpers import FULL_COMPLAINT, csrf_token

WORDS = "Canary words: the crown Dr Hollowmere fitted fell out twice"
CANARIES = (
    FULL_COMPLAINT["member_name"],
    "Zebediah",
    FULL_COMPLAINT["member_id"],
    FULL_COMPLAINT["email"],
    "Hollowmere",
)


def scrape(base: str) -> tuple[str, dict]:
    answer = requests.get(f"{base}/metrics", timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return answer.text, samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_complaint_an_overdue_run_and_a_failed_mail_are_counted_without_member_data(
    live_server, programs, portal_env, smtp_server, work_jobs
):
    _, before = scrape(live_server)
    session = requests.Session()
    form = session.get(f"{live_server}/complaint", timeout=30)
    smtp_server.refusing = True  # the acknowledgment will fail
    filed = session.post(
        f"{live_server}/complaint",
        data={**FULL_COMPLAINT, "description": WORDS, "csrf_token": csrf_token(form.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert filed.status_code == 302, filed.text[-2000:]
    work_jobs(allow_failures=True)  # its delivery, refused by the mail server
    assert Outbox.objects(status="failed").count() == 1
    overdue = run_portal(portal_env, "jobs", "run", "overdue")
    assert overdue.returncode == 0, overdue.stderr

    text, after = scrape(live_server)

    def more(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    program = FULL_COMPLAINT["program"]
    received = "portal_grievances_received_total"
    assert more(received, program=program, source="web form") == 1
    assert (
        sum(n for (name, _), n in after.items() if name == received)
        - sum(n for (name, _), n in before.items() if name == received)
        == 1
    )
    posted = {"route": "/complaint/", "method": "POST", "status": "302"}
    assert more("portal_http_requests_total", **posted) == 1
    assert value(after, "portal_open_records", program=program) == 1
    assert value(after, "portal_outbox_messages", state="failed") == 1
    assert value(after, "portal_outbox_oldest_waiting_age_seconds") >= 0
    assert value(after, "portal_job_runs_total", job="overdue", outcome="ok") == 1
    assert 0 <= value(after, "portal_job_last_success_age_seconds", job="overdue") < 60
    assert value(after, "portal_up", part="store") == 1
    assert value(after, "portal_up", part="queue") == 1
    assert ("portal_queue_failed_jobs", (("queue", "emails"),)) in after
    # Latency is kept per route and summed over the server's worker processes.
    timed = {"route": "/complaint/", "method": "GET"}
    assert more("portal_http_request_duration_seconds_count", **timed) >= 1
    lowered = text.lower()
    leaked = [canary for canary in CANARIES if canary.lower() in lowered]
    assert not leaked, leaked
    print(
        f"/metrics after one complaint, one overdue run and one refused mail: "
        f"{len(after)} samples, {len(text)} bytes; received +1 ({program}), outbox failed 1, "
        f"overdue runs 1; canaries found: none"
    )


def test_the_figures_answer_the_internal_network_or_a_token(app, client):
    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert inside.status_code == 200 and b"portal_up" in inside.data
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-token-for-prometheus"
    try:
        wrong = client.get(
            "/metrics", environ_base=outside, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 404
        right = client.get(
            "/metrics",
            environ_base=outside,
            headers={"Authorization": "Bearer s3cret-token-for-prometheus"},
        )
        assert right.status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


def _start(command: str, env, log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "portal", command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _successes(names) -> dict:
    runs = {run.name: run.succeeded_at for run in JobRun.objects(name__in=list(names))}
    return {name: runs.get(name) for name in names}


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_killing_the_scheduler_ages_the_last_success_of_its_jobs(
    live_server, programs, portal_env, tmp_path
):
    # The relay every 2 s (OUTBOX_RELAY_SECONDS), so that a few seconds tell a live
    # scheduler from a dead one.
    env = {**portal_env, "SCHEDULER_LEASE_SECONDS": "2", "OUTBOX_RELAY_SECONDS": "2"}
    worker = _start("worker", env, tmp_path / "worker.log")
    scheduler = _start("scheduler", env, tmp_path / "scheduler.log")

    def relay_age() -> float:
        return value(scrape(live_server)[1], "portal_job_last_success_age_seconds", job="relay")

    try:
        # A fresh scheduler fires every interval job at once; the worker runs them.
        first = _wait(lambda: _successes(["relay"])["relay"], 60, "relay's first run")
        # While it lives, the relay keeps succeeding: its age stays within a few seconds.
        _wait(lambda: _successes(["relay"])["relay"] != first, 20, "relay's second run")
        time.sleep(3)
        alive = relay_age()
        assert alive < 5, alive

        os.kill(scheduler.pid, signal.SIGKILL)
        scheduler.wait(timeout=15)
        last = _successes(["relay"])["relay"]
        time.sleep(7)  # past the lease and three intervals: nobody fires anything
        dead = relay_age()
        assert _successes(["relay"])["relay"] == last
        assert dead >= 7, (alive, dead)

        # A scheduler started again takes the lease and fires it: the age drops.
        scheduler = _start("scheduler", env, tmp_path / "scheduler.log")
        _wait(lambda: _successes(["relay"])["relay"] != last, 60, "relay after the restart")
        again = relay_age()
        assert again < dead, (dead, again)
        print(
            f"relay (every 2 s) last success age: {alive:.1f} s with the scheduler running, "
            f"{dead:.1f} s 7 s after it was killed, {again:.1f} s once a new one ran"
        )
    finally:
        for process in (scheduler, worker):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    logs = "".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert "Traceback" not in logs, logs[-3000:]
