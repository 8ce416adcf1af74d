"""The embedded store's files locked by another writer while members submit; and canary
member details that must never reach a log file or an e-mail. Each test prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from portal.models import Grievance
from tests.helpers import file_complaint, live_file_complaint

HOLD_SECONDS = 8.0  # longer than SQLite's default busy timeout (5 s)

# Another process takes the lock and holds it: the portal's own cross-process write lock
# (another portal process in the middle of a write), or SQLite's own (a foreign writer such
# as the sqlite3 shell or a backup tool, in an exclusive transaction on the records file).
HOLDERS = {
    "the portal's write lock": (
        "import fcntl, sys, time; fh = open(sys.argv[1], 'a'); "
        "fcntl.flock(fh, fcntl.LOCK_EX); print('held', flush=True); time.sleep(float(sys.argv[2]))"
    ),
    "SQLite's lock on the records file": (
        "import sqlite3, sys, time; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "db.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(float(sys.argv[2])); "
        "db.execute('ROLLBACK')"
    ),
}


@pytest.mark.parametrize("holder", list(HOLDERS))
def test_submissions_wait_for_a_locked_store_and_none_is_lost(
    app, programs, settings, live_server, holder
):
    if settings["MONGODB_URI"]:
        pytest.fail("this fault is the embedded store's: run it without TEST_MONGODB_URI")
    data = Path(settings["INSTANCE_PATH"]) / "data"
    target = data / ".write.lock" if "write lock" in holder else data / "portal" / "grievances"
    live_file_complaint(live_server)  # the collection exists before it is locked
    locker = subprocess.Popen(
        [sys.executable, "-c", HOLDERS[holder], str(target), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert locker.stdout.readline().strip() == "held"
    locked_at = time.monotonic()
    answers: list[tuple[int, str, float]] = []

    def member(n: int) -> None:
        started = time.monotonic()
        response, _ = live_file_complaint(live_server, email=f"locked{n}@example.org")
        found = re.search(r"G-\d{4}-\d{6}", response.text)
        answers.append(
            (response.status_code, found.group(0) if found else "", time.monotonic() - started)
        )

    members = [threading.Thread(target=member, args=(n,)) for n in range(10)]
    for thread in members:
        thread.start()
    for thread in members:
        thread.join(timeout=60)
    locker.wait(timeout=30)
    locker.stdout.close()
    told_stored = [ref for status, ref, _ in answers if status == 200 and ref]
    stored = Grievance.objects(reference__in=told_stored).count()
    figures = {
        "submitted": len(members),
        "answered": len(answers),
        "told stored": len(told_stored),
        "stored": stored,
        "lost": len(told_stored) - stored,
        "errors": sum(1 for status, _r, _t in answers if status >= 500),
        "longest wait s": round(max(t for _s, _r, t in answers), 1),
        "recovered in s": round(time.monotonic() - locked_at - HOLD_SECONDS, 1),
    }
    print(f"\nstore locked by {holder} for {HOLD_SECONDS:.0f} s: {figures}")
    assert figures["answered"] == 10 and figures["told stored"] == 10
    assert figures["lost"] == 0 and figures["errors"] == 0
    assert figures["longest wait s"] >= HOLD_SECONDS - 1  # they did wait for the lock


CANARIES = ("CANARYQX7731", "Zebulon Canarywing", "canary-7731@example.org", "Canary Lane 7731")


def test_canary_member_details_never_reach_a_log_or_an_email(
    client, programs, staff, settings, portal_cli, work_jobs, smtp_server, caplog
):
    """Canary details in every member field, through intake, triage's Level III alert,
    acknowledgments, digests and the daily report; then every log record (any level), every
    log file, every command's output and every message."""
    import logging

    from portal.services.grievances.verbs import assign

    caplog.set_level(logging.DEBUG)
    member_id, name, email, street = CANARIES
    for n in range(5):
        response = file_complaint(
            client,
            member_id=f"{member_id}{n}",
            member_name=f"{name} {n}",
            email=email,
            phone="860-555-7731",
            description=f"At {street} the dentist hit me: violence. {name} {member_id}",
            desired_resolution=f"Call {name}",
            contact_times=f"After 5 at {street}",
        )
        assert response.status_code == 200
        # a lookup by the member too: the status page logs nothing of what is asked
        file_complaint(client, member_id=f"{member_id}[$ne]")
    for record in Grievance.objects:
        assign(record, staff["csr"], by=staff["supervisor"], now=record.received_at)
    outputs = []
    for job in ("relay", "overdue", "digest", "daily-report", "completeness"):
        done = portal_cli("jobs", "run", job, "--now", "2026-12-01T15:00:00+00:00")
        assert done.exit_code == 0, done.stderr[-2000:]
        outputs.append(done.stdout + done.stderr)
    work_jobs()
    assert smtp_server.count() > 0

    logs = [p for p in Path(settings["INSTANCE_PATH"]).rglob("*") if p.suffix in (".log", ".txt")]
    texts = {str(p): p.read_text(errors="replace") for p in logs if p.is_file()}
    # Every record logged in this process but the test's own mail server's (aiosmtpd logs
    # what it receives, as a mail server does).
    texts["log records"] = "\n".join(
        f"{r.name} {r.getMessage()}" for r in caplog.records if r.name != "mail.log"
    )
    assert "stored for program ct-dental" in texts["log records"]  # it logs, just not members
    texts.update({f"command output {n}": out for n, out in enumerate(outputs)})
    with smtp_server.lock:
        mails = [m.as_string() for _rcpt, m in smtp_server.messages]
    found_in_logs = [(where, c) for where, text in texts.items() for c in CANARIES if c in text]
    # The member's own acknowledgment goes to their address: that is the one place the
    # address may appear, and only in its To header.
    found_in_mail = [
        (n, c)
        for n, text in enumerate(mails)
        for c in CANARIES
        if c in text.replace(f"To: {email}", "")
    ]
    print(
        f"\ncanaries: {len(CANARIES)} planted in 5 records; log files and outputs read "
        f"{len(texts)}, e-mails read {len(mails)}; found in logs {len(found_in_logs)}, "
        f"found in e-mail {len(found_in_mail)}"
    )
    assert found_in_logs == [] and found_in_mail == []
