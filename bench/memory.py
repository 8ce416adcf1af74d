"""Peak memory at the current size: the web process (`portal serve`) after the heaviest pages
and downloads, and the worker (with its work horses) after a burst of the periodic jobs."""

from __future__ import annotations

import subprocess
import sys
import time
import types

import psutil
import requests

from bench.common import PASSWORD, bench_manager, child_env, peak_rss_mb

# Runs the worker and reports the largest resident size of it and its work horses.
_PEAK_OF_CHILD = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def _staff_with_open_work() -> None:
    from portal.models import Grievance, User

    people = []
    for n in range(5):
        email = f"staff{n}@bench.test"
        person = (
            User.objects(email=email).first()
            or User(email=email, name=f"Staff {n}", roles=["csr"]).save()
        )
        people.append(person)
    collection = Grievance._get_collection()
    for n, doc in enumerate(collection.find({"is_open": True}, {"_id": 1})):
        collection.update_one({"_id": doc["_id"]}, {"$set": {"assignee": people[n % 5].pk}})


def worker_peak(folder, now) -> float:
    from rq import Queue

    from portal.queue import EmbeddedRedis

    embedded = EmbeddedRedis(folder / "redis")
    url, _started = embedded.ensure()
    import redis

    connection = redis.Redis.from_url(url)
    queue = Queue("periodic", connection=connection)
    for job in ("overdue", "digest", "daily_report", "completeness_check"):
        queue.enqueue(f"jobs.tasks.{job}", now=now.isoformat(), job_timeout=600)
    # And an export of every record, as a manager asks for one from the list.
    from portal.clock import utcnow
    from portal.models import Grievance, User
    from portal.services.reporting import exports

    carrier = types.SimpleNamespace(
        enqueue=lambda name, func, *args, **kwargs: Queue(name, connection=connection).enqueue(
            func, *args, **kwargs
        )
    )
    exports.ask(
        Grievance.objects.order_by("-received_at"),
        by=User.objects.get(email="bench@bench.test"),
        fmt="xlsx",
        member_fields=True,
        filters={},
        searched=False,
        now=utcnow(),  # the worker's clock is the machine's: kept seven days from now
        runtime=carrier,
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_OF_CHILD, sys.executable, "-m", "portal", "worker"]
            + ["--burst"],
            env=child_env(folder),
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        from portal.models import ExportRun, JobRun

        runs = {r.name: r.ok for r in JobRun.objects}
        assert all(runs.values()) and len(runs) == 4, runs
        export = ExportRun.objects.order_by("-id").first()
        assert export.status == "done", (export.status, export.error)
        print(f"export of {export.done:,} records to XLSX by the worker: {export.size:,} bytes")
        return int(done.stdout.split()[-1]) / 1024
    finally:
        embedded.stop()


# The store alone: a process that opens it and reads what the list reads as it opens (the
# open records' ids in order, then a page of them by id).
_STORE_FLOOR = (
    "import os, sys; from pathlib import Path; from portal import store; "
    "store.connect(None, Path(sys.argv[1]) / 'data'); from portal.models import Grievance; "
    "c = Grievance._get_collection(); "
    "ids = [d['_id'] for d in c.find({'is_open': True}, {'_id': 1}).sort('received_at', -1)"
    ".limit(1001)]; list(c.find({'_id': {'$in': ids[:50]}})); "
    "from bench.common import peak_rss_mb; print(peak_rss_mb(os.getpid()))"
)


def store_floor(folder) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _STORE_FLOOR, str(folder)],
        env=child_env(folder),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout.split()[-1])


def web_peak(folder) -> tuple[float, int]:
    from portal.queue import free_port

    port = free_port()
    # One gunicorn worker serves every page: its peak is the web process's (the master,
    # which `portal serve` becomes, serves nothing and stays small).
    server = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port), "--workers", "1"],
        env=child_env(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        from tests.helpers import live_login as login

        session = login(base, "bench@bench.test", PASSWORD)
        pages = [
            "/admin/grievance/",
            "/admin/grievance/?flt0_open_equals=1",
            "/admin/reports/quarterly?program=ct-dental&quarter=2026Q3",
            "/admin/reports/trend?program=ct-dental&quarter=2026Q3",
            "/admin/reports/universe.xlsx?program=ct-dental&quarter=2026Q3",
            "/admin/grievance/export/csv/",
            "/admin/grievance/export/xlsx/",
            "/admin/completeness/",
        ]
        for page in pages:
            answer = session.get(base + page, timeout=600)
            assert answer.status_code == 200, (page, answer.status_code)
        workers = [child.pid for child in psutil.Process(server.pid).children()]
        return max(peak_rss_mb(pid) for pid in [server.pid, *workers]), len(pages)
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(folder, now) -> dict:
    from portal.models import Grievance

    bench_manager()
    _staff_with_open_work()
    records = Grievance.objects.count()
    worker = worker_peak(folder, now)
    web, pages = web_peak(folder)
    floor = store_floor(folder)
    print(f"\n| peak memory, {records:,} records | MB | the store alone, MB |")
    print("|---|---|---|")
    print(f"| web process after {pages} heavy pages and downloads | {web:.0f} | {floor:.0f} |")
    print(
        "| worker with its work horses: overdue, digest, daily report, completeness | "
        f"{worker:.0f} | {floor:.0f} |"
    )
    print("(the store alone: a process that opens the store and reads what the list reads)")
    return {"web_mb": web, "worker_mb": worker, "store_mb": floor}
