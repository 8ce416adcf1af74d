"""The recurring jobs on a real rq worker (in this process, as `portal worker --burst` runs
them), against the embedded store, a real Redis and a real SMTP server, on frozen clocks
across DST, holidays and month ends; and the alert through a worker process of its own."""

import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rq import Queue

from portal.models import CompletenessResult, Grievance, JobRun, Outbox
from portal.services.grievances.clocks import refresh_overdue
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import assign, classify
from tests.conftest import run_portal
from tests.helpers import live_file_complaint

CANARY = "Canary Ottoline Vex"


def on_worker(redis_server, work_jobs, job: str, now: datetime, **kwargs):
    """Queue one job with a frozen `now` and let a real worker run it (and the mail it
    queues); return that job's recorded summary."""
    Queue("periodic", connection=redis_server.client()).enqueue(
        f"jobs.tasks.{job}", now=now.isoformat(), **kwargs
    )
    work_jobs()
    name = {"completeness_check": "completeness", "daily_report": "daily-report"}.get(job, job)
    return JobRun.objects.get(name=name.replace("_", "-")).summary


def mails_to(smtp_server, address):
    return [m for rcpt, m in smtp_server.messages if rcpt == [address]]


def body(message, kind="plain"):
    return message.get_body((kind,)).get_content()


def test_digests_go_out_as_each_office_opens_once_a_day(
    app, programs, staff, redis_server, work_jobs, smtp_server
):
    ct, ia = programs["ct-dental"], programs["ia-escalations"]
    csr, liaison, supervisor = staff["csr"], staff["liaison"], staff["supervisor"]
    csr.update(set__programs=[ct], set__manager=supervisor)
    supervisor.update(set__programs=[ct])
    liaison.update(set__programs=[ia])
    late = submit(
        ct, Intake(description="x", member_name=CANARY), datetime(2026, 8, 3, 15, tzinfo=UTC)
    )
    soon = submit(
        ct, Intake(description="y", member_name=CANARY), datetime(2026, 11, 18, 15, tzinfo=UTC)
    )
    iowa = submit(
        ia, Intake(description="z", member_name=CANARY), datetime(2026, 8, 3, 15, tzinfo=UTC)
    )
    for grievance, person in ((late, csr), (soon, csr), (iowa, liaison)):
        assign(grievance, person, by=supervisor, now=grievance.received_at)
    refresh_overdue(datetime(2026, 11, 24, 13, tzinfo=UTC))  # overdue for a day by the 25th

    # 7:30 in New York, 6:30 in Iowa: no office has opened.
    assert (
        on_worker(redis_server, work_jobs, "digest", datetime(2026, 11, 25, 12, 30, tzinfo=UTC))[
            "digests"
        ]
        == 0
    )
    # 8:30 in New York: Connecticut's staff get theirs; Iowa is not open yet.
    summary = on_worker(
        redis_server, work_jobs, "digest", datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    )
    assert summary["digests"] == 2 and summary["sent"] == 2
    (to_csr,) = mails_to(smtp_server, csr.email)
    text = body(to_csr)
    assert "Overdue: 1" in text and late.reference in text
    assert "Due soon (within the warning window): 1" in text and soon.reference in text
    (to_supervisor,) = mails_to(smtp_server, supervisor.email)
    assert "Your team's records overdue past the grace period: 1" in body(to_supervisor)
    assert late.reference in body(to_supervisor, "html")
    # A second run in the same day sends nothing.
    assert (
        on_worker(redis_server, work_jobs, "digest", datetime(2026, 11, 25, 13, 45, tzinfo=UTC))[
            "digests"
        ]
        == 0
    )
    # 8:30 in Iowa.
    assert (
        on_worker(redis_server, work_jobs, "digest", datetime(2026, 11, 25, 14, 30, tzinfo=UTC))[
            "digests"
        ]
        == 1
    )
    assert len(mails_to(smtp_server, liaison.email)) == 1
    # Thanksgiving: nobody. The day after: Connecticut works, Iowa's office is closed.
    assert (
        on_worker(redis_server, work_jobs, "digest", datetime(2026, 11, 26, 16, tzinfo=UTC))[
            "digests"
        ]
        == 0
    )
    assert (
        on_worker(redis_server, work_jobs, "digest", datetime(2026, 11, 27, 16, tzinfo=UTC))[
            "digests"
        ]
        == 2
    )
    assert len(mails_to(smtp_server, liaison.email)) == 1
    assert len(mails_to(smtp_server, csr.email)) == 2

    for _rcpt, message in smtp_server.messages:
        for kind in ("plain", "html"):
            assert CANARY not in body(message, kind) and "Canary" not in body(message, kind)
    assert Outbox.objects(kind="digest").count() == len(smtp_server.messages) == 5


