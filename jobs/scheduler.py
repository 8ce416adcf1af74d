"""rq's cron scheduler made safe to run on more than one machine: only the holder of a lease
in Redis enqueues; the others stand by and take over when the lease is released or runs out.

The lease is a redis-py `Lock` whose token names its holder (host:pid:…). The leader renews it
every few seconds and gives it up on SIGTERM; a leader that dies without a word loses it when
it expires. Whoever leads starts from the last enqueue time of each job that rq keeps in Redis
(`rq:cron_jobs`), so a takeover does not fire again what the previous leader has just fired.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from redis.exceptions import ConnectionError as RedisDown
from redis.exceptions import LockError, LockNotOwnedError
from rq import cron_job_registry
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

LEASE_KEY = "portal:scheduler:leader"


class LeaderScheduler(CronScheduler):
    """A CronScheduler that enqueues only while it holds the lease."""

    def __init__(self, connection, lease_seconds: float = 60, **kwargs):
        super().__init__(connection, **kwargs)
        self.lease_seconds = lease_seconds
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

    def start(self):
        self.log.info("CronScheduler %s: starting...", self.name)
        self._install_signal_handlers()
        self.register_birth()
        try:
            while True:
                pause = self.beat
                try:
                    if self._take_or_keep_lease():
                        if self.enqueue_jobs():
                            self.save()
                        pause = min(self.calculate_sleep_interval(), self.beat)
                    self.heartbeat()
                except RedisDown:
                    # Redis restarting: nothing can be enqueued anyway; try again shortly
                    # (the lease, if Redis kept it, is still ours to renew).
                    self.log.warning("CronScheduler %s: Redis unreachable, retrying", self.name)
                if pause > 0:
                    time.sleep(pause)
        except (KeyboardInterrupt, StopRequested):
            self.log.info("CronScheduler %s: stop requested", self.name)
        finally:
            try:
                if self.leading:
                    self.lease.release()
                self.register_death()
            except (LockError, RedisDown):
                pass  # the lease expires by itself; the registry forgets silent schedulers
            self.log.info("CronScheduler %s: shutdown complete", self.name)
