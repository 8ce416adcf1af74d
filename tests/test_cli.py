"""The `portal` command as a user runs it: in this process with Flask's CLI runner against the
test's stores, and in a subprocess where the process's own start is what is tested."""

import json
from datetime import UTC, datetime

from portal.models import CompletenessResult, Grievance, Program, User
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import assign
from tests.conftest import run_portal


def test_seed_programs_and_demo_are_idempotent(app, portal_cli):
    first = portal_cli("seed", "programs")
    assert first.exit_code == 0, first.stderr
    assert "4 created" in first.stdout
    assert "0 created, 4 already there" in portal_cli("seed", "programs").stdout
    # An instance made before a program gained a rule takes the shipped settings again.
    ct = Program.objects.get(slug="ct-dental")
    ct.update(set__clock_rules=ct.clock_rules[:2], set__letterhead={})
    refreshed = portal_cli("seed", "programs", "--refresh")
    assert "0 created, 4 refreshed with the shipped settings" in refreshed.stdout
    ct.reload()
    assert "DSS referral" in {r.name for r in ct.clock_rules} and ct.letterhead["website"]
    assert sorted(Program.objects.scalar("slug")) == [
        "co-cma",
        "ct-dental",
        "ia-escalations",
        "md-hmo",
    ]

    # Against TEST_MONGODB_URI the demo needs --force, as against any MongoDB.
    force = ["--force"] if app.config["MONGODB_URI"] else []
    if force:
        assert portal_cli("seed", "demo").exit_code != 0
    demo = portal_cli("seed", "demo", "--records", "60", *force)
    assert demo.exit_code == 0, demo.stderr
    assert Grievance.objects.count() == 60
    roles = {u.email.split("@")[0] for u in User.objects(email__endswith="@demo.example")}
    assert roles == {
        "csr",
        "dhcs",
        "provider_relations",
        "liaison",
        "supervisor",
        "manager",
        "director",
        "auditor",
        "admin",
    }
    statuses = set(Grievance.objects.distinct("status"))
    assert {"received", "resolved"} <= statuses
    assert Grievance.objects(overdue=True).count() > 0
    again = portal_cli("seed", "demo", "--records", "60", *force)
    assert "already loaded" in again.stdout
    assert Grievance.objects.count() == 60


def test_seed_demo_refuses_a_production_store_unless_forced(app, portal_cli, monkeypatch):
    monkeypatch.setitem(app.config, "MONGODB_URI", "mongodb://127.0.0.1:1/never")
    result = portal_cli("seed", "demo")
    # The store is not reached either way; the refusal comes first and says why.
    assert result.exit_code != 0
    assert "MONGODB_URI is set" in result.stderr
    assert "Traceback" not in result.stderr


def test_jobs_run_completeness_json(portal_cli, programs, staff):
    received = datetime(2026, 10, 14, 15, tzinfo=UTC)
    complete = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="A", type="Other", level="I"),
        received,
    )
    lacking = submit(programs["ct-dental"], Intake(description="y"), received)
    assign(complete, staff["csr"], by=staff["manager"], now=received)
    staff["csr"].update(set__manager=staff["manager"])
    result = portal_cli("jobs", "run", "completeness", "--month", "2026-10", "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert {k: answer[k] for k in ("month", "managers", "checked", "incomplete")} == {
        "month": "2026-10",
        "managers": 2,
        "checked": 2,
        "incomplete": 1,
    }
    assert {
        "manager": "unassigned",
        "checked": 1,
        "final": False,
        "incomplete": [
            {
                "reference": lacking.reference,
                "program": "ct-dental",
                "missing": ["type", "member_name or member_id", "level"],
            }
        ],
    } in answer["results"]
    assert "A" not in [r["manager"] for r in answer["results"]]  # no member names
    unassigned = CompletenessResult.objects.get(month="2026-10", manager_key="unassigned")
    assert unassigned.incomplete[0].reference == lacking.reference
    assert unassigned.incomplete[0].missing == ["type", "member_name or member_id", "level"]
    by_manager = CompletenessResult.objects.get(manager_key=str(staff["manager"].pk))
    assert by_manager.checked == 1 and by_manager.incomplete == []


def test_jobs_run_bad_arguments_get_one_line_answers(portal_cli):
    unknown = portal_cli("jobs", "run", "nope")
    assert unknown.exit_code == 2 and "unknown job 'nope'" in unknown.stderr
    naive = portal_cli("jobs", "run", "overdue", "--now", "2026-11-23T09:00")
    assert naive.exit_code == 2 and "ISO 8601 with an offset" in naive.stderr
    for result in (unknown, naive):
        assert "Traceback" not in result.stderr


def test_bad_deployment_settings_get_one_line_answers(app, portal_env, portal_cli, monkeypatch):
    # Read as the process starts, before any app exists: a subprocess each.
    hops = run_portal({**portal_env, "PROXY_HOPS": "one"}, "doctor")
    assert hops.returncode != 0 and "PROXY_HOPS must be a whole number" in hops.stderr
    monkeypatch.setitem(app.config, "SCHEDULER_LEASE_SECONDS", 1)
    lease = portal_cli("scheduler")
    assert lease.exit_code != 0 and "SCHEDULER_LEASE_SECONDS must be 2 or more" in lease.stderr
    bare = {k: v for k, v in portal_env.items() if k not in ("SECRET_KEY", "MONGODB_URI")}
    production = run_portal({**bare, "PORTAL_ENV": "production"}, "doctor")
    assert production.returncode != 0
    # The history's key too (issue 18): the portal does not start in production without it.
    assert "PORTAL_ENV=production needs SECRET_KEY, HISTORY_KEY, MONGODB_URI set" in (
        production.stderr
    )
    for result in (hops, lease, production):
        assert "Traceback" not in result.stderr


