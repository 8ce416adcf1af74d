"""rq's cron scheduler made safe to run on more than one machine: only the holder of a lease
in Redis enqueues; the others stand by and take over when the lease is released or runs out.

The lease is a redis-py `Lock` whose token names its holder (host:pid:…). The leader renews it
every few seconds and gives it up on SIGTERM; a leader that dies without a word loses it when
it expires. Whoever leads starts from the last enqueue time of each job that rq keeps in Redis
(`rq:cron_jobs`), so a takeover does not fire again what the previous leader has just fired.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime

from redis.exceptions import ConnectionError as RedisDown
from redis.exceptions import LockError, LockNotOwnedError
from rq import cron_job_registry
from rq.cron import CronScheduler

LEASE_KEY = "portal:scheduler:leader"


class LeaderScheduler(CronScheduler):
    """A CronScheduler that enqueues only while it holds the lease. rq's own loop runs it:
    enqueue what is due, heartbeat, sleep; these overrides add the lease to each step."""

    def __init__(self, connection, lease_seconds: float = 60, **kwargs):
        super().__init__(connection, **kwargs)
        # Renew well inside the lease; a standby looks as often.
        self.beat = max(lease_seconds / 4, 0.5)
        self.lease = connection.lock(LEASE_KEY, timeout=lease_seconds, thread_local=False)
        self.leading = False

    def _take_or_keep_lease(self) -> bool:
        """Whether this scheduler leads now: renew a lease it holds, else try to take one."""
        if self.leading:
            try:
                self.lease.reacquire()
                return True
            except LockNotOwnedError:
                # Paused past the lease (a stopped VM, a long GC): another may lead now.
                self.log.warning("CronScheduler %s: lost the lease, standing by", self.name)
                self.leading = False
        if self.lease.acquire(blocking=False, token=f"{self.name}:{time.time():.0f}"):
            self.leading = True
            self._resume_from_shared_times()
            self.log.info("CronScheduler %s: took the lease, enqueueing", self.name)
        return self.leading

    def _resume_from_shared_times(self) -> None:
        """Carry on from the last enqueue of each job, whoever made it."""
        for job in self._cron_jobs:
            last = self.connection.zscore(cron_job_registry.get_registry_key(), job.name)
            if last is not None:
                job.set_enqueue_time(datetime.fromtimestamp(last, UTC))

    def enqueue_jobs(self):
        try:
            if self._take_or_keep_lease():
                return super().enqueue_jobs()
        except RedisDown:
            # Redis restarting: nothing can be enqueued anyway; try again shortly (the
            # lease, if Redis kept it, is still ours to renew).
            self.log.warning("CronScheduler %s: Redis unreachable, retrying", self.name)
        return []

    def calculate_sleep_interval(self) -> float:
        if not self.leading:
            return self.beat
        return min(super().calculate_sleep_interval(), self.beat)

    def heartbeat(self) -> None:
        # Redis down is said by enqueue_jobs; the registry forgets a silent scheduler.
        with contextlib.suppress(RedisDown):
            super().heartbeat()

    def save(self, pipeline=None) -> None:
        # Between an enqueue and this save Redis may go: the next leader reads the times rq
        # wrote with each enqueue, so nothing is lost by skipping it.
        with contextlib.suppress(RedisDown):
            super().save(pipeline)

    def register_death(self, pipeline=None) -> None:
        """On the way out (SIGTERM, Ctrl-C), hand the lease over at once."""
        # If Redis is gone the lease expires by itself and the registry forgets us.
        with contextlib.suppress(LockError, RedisDown):
            if self.leading:
                self.lease.release()
            super().register_death(pipeline)