def test_the_monthly_log_check_reminds_reports_and_keeps_its_result(
    app, programs, staff, redis_server, work_jobs, smtp_server
):
    ct = programs["ct-dental"]
    manager, csr, director = staff["manager"], staff["csr"], staff["director"]
    manager.update(set__programs=[ct])
    csr.update(set__manager=manager)
    october = datetime(2026, 10, 14, 15, tzinfo=UTC)
    good = submit(ct, Intake(description="a", member_name="A", type="Other", level="I"), october)
    lacking = submit(ct, Intake(description="b", member_name="B", level="I"), october)
    loose = submit(ct, Intake(description="c", level="I"), october)  # no assignee
    for grievance in (good, lacking):
        assign(grievance, csr, by=manager, now=october)
    # A record received late on Oct 31 in New York is October's, though November in UTC.
    halloween = submit(
        ct,
        Intake(description="d", member_name="D", type="Other", level="I"),
        datetime(2026, 11, 1, 3, tzinfo=UTC),
    )
    assign(halloween, csr, by=manager, now=october)

    def subjects(address):
        # As a mail client shows it (a long subject travels folded over two lines).
        return [" ".join(m["Subject"].split()) for m in mails_to(smtp_server, address)]

    # Sunday Nov 1: the first reminders, to the manager and (for the unassigned) the director.
    summary = on_worker(
        redis_server, work_jobs, "completeness_check", datetime(2026, 11, 1, 14, tzinfo=UTC)
    )
    assert (summary["month"], summary["checked"], summary["incomplete"]) == ("2026-10", 4, 2)
    assert subjects(manager.email) == ["Complaint log 2026-10: 1 record to complete by the 5th"]
    assert subjects(director.email) == ["Complaint log 2026-10: 1 record to complete by the 5th"]
    assert lacking.reference in body(mails_to(smtp_server, manager.email)[0])
    # Monday: nothing new.
    on_worker(redis_server, work_jobs, "completeness_check", datetime(2026, 11, 2, 14, tzinfo=UTC))
    assert len(smtp_server.messages) == 2
    # The unassigned record is completed; Wednesday the 4th is the last business day before
    # the 5th: the manager is reminded again, the director has nothing left to do.
    classify(loose, by=manager, now=datetime(2026, 11, 3, 15, tzinfo=UTC), type="Other")
    Grievance.objects(pk=loose.pk).update_one(set__member__name="C")
    on_worker(redis_server, work_jobs, "completeness_check", datetime(2026, 11, 4, 14, tzinfo=UTC))
    assert len(subjects(manager.email)) == 2
    assert "last business day before the deadline" in body(mails_to(smtp_server, manager.email)[1])
    assert len(subjects(director.email)) == 1
    # Friday the 6th: the deadline has passed. Results, and the director's note.
    on_worker(redis_server, work_jobs, "completeness_check", datetime(2026, 11, 6, 14, tzinfo=UTC))
    assert (
        subjects(manager.email)[2]
        == "Complaint log 2026-10: 1 of 3 records incomplete at the deadline"
    )
    # The director gets one message for the whole month (the records with no assignee among
    # them), not "complete" and "still incomplete" at once.
    assert subjects(director.email)[1:] == [
        "Complaint log 2026-10: 1 of 4 records still incomplete after the deadline"
    ]
    note = body(mails_to(smtp_server, director.email)[1])
    assert "No assignee: complete (1)" in note and lacking.reference in note
    sent = len(smtp_server.messages)
    # Fixed after the deadline: the kept result does not change, and nothing is sent again.
    classify(lacking, by=manager, now=datetime(2026, 11, 6, 15, tzinfo=UTC), type="Other")
    on_worker(redis_server, work_jobs, "completeness_check", datetime(2026, 11, 6, 18, tzinfo=UTC))
    assert len(smtp_server.messages) == sent
    kept = CompletenessResult.objects.get(month="2026-10", manager_key=str(manager.pk))
    assert kept.final and [i.reference for i in kept.incomplete] == [lacking.reference]


