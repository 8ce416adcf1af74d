"""The `portal` command: Flask's CLI plus the portal's commands (also under `flask --app wsgi`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command


def _log_to_stderr() -> None:
    """Operational logs for the long-running commands: ids and counts, never member data
    (tests plant canary names and IDs and read these logs back). JSON lines unless
    LOG_FORMAT=text (portal.logs)."""
    from portal import logs

    logs.configure()


def init_app(app: Flask) -> None:
    app.cli.add_command(run_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(seed_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(doctor_command)
    app.cli.add_command(due_command)
    app.cli.add_command(users_group)
    app.cli.add_command(api_clients_group)
    from portal.reportcli import export_command, import_command, report_group

    app.cli.add_command(report_group)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)


def _create_app(*_args):
    from portal import create_app

    return create_app()


def main() -> None:
    # Flask's own `run` (its development server) is left out: `portal run` starts everything.
    cli = FlaskGroup(
        create_app=_create_app, add_default_commands=False, help="The grievance portal."
    )
    cli.add_command(shell_command)
    cli.add_command(routes_command)
    cli.main(prog_name="portal")


@click.command("run")
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", 5000)),
    show_default="5000 or $PORT",
)
def run_command(port: int) -> None:
    """Start the web app, a worker and the scheduler, with demo data on a fresh instance."""
    from portal.supervisor import run

    sys.exit(run(current_app._get_current_object(), port))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 5000)))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=lambda: int(os.environ.get("WEB_CONCURRENCY", 2)),
    show_default="2 or $WEB_CONCURRENCY",
    help="Processes, each with its own threads.",
)
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web app with gunicorn (no worker, no scheduler): the same server and settings
    on a laptop as in production (portal/serving.py)."""
    import tempfile

    from portal.supervisor import port_is_free

    if not port_is_free(host, port):
        raise click.ClickException(f"port {port} on {host} is in use; choose another with --port")
    if not os.environ.get("PUBLIC_BASE_URL"):
        # Links in mail point at this server, whoever sends them (its workers, the queue's
        # worker, `jobs run`): they read the address from here.
        from portal.config import SERVING_AT

        # Serving on every interface (a container) is reached on this machine at loopback.
        local = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - not a bind
        (Path(current_app.instance_path) / SERVING_AT).write_text(f"http://{local}:{port}\n")
        os.environ["PORT"] = str(port)
    # Request figures of every worker process, summed by /metrics: a folder of their own,
    # empty at each start (an operator may name one with PROMETHEUS_MULTIPROC_DIR).
    figures = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if figures:
        for old in Path(figures).glob("*.db"):
            old.unlink()
    else:
        figures = tempfile.mkdtemp(prefix="portal-metrics-")
        os.environ["PORTAL_METRICS_DIR_MADE"] = figures
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = figures
    sys.stdout.flush()
    sys.stderr.flush()
    # gunicorn in place of this process: the same PID for whoever started it (`make run`,
    # a container), and its signals (TERM: finish the requests under way, then stop).
    os.execv(  # noqa: S606 - a fixed argument list, no shell
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:portal.serving",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "portal:create_app()",
        ],
    )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(burst: bool) -> None:
    """Run one RQ worker on every queue, most urgent first."""
    from rq import Worker

    from portal.queue import QUEUES
    from portal.runtime import runtime

    _log_to_stderr()
    connection = runtime().redis(start=True)
    Worker(list(QUEUES), connection=connection).work(with_scheduler=True, burst=burst)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the periodic jobs of jobs/schedule.py with rq's cron scheduler; any number may run,
    one enqueues at a time."""
    import time

    from flask import current_app

    from jobs.schedule import SCHEDULE
    from jobs.scheduler import LeaderScheduler
    from portal.runtime import runtime

    zones = {entry.get("timezone", "UTC") for entry in SCHEDULE if entry.get("cron")}
    if zones - {"UTC"}:
        raise click.ClickException(
            f"jobs/schedule.py: cron entries must use timezone UTC, not {sorted(zones - {'UTC'})};"
            " office-time work runs on an interval and reads each program's calendar"
        )
    os.environ["TZ"] = "UTC"  # rq's cron reads expressions in the process's local time
    time.tzset()
    lease = current_app.config["SCHEDULER_LEASE_SECONDS"]
    if lease < 2:
        raise click.ClickException("SCHEDULER_LEASE_SECONDS must be 2 or more")
    scheduler = LeaderScheduler(connection=runtime().redis(start=True), lease_seconds=lease)
    for entry in SCHEDULE:
        module, _, name = entry["job"].rpartition(".")
        func = getattr(__import__(module, fromlist=[name]), name)
        scheduler.register(
            func,
            queue_name=entry["queue"],
            interval=entry.get("interval"),
            cron=entry.get("cron"),
            job_timeout=entry.get("timeout"),
        )
    scheduler.start()


@click.group("seed")
def seed_group() -> None:
    """Load programs and demo data (both idempotent)."""


@seed_group.command("programs")
@click.option(
    "--refresh",
    is_flag=True,
    help="Give existing programs the shipped settings again (their clocks, lists, letterhead), "
    "over any administrator's edit.",
)
def seed_programs(refresh: bool) -> None:
    """Load the four programs of domain.md; with --refresh, update the existing ones."""
    from seed.procedures import load_procedures
    from seed.programs import load_programs

    created, kept = load_programs(refresh=refresh)
    what = "refreshed with the shipped settings" if refresh else "already there (left as they are)"
    click.echo(f"programs: {created} created, {kept} {what}")
    click.echo(f"complaint procedures: {load_procedures()} published (version 1 where none was)")


@seed_group.command("search-keys")
def seed_search_keys() -> None:
    """Give records written before search keys and months of receipt were kept both (once,
    after upgrading)."""
    from portal.services.grievances.verbs import add_received_months, add_search_keys

    click.echo(f"search keys: {add_search_keys()} records given their keys")
    click.echo(f"months of receipt: {add_received_months()} records given theirs")


@seed_group.command("demo")
@click.option("--force", is_flag=True, help="Run even against MONGODB_URI (never in production).")
@click.option("--records", type=int, default=300, show_default=True)
def seed_demo(force: bool, records: int) -> None:
    """Add demo staff (one per role), providers and grievances."""
    from portal.clock import utcnow
    from seed.demo import load_demo

    if current_app.config["MONGODB_URI"] and not force:
        raise click.ClickException(
            "MONGODB_URI is set: demo data is not loaded into a real database. "
            "Use --force only on a database that holds no member data."
        )
    with click.progressbar(
        length=records, label="grievances", show_pos=True, show_eta=True, file=sys.stderr
    ) as bar:
        said = load_demo(utcnow(), records=records, progress=lambda done: bar.update(1))
    click.echo(said)


@seed_group.command("ct-2014q4")
def seed_ct_2014q4() -> None:
    """Add Connecticut's published 2014Q4 quarter (202 closed grievances, seed 000)."""
    from portal.clock import utcnow
    from seed.history import MEMBER_MONTHS, QUARTER, load_ct_2014q4

    added = load_ct_2014q4(utcnow())
    click.echo(
        f"ct-dental {QUARTER}: {added} records added"
        + ("" if added else " (there already)")
        + f"; its member months were {MEMBER_MONTHS}"
    )


