"""Faults the background work must survive, each printing its figures: a worker killed in
the middle of a digest, a mail server refusing then recovering, Redis down, a poison record.
Messages expected, sent, duplicated and lost are counted at the real SMTP server."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq import Queue, Retry
from rq.registry import StartedJobRegistry

from portal.models import Grievance, Outbox, User
from portal.services.grievances.clocks import refresh_overdue
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import assign
from tests.conftest import run_portal
from tests.helpers import csrf_token, file_complaint

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York


def figures(name: str, expected: set, smtp_server, **extra) -> dict:
    """Expected, sent, duplicated and lost, by recipient, as the SMTP server saw them."""
    seen = Counter(rcpt[0] for rcpt, _m in smtp_server.messages)
    result = {
        "expected": len(expected),
        "sent": len(set(seen) & expected),
        "duplicated": sum(n - 1 for n in seen.values() if n > 1),
        "lost": len(expected - set(seen)),
        **extra,
    }
    print(f"\n{name}: " + ", ".join(f"{k} {v}" for k, v in result.items()))
    return result


def staff_with_overdue_records(programs, count: int) -> set:
    """`count` staff members in Connecticut, each with one overdue record; their addresses."""
    ct = programs["ct-dental"]
    lead = User(email="lead@staff.test", name="Lead", roles=["supervisor"], programs=[ct]).save()
    addresses = set()
    for n in range(count):
        person = User(email=f"worker{n:02d}@staff.test", name=f"Worker {n}", roles=["csr"])
        person.programs = [ct]
        person.save()
        grievance = submit(ct, Intake(description="x"), NOW - timedelta(days=120))
        assign(grievance, person, by=lead, now=grievance.received_at)
        addresses.add(person.email)
    refresh_overdue(NOW)
    return addresses


def burst(portal_env):
    result = run_portal(portal_env, "worker", "--burst")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _youngest_child(pid: int) -> int:
    """The worker's newest child: the work horse of the running job (RQ's scheduler, the
    other child, starts with the worker)."""
    children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def started(child: int) -> int:
        return int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[19])

    return max(children, key=started)


@pytest.mark.parametrize("killed", ["the whole worker", "the work horse alone"])
def test_a_worker_killed_mid_digest_loses_nothing_and_sends_nothing_twice(
    app, programs, redis_server, portal_env, smtp_server, killed
):
    expected = staff_with_overdue_records(programs, 20)
    smtp_server.delay = 0.25  # a slow mail server: the digest run takes about 5 s
    worker = subprocess.Popen(
        [sys.executable, "-m", "portal", "worker"],
        env=portal_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker and its work-horse
    )
    try:
        queue = Queue("periodic", connection=redis_server.client())
        queue.enqueue("jobs.tasks.digest", now=NOW.isoformat(), retry=Retry(max=3))
        deadline = time.monotonic() + 60
        # Six received, and the seventh in the middle of its DATA: the kill lands mid-send.
        # (Killed just after a 250, the sender could not yet mark that message sent: a true
        # duplicate at-least-once delivery allows, and not the fault this test is about.)
        while not (smtp_server.count() >= 6 and smtp_server.receiving):
            assert time.monotonic() < deadline, "the digest did not get going"
            time.sleep(0.01)
        if killed == "the whole worker":
            os.killpg(worker.pid, signal.SIGKILL)  # mid-send
            worker.wait(timeout=10)
        else:
            os.kill(_youngest_child(worker.pid), signal.SIGKILL)  # RQ forks a horse per job
        before = smtp_server.count()
        assert 6 <= before < len(expected), before
        killed_at = time.monotonic()
        smtp_server.delay = 0
        if killed == "the whole worker":
            # Another worker finds the abandoned job and retries it (RQ's cleanup, here forced
            # rather than waiting for the heartbeat to expire).
            # rq's registries keep rq's own (wall clock) timestamps: an hour past any of them.
            StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
            burst(portal_env)
        else:
            # The worker saw its horse die and retries the job itself.
            while smtp_server.count() < len(expected) - 1 and time.monotonic() < deadline + 60:
                time.sleep(0.1)
        # The message being sent when the process died is released by the relay once stale.
        run_portal(
            portal_env, "jobs", "run", "relay", "--now", (NOW + timedelta(minutes=11)).isoformat()
        )
        burst(portal_env)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    result = figures(
        f"{killed} SIGKILLed mid-digest",
        expected,
        smtp_server,
        sent_before_kill=before,
        recovered_in_s=round(time.monotonic() - killed_at, 1),
    )
    assert result["lost"] == 0 and result["duplicated"] == 0
    assert Outbox.objects(kind="digest", status="sent").count() == len(expected)


def test_smtp_refusing_then_recovering(
    programs, staff, redis_server, portal_cli, work_jobs, smtp_server, sign_in
):
    expected = staff_with_overdue_records(programs, 5)
    smtp_server.refusing = True
    summary = portal_cli("jobs", "run", "digest", "--now", NOW.isoformat())
    assert summary.exit_code == 0 and "failed: 5" in summary.stdout, summary.stdout
    assert Outbox.objects(status="failed").count() == 5
    # Within the back-off the relay leaves them be: the mail server is not hammered.
    early = portal_cli("jobs", "run", "relay", "--now", (NOW + timedelta(seconds=30)).isoformat())
    assert "queued: 0" in early.stdout, early.stdout
    # A delivery queued on its own fails too and lands among the failed jobs.
    one = Outbox.objects(status="failed").first()
    Queue("emails", connection=redis_server.client()).enqueue("jobs.tasks.deliver", str(one.pk))
    work_jobs(allow_failures=True)

    # The managers see it: the failed mail in the outbox and the failed job, with a retry.
    manager = sign_in("manager")
    page = manager.get("/admin/jobs/")
    assert page.status_code == 200
    assert "5 failed (retried with back-off)" in page.text
    assert "jobs.tasks.deliver" in page.text and "SMTPDataError" in page.text
    job_id = re.search(r'name="job_id" value="([^"]+)"', page.text).group(1)
    director = sign_in("director")
    refused = director.post(
        "/admin/jobs/retry",
        data={"job_id": job_id, "csrf_token": csrf_token(director.get("/account/password").text)},
    )
    assert refused.status_code == 403

    # The server recovers: the failed job retried from the page, the rest by the relay.
    smtp_server.refusing = False
    retried = manager.post(
        "/admin/jobs/retry",
        data={"job_id": job_id, "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )
    assert retried.status_code == 200 and "is queued again" in retried.text
    portal_cli("jobs", "run", "relay", "--now", (NOW + timedelta(minutes=2)).isoformat())
    work_jobs()
    result = figures("SMTP refusing, then recovering", expected, smtp_server)
    assert result["lost"] == 0 and result["duplicated"] == 0
    from portal.models import AuditEvent

    assert AuditEvent.objects(action="job retried", target=job_id).count() == 1


def test_redis_down_the_web_keeps_working_and_work_catches_up(
    client,
    programs,
    staff,
    redis_server,
    portal_cli,
    work_jobs,
    smtp_server,
    sign_in,
    many_complaints,
):
    """100 submissions; Redis stops after the 25th and comes back (empty) after the 75th."""
    manager = sign_in("manager")
    references, errors = [], 0
    try:
        for n in range(100):
            if n == 25:
                redis_server.stop()
            if n == 50:
                assert manager.get("/admin/").status_code == 200
                jobs_page = manager.get("/admin/jobs/")
                assert jobs_page.status_code == 200 and "cannot be reached" in jobs_page.text
                overdue = portal_cli("jobs", "run", "overdue")
                assert overdue.exit_code == 0, overdue.stderr[-2000:]
            if n == 75:
                redis_server.start()
            response = file_complaint(client, email=f"member{n}@example.org")
            found = re.search(r"G-\d{4}-\d{6}", response.text)
            if response.status_code != 200 or not found:
                errors += 1
                continue
            references.append(found.group(0))
    finally:
        if redis_server.process.poll() is not None:
            redis_server.start()
    stored = Grievance.objects(reference__in=references).count()
    # What was queued before the outage went with the restarted (empty) Redis: the outbox
    # still has every message, and the relay queues all that are unsent.
    relay = portal_cli("jobs", "run", "relay")
    assert relay.exit_code == 0, relay.stderr[-2000:]
    work_jobs()
    portal_cli("jobs", "run", "relay")  # a second relay finds nothing to do
    work_jobs()
    expected = {f"member{n}@example.org" for n in range(100)}
    result = figures(
        "Redis stopped during 100 submissions", expected, smtp_server, stored=stored, errors=errors
    )
    assert stored == 100 and errors == 0
    assert result["lost"] == 0 and result["duplicated"] == 0


def test_a_poison_record_or_recipient_does_not_stop_the_others(
    programs, redis_server, work_jobs, smtp_server
):
    expected = staff_with_overdue_records(programs, 4)
    poison = sorted(expected)[0]
    smtp_server.rejected = {poison}
    # A record whose clocks were damaged (no due time), open and due: the overdue job meets it.
    broken = submit(programs["ct-dental"], Intake(description="x"), NOW - timedelta(days=120))
    Grievance._get_collection().update_one(
        {"_id": broken.pk}, {"$set": {"clocks": [{"name": "broken"}], "overdue": False}}
    )
    Queue("periodic", connection=redis_server.client()).enqueue(
        "jobs.tasks.overdue", now=(NOW + timedelta(hours=1)).isoformat()
    )
    Queue("periodic", connection=redis_server.client()).enqueue(
        "jobs.tasks.digest", now=NOW.isoformat()
    )
    work_jobs(allow_failures=True)  # the poison recipient's delivery fails, as it should
    from portal.models import JobRun

    assert JobRun.objects.get(name="overdue").ok
    assert JobRun.objects.get(name="overdue").summary["skipped"] == 1
    digest = JobRun.objects.get(name="digest")
    assert digest.ok and digest.summary["sent"] == 3 and digest.summary["failed"] == 1
    result = figures("one poison recipient among 4", expected - {poison}, smtp_server)
    assert result["lost"] == 0 and result["duplicated"] == 0
    assert Outbox.objects.get(recipient=poison).status == "failed"
