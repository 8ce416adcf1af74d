"""The walking skeleton end to end: form -> store -> admin -> overdue -> digest on SMTP."""

import re
from datetime import timedelta

from rq import Queue

from portal.models import Grievance, User
from portal.services.grievances.verbs import assign
from portal.services.mail.staffmail import active_programs, home_calendar
from tests.conftest import run_portal
from tests.helpers import live_file_complaint, live_login

MEMBER_NAME = "Canary Zebediah Quill"


def test_complaint_to_digest(live_server, programs, staff, portal_env, redis_server, smtp_server):
    # A member files a complaint through the public form, over HTTP.
    response, _ = live_file_complaint(live_server, member_name=MEMBER_NAME)
    assert response.status_code == 200
    reference = re.search(r"G-\d{4}-\d{6}", response.text).group(0)
    grievance = Grievance.objects.get(reference=reference)
    assert grievance.member.name == MEMBER_NAME
    assert grievance.intake_text() == "The instruments did not look clean."
    assert {c.name for c in grievance.clocks} >= {"acknowledgment", "resolution"}

    # A manager signs in and finds it in the admin list by its reference.
    manager = live_login(live_server, "manager@staff.test", "correct horse battery")
    listing = manager.get(f"{live_server}/admin/grievance/", params={"search": reference})
    assert listing.status_code == 200
    assert reference in listing.text
    csr = staff["csr"]
    assign(grievance, csr, by=staff["manager"], now=grievance.received_at)

    # Time passes (a frozen clock, 100 days on, half an hour after the CSR's office opens,
    # when digests go out): the jobs run on a real worker.
    office = home_calendar(csr, active_programs())
    opening = office.next_opening(grievance.received_at + timedelta(days=100))
    later = (opening + timedelta(minutes=30)).isoformat()
    connection = redis_server.client()
    Queue("periodic", connection=connection).enqueue("jobs.tasks.overdue", now=later)
    result = run_portal(portal_env, "worker", "--burst")
    assert result.returncode == 0, result.stderr[-2000:]
    grievance.reload()
    assert grievance.overdue
    # The acknowledgment e-mail went out with the first worker run and met its clock.
    assert all(c.overdue_since is not None for c in grievance.clocks if c.met_at is None)
    assert [c.name for c in grievance.clocks if c.met_at] == ["acknowledgment"]

    smtp_server.clear()  # the acknowledgment to the member is not what this test counts
    Queue("periodic", connection=connection).enqueue("jobs.tasks.digest", now=later)
    Queue("periodic", connection=connection).enqueue("jobs.tasks.digest", now=later)  # a re-run
    result = run_portal(portal_env, "worker", "--burst")
    assert result.returncode == 0, result.stderr[-2000:]

    to_csr = [m for rcpt, m in smtp_server.messages if rcpt == [csr.email]]
    assert len(to_csr) == 1, f"expected one digest, got {len(to_csr)}: {result.stderr[-3000:]}"
    body = to_csr[0].get_body(("plain",)).get_content()
    assert reference in body
    raw = to_csr[0].as_string()
    # Nor in what the server and the worker processes logged (the in-process tests read the
    # log records; this reads the processes' own output, as an operator's log shipper would).
    logs = live_server.log_path.read_text() + result.stdout + result.stderr
    assert "stored for program ct-dental" in logs
    for secret in (MEMBER_NAME, "Canary", "CANARY123456", "instruments"):
        assert secret not in raw and secret not in logs
    assert User.objects(email=csr.email).count() == 1