def test_the_daily_report_counts_everything_since_the_previous_one(programs):
    """Connecticut reports daily on business days: what came in on Friday evening, over the
    weekend and on a Monday holiday is in Tuesday's report, and in no other."""
    from portal.services.reporting.daily import counts

    ct = programs["ct-dental"]
    ny = ZoneInfo("America/New_York")
    for local in (
        datetime(2027, 1, 14, 16),  # Thursday: Friday's report
        datetime(2027, 1, 15, 18, 30),  # Friday evening, after the office closed
        datetime(2027, 1, 16, 11),  # Saturday
        datetime(2027, 1, 17, 9),  # Sunday
        datetime(2027, 1, 18, 10),  # Martin Luther King Jr. Day: a holiday
        datetime(2027, 1, 19, 10),  # Tuesday: Wednesday's report
    ):
        submit(ct, Intake(description="x", level="I"), local.replace(tzinfo=ny).astimezone(UTC))
    reports = {day: counts(ct, date(2027, 1, day)) for day in (15, 19, 20)}
    assert reports[15]["new"] == 1 and reports[15]["new_since"] == date(2027, 1, 14)
    assert reports[19]["new"] == 4 and reports[19]["new_since"] == date(2027, 1, 15)
    assert reports[20]["new"] == 1 and reports[20]["new_since"] == date(2027, 1, 19)
    # Each record in exactly one report.
    assert sum(r["new"] for r in reports.values()) == 6


def test_daily_report_and_trend_reminders(
    app, programs, staff, redis_server, work_jobs, smtp_server
):
    ct = programs["ct-dental"]
    manager, director = staff["manager"], staff["director"]
    manager.update(set__programs=[ct])
    submit(ct, Intake(description="a", level="III"), datetime(2026, 11, 24, 15, tzinfo=UTC))
    submit(ct, Intake(description="b", level="I"), datetime(2026, 8, 3, 15, tzinfo=UTC))
    refresh_overdue(datetime(2026, 11, 25, 13, tzinfo=UTC))
    summary = on_worker(
        redis_server, work_jobs, "daily_report", datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    )
    assert summary["reports"] == 1  # the manager: Connecticut is open at 8:30
    # The director serves every program and follows the first (Colorado): 8:30 in Denver.
    later = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    assert on_worker(redis_server, work_jobs, "daily_report", later)["reports"] == 1
    (report,) = mails_to(smtp_server, manager.email)
    text = body(report)
    assert "Connecticut dental plan" in text and "Colorado" not in text  # the manager's program
    # Both are overdue: the Level III record's "immediately" clocks passed within the hour.
    assert "New since Tue Nov 24: 1" in text
    assert "Level III open: 1" in text and "Overdue: 2" in text
    assert "Open by age: 0-7 days 1, 8-30 days 0, 31-90 days 0, over 90 days 1" in text
    assert "Colorado case management agency" in body(mails_to(smtp_server, director.email)[0])
    assert (
        on_worker(redis_server, work_jobs, "daily_report", datetime(2026, 11, 25, 18, tzinfo=UTC))[
            "reports"
        ]
        == 0
    )

    smtp_server.clear()
    # Colorado's trend analysis is due Jan 15: reminders on Jan 1 (14 days) and Jan 12 (3).
    assert (
        on_worker(
            redis_server, work_jobs, "quarterly_reminders", datetime(2026, 12, 31, 18, tzinfo=UTC)
        )["reminders"]
        == 0
    )
    assert (
        on_worker(
            redis_server, work_jobs, "quarterly_reminders", datetime(2027, 1, 1, 18, tzinfo=UTC)
        )["reminders"]
        == 1
    )
    (reminder,) = mails_to(smtp_server, director.email)
    assert (
        reminder["Subject"]
        == "Colorado case management agency: trend analysis due January 15, 2027 (14 days)"
    )
    assert mails_to(smtp_server, manager.email) == []  # Colorado is not the manager's program
    assert (
        on_worker(
            redis_server, work_jobs, "quarterly_reminders", datetime(2027, 1, 5, 18, tzinfo=UTC)
        )["reminders"]
        == 1
    )
    assert len(smtp_server.messages) == 1  # the same reminder, kept, not sent twice
    on_worker(redis_server, work_jobs, "quarterly_reminders", datetime(2027, 1, 12, 18, tzinfo=UTC))
    assert len(smtp_server.messages) == 2