def test_doctor_reports_each_part(app, portal_cli, monkeypatch):
    from portal import mail

    result = portal_cli("doctor")
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["store", "queue", "mail", "files"]
    assert all(line.endswith(": ok") for line in lines)
    # An instance folder others can read (as main made it: 0755, files 0644) is reported...
    from pathlib import Path

    instance = Path(app.instance_path)
    loose = instance / "older-file"
    loose.write_text("x")
    loose.chmod(0o644)
    instance.chmod(0o755)
    reported = portal_cli("doctor")
    assert reported.exit_code == 1 and "readable by other local users" in reported.stdout
    # ...and tightened by the next start of the app (0700, files 0600).
    from portal.instance import secure

    assert str(loose) in secure(instance)
    assert oct(instance.stat().st_mode & 0o777) == "0o700"
    assert oct(loose.stat().st_mode & 0o777) == "0o600"
    loose.unlink()
    assert portal_cli("doctor").exit_code == 0
    # As started with SMTP_URL=smtp://127.0.0.1:1, where nothing listens.
    nowhere = mail.transport_for("smtp://127.0.0.1:1", None)
    monkeypatch.setattr(app.extensions["portal"], "transport", nowhere)
    down = portal_cli("doctor")
    assert down.exit_code == 1
    assert "mail" in down.stdout and "NOT ANSWERING" in down.stdout


def test_flask_cli_has_the_same_commands(app, portal_env):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "doctor"],
        env=portal_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("store")


def test_tests_leave_the_developer_instance_alone(app):
    from pathlib import Path

    assert Path(app.instance_path).resolve() != (Path.cwd() / "instance").resolve()


def test_a_busy_port_gets_a_clear_answer(portal_cli):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        for command in (("serve", "--port", str(port)), ("run", "--port", str(port))):
            result = portal_cli(*command)
            assert result.exit_code == 1, command
            assert "in use" in result.stderr
            assert "Traceback" not in result.stderr


def test_portal_due_explains_and_answers_json(portal_cli, programs):
    result = portal_cli(
        "due",
        "--program",
        "ia-escalations",
        "--received",
        "2026-11-25T18:30-06:00",
        "--rule",
        "2 business days",
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    # Thanksgiving and Iowa's Friday-after closure are skipped.
    assert lines[0] == "2026-12-02T17:00:00-06:00"
    assert any("Thanksgiving Day (holiday)" in line for line in lines)
    assert any("office closure" in line for line in lines)
    as_json = json.loads(
        portal_cli(
            "due",
            "--program",
            "co-cma",
            "--received",
            "2026-03-06T10:30",
            "--rule",
            "2 business hours",
            "--json",
        ).stdout
    )
    # Friday closes at 11:30 in Colorado; daylight saving began on Sunday the 8th.
    assert as_json["due"] == "2026-03-09T08:30:00-06:00"
    assert as_json["steps"][-1].startswith("Due Mon 2026-03-09 08:30 MDT")


def test_portal_due_answers_every_rule_in_the_seed_programs(portal_cli, programs):
    for program in programs.values():
        for rule in {r.rule for r in program.clock_rules}:
            result = portal_cli(
                "due",
                "--program",
                program.slug,
                "--received",
                "2026-11-25T18:30-05:00",
                "--rule",
                rule,
                "--json",
            )
            assert result.exit_code == 0, (program.slug, rule, result.stderr)
            assert json.loads(result.stdout)["due"]


def test_portal_due_refuses_bad_input_in_one_line(portal_cli, programs):
    for args, message in [
        (
            ("--program", "nope", "--received", "2026-11-25", "--rule", "1 business day"),
            "unknown program 'nope'",
        ),
        (
            ("--program", "co-cma", "--received", "tomorrow", "--rule", "1 business day"),
            "cannot read the date 'tomorrow'",
        ),
        (
            ("--program", "co-cma", "--received", "2026-11-25", "--rule", "3 fortnights"),
            "cannot read the rule '3 fortnights'",
        ),
    ]:
        result = portal_cli("due", *args)
        assert result.exit_code == 2
        assert result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_the_schedule_is_data_every_job_can_run_by_hand(portal_cli):
    from jobs.schedule import SCHEDULE
    from jobs.tasks import JOBS

    for entry in SCHEDULE:
        assert set(entry) <= {"job", "queue", "cron", "interval", "timezone", "timeout"}
        assert ("cron" in entry) != ("interval" in entry), entry
        assert entry["timezone"] == "UTC" and entry["queue"] in ("emails", "periodic")
        module, _, name = entry["job"].rpartition(".")
        func = getattr(__import__(module, fromlist=[name]), name)
        assert func in JOBS.values(), f"{name} cannot be run by hand"
    result = portal_cli("jobs", "run", "daily-report", "--now", "yesterday")
    assert result.exit_code == 2 and "ISO 8601" in result.stderr
    result = portal_cli("jobs", "run", "nightly")
    assert result.exit_code == 2 and "quarterly-reminders" in result.stderr
