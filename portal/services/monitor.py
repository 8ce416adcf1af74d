"""What managers and administrators see of the background work: queues, workers, the
schedule, each job's last run, and failed jobs they can retry. Read from RQ's own
registries; nothing here shows job arguments or error text (they may carry addresses)."""

from __future__ import annotations

from datetime import datetime

import redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry

from jobs.schedule import SCHEDULE
from portal.models import JobRun, Outbox
from portal.queue import QUEUES


def _error_kind(job: Job) -> str:
    """The exception's class only: its message can echo an address or member text."""
    result = job.latest_result()  # rq 3 keeps the traceback on the result (exc_info is going)
    info = ((result.exc_string if result else None) or "").strip().splitlines()
    last = info[-1] if info else ""
    return last.split(":", 1)[0][:80] or "unknown"


def snapshot(connection: redis.Redis | None) -> dict:
    """Everything on the page; only what the store knows when the queue cannot be reached."""
    try:
        if connection is None:
            raise redis.ConnectionError("no queue")
        connection.ping()
    except redis.RedisError:
        return {"redis": False, **_from_store()}
    queues, failed = [], []
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        registry = FailedJobRegistry(queue=queue)
        queues.append(
            {
                "name": name,
                "waiting": queue.count,
                "running": queue.started_job_registry.count,
                "scheduled": queue.scheduled_job_registry.count,
                "failed": registry.count,
            }
        )
        for job in Job.fetch_many(registry.get_job_ids(0, 49), connection=connection):
            if job is not None:
                failed.append(
                    {
                        "id": job.id,
                        "queue": name,
                        "job": job.func_name,
                        "failed_at": job.ended_at,
                        "error": _error_kind(job),
                    }
                )
    workers = []
    for worker in Worker.all(connection=connection):
        current = worker.get_current_job()
        workers.append(
            {
                "name": worker.name,
                "state": worker.get_state(),
                "job": current.func_name if current else "",
                "last_seen": worker.last_heartbeat,
            }
        )
    return {"redis": True, "queues": queues, "workers": workers, "failed": failed, **_from_store()}


def scheduled() -> list[tuple[str, dict]]:
    """Each scheduled entry with the one name its job goes by: the name `portal jobs run`
    takes and its runs are recorded under (JobRun)."""
    from jobs.tasks import JOBS

    named = {func.__name__: name for name, func in JOBS.items()}
    out = []
    for entry in SCHEDULE:
        function = entry["job"].rsplit(".", 1)[1]
        out.append((named.get(function, entry["job"]), entry))
    return out


def _from_store() -> dict:
    runs = {r.name: r for r in JobRun.objects}
    return {
        "schedule": [
            {
                "job": name,
                "queue": entry["queue"],
                "when": f"every {entry['interval'] // 60} min"
                if entry.get("interval")
                else f"cron {entry['cron']} (UTC)",
                "run": runs.get(name),
            }
            for name, entry in scheduled()
        ],
        "runs": sorted(runs.values(), key=lambda r: r.name),
        "outbox": {
            status: Outbox.objects(status=status).count()
            for status in ("pending", "sending", "failed")
        },
    }


def retry(connection: redis.Redis, job_id: str) -> bool:
    """Put a failed job back on its queue; False when it is no longer among the failed."""
    for name in QUEUES:
        registry = FailedJobRegistry(queue=Queue(name, connection=connection))
        if job_id in registry.get_job_ids():
            registry.requeue(job_id)
            return True
    return False


def age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    seconds = int((now - moment).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"