def test_a_level_three_alert_reaches_senior_management_within_a_minute(
    live_server, programs, staff, portal_env, smtp_server
):
    worker = subprocess.Popen(
        [sys.executable, "-m", "portal", "worker"],
        env=portal_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)  # the worker is up, as in production
        started = time.monotonic()
        response, _ = live_file_complaint(live_server, description="The dentist hit me.")
        assert response.status_code == 200
        director = staff["director"].email
        while not mails_to(smtp_server, director) and time.monotonic() - started < 60:
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(f"\nLevel III alert: filed -> in the director's mailbox in {elapsed:.1f} s")
    (alert,) = mails_to(smtp_server, director)
    assert elapsed < 60
    assert alert["Subject"].startswith("Possible Level III grievance G-")
    assert "hit me" not in body(alert) and "Canary" not in body(alert)


def test_links_in_mail_follow_the_port_the_app_runs_on(programs, staff, portal_env):
    """Issue 19: with PUBLIC_BASE_URL unset, a digest run by `portal jobs run` linked to port
    5000 while the app ran on 5101. Links follow $PORT, else where this instance's web process
    said it serves."""
    ct = programs["ct-dental"]
    staff["csr"].update(set__programs=[ct])  # office hours in New York
    late = submit(ct, Intake(description="x"), datetime(2026, 8, 3, 15, tzinfo=UTC))
    assign(late, staff["csr"], by=staff["supervisor"], now=late.received_at)
    refresh_overdue(datetime(2026, 11, 24, 13, tzinfo=UTC))
    env = {k: v for k, v in portal_env.items() if k not in ("PUBLIC_BASE_URL", "PORT")}
    serving_at = Path(env["PORTAL_INSTANCE_PATH"]) / "serving-at"
    now = "2026-11-25T13:30:00+00:00"
    ran = run_portal({**env, "PORT": "5101"}, "jobs", "run", "digest", "--now", now)
    assert ran.returncode == 0, ran.stderr
    links = re.findall(r"https?://[^\s\"'<>]+", " ".join(m.text for m in Outbox.objects))
    assert links and all(link.startswith("http://127.0.0.1:5101/") for link in links), links
    # No PORT in this shell: the running app's own address, as `portal serve` wrote it down.
    Outbox.objects.delete()
    serving_at.write_text("http://127.0.0.1:5207\n")
    try:
        ran = run_portal(env, "jobs", "run", "digest", "--now", now)
    finally:
        serving_at.unlink()
    assert ran.returncode == 0, ran.stderr
    links = re.findall(r"https?://[^\s\"'<>]+", " ".join(m.text for m in Outbox.objects))
    assert links and all(link.startswith("http://127.0.0.1:5207/") for link in links), links