@click.group("jobs")
def jobs_group() -> None:
    """Run jobs by hand."""


@jobs_group.command("run")
@click.argument("name")
@click.option("--now", help="ISO 8601 with offset, e.g. 2026-11-23T09:00:00+00:00")
@click.option("--month", help="completeness: YYYY-MM (default: last month)")
@click.option("--json", "as_json", is_flag=True)
def run_job(name: str, now: str | None, month: str | None, as_json: bool) -> None:
    """Run a job now, in this process: overdue, digest, completeness, relay."""
    from datetime import datetime

    from jobs.tasks import JOBS

    if name not in JOBS:
        raise click.UsageError(f"unknown job {name!r}; choose from {', '.join(JOBS)}")
    if now:
        try:
            if datetime.fromisoformat(now).tzinfo is None:
                raise ValueError
        except ValueError:
            raise click.BadParameter(
                "use ISO 8601 with an offset, e.g. 2026-11-23T09:00:00Z", param_hint="--now"
            ) from None
    kwargs = {"now": now}
    if month:
        if name != "completeness":
            raise click.UsageError("--month goes with the completeness job")
        kwargs["month"] = month
    summary = JOBS[name](**kwargs)
    click.echo(
        json.dumps(summary) if as_json else ", ".join(f"{k}: {v}" for k, v in summary.items())
    )


def _programs(slugs) -> list:
    """The programs with these slugs, or a message naming the unknown ones and the choices."""
    from portal.models import Program

    found = list(Program.objects(slug__in=list(slugs)))
    unknown = sorted(set(slugs) - {p.slug for p in found})
    if unknown:
        known = ", ".join(Program.objects.order_by("slug").scalar("slug")) or "(none yet)"
        raise click.ClickException(f"No program {', '.join(unknown)}; choose from {known}.")
    return found


@click.group("api-clients")
def api_clients_group() -> None:
    """Keys for other systems to call /api/v1."""


@api_clients_group.command("create")
@click.argument("name")
@click.option(
    "--program", "programs", multiple=True, required=True, help="A program's slug; repeat."
)
@click.option("--write", is_flag=True, help="May file complaints (else it may only read).")
def create_api_client(name: str, programs: tuple[str, ...], write: bool) -> None:
    """Create a client; prints its key, which is shown this once and kept only as a hash."""
    from portal.clock import utcnow
    from portal.services import api_clients

    try:
        client, key = api_clients.create(name, _programs(programs), write, None, utcnow())
    except api_clients.ApiClientError as exc:
        raise click.ClickException(str(exc)) from None
    rights = "read and file" if client.may_write else "read"
    click.echo(f"Created API client {client.name!r} ({rights}: {', '.join(programs)}).")
    click.echo(f"Key (shown once): {key}")


@api_clients_group.command("revoke")
@click.argument("name")
def revoke_api_client(name: str) -> None:
    """Revoke a client's key: its next call gets 401."""
    from portal.clock import utcnow
    from portal.models import ApiClient
    from portal.services import api_clients

    client = ApiClient.objects(name=name).first()
    if client is None:
        raise click.ClickException(f"No API client {name!r}.")
    api_clients.revoke(client, None, utcnow())
    click.echo(f"Revoked {name!r}.")


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="One of csr, dhcs, provider_relations, liaison, supervisor, manager, "
    "director, auditor, admin; repeat for several.",
)
@click.option(
    "--program",
    "programs",
    multiple=True,
    help="A program's slug whose records the person works; repeat for several. Needed "
    "except for administrators, directors and auditors, who read every program.",
)
@click.option("--team")
def create_user(
    email: str, name: str, roles: tuple[str, ...], programs: tuple[str, ...], team: str | None
) -> None:
    """Create a staff account; prints a one-time password to change at first sign-in."""
    from portal.clock import utcnow
    from portal.services.accounts import users

    served = _programs(programs)
    try:
        user, temporary = users.create(
            email, name, list(roles), by=None, now=utcnow(), team=team, programs=served
        )
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({', '.join(user.roles)}).")
    click.echo(f"One-time password: {temporary}")
    click.echo("It must be changed at first sign-in.")


@click.command("doctor")
def doctor_command() -> None:
    """Say which store, queue and mail transport are in use, and whether each answers."""
    from portal.health import parts
    from portal.instance import loose

    app = current_app
    checks = parts(app)

    def private():
        readable = loose(Path(app.instance_path))
        if readable:
            shown = "; ".join(readable[:5]) + (" ..." if len(readable) > 5 else "")
            raise PermissionError(f"readable by other local users: {shown}")

    checks.append(("files", f"instance folder {app.instance_path} (0700, files 0600)", private))
    failed = False
    for label, description, check in checks:
        try:
            check()
            state = "ok"
        except Exception as exc:  # a doctor reports every failure, whatever it is
            state = f"NOT ANSWERING ({type(exc).__name__}: {exc})"
            failed = True
        click.echo(f"{label:6} {description}: {state}")
    sys.exit(1 if failed else 0)


@click.command("due")
@click.option("--program", "slug", required=True, help="Program slug, e.g. ct-dental")
@click.option("--received", required=True, help="ISO 8601, e.g. 2026-11-25T18:30-05:00")
@click.option("--rule", required=True, help="e.g. '2 business days', 'end of day'")
@click.option("--json", "as_json", is_flag=True)
def due_command(slug: str, received: str, rule: str, as_json: bool) -> None:
    """Say when a deadline falls due in a program's office, and how."""
    from datetime import datetime

    from portal.domain.businesstime import RuleError, explain_due, parse_rule
    from portal.models import Program

    def fail(message: str):
        click.echo(f"portal due: {message}", err=True)
        sys.exit(2)

    program = Program.objects(slug=slug).first()
    if program is None:
        known = ", ".join(Program.objects.scalar("slug")) or "none loaded"
        fail(f"unknown program {slug!r} (programs: {known})")
    try:
        start = datetime.fromisoformat(received)
    except ValueError:
        fail(f"cannot read the date {received!r}: use ISO 8601, e.g. 2026-11-25T18:30-05:00")
    if start.tzinfo is None:
        # A time without an offset is read as the office's own clock.
        from zoneinfo import ZoneInfo

        start = start.replace(tzinfo=ZoneInfo(program.timezone))
    try:
        result = explain_due(parse_rule(rule), start, program.calendar())
    except RuleError as exc:
        fail(str(exc))
    local = result.at.astimezone(program.calendar().zone)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "program": slug,
                    "rule": rule,
                    "received": start.isoformat(),
                    "due": local.isoformat(),
                    "due_utc": result.at.isoformat(),
                    "at_risk_from": result.at_risk_from.astimezone(
                        program.calendar().zone
                    ).isoformat()
                    if result.at_risk_from
                    else None,
                    "steps": list(result.steps),
                },
                indent=2,
            )
        )
        return
    click.echo(local.isoformat())
    for step in result.steps:
        click.echo(f"  {step}")
