"""gunicorn's settings for `portal serve`, the one way the web app is served: on a laptop
(`make run`), in the tests and in the image. One server means one proxy setup to get right.

Loaded by gunicorn's master as `--config python:portal.serving` before any worker starts;
the app itself is created in each worker after the fork (no preload), so each opens its own
store connection and writes its own metrics file.
"""

from __future__ import annotations

import os
import shutil

from gunicorn import glogging

worker_class = "gthread"
# Long enough for the slowest page (a quarterly report over a large program); imports and
# exports run in the worker, never here.
timeout = 120
graceful_timeout = 30
# X-Forwarded-* are read by the app's ProxyFix, as many hops as PROXY_HOPS says, and by
# nothing else: gunicorn itself trusts no address to set the scheme.
forwarded_allow_ips = ""
# Each request is logged by the app (portal.metrics), with its request id, as JSON.
accesslog = None
# No runtime control socket ($HOME/.gunicorn/gunicorn.ctl by default, which two servers on
# one machine would share): signals do the same (TERM, HUP, TTIN/TTOU).
control_socket_disable = True


class Logs(glogging.Logger):
    """gunicorn's own lines (starting, a worker restarted) in the portal's log format."""

    def setup(self, cfg):
        super().setup(cfg)
        from portal import logs

        logs.configure()
        for log in (self.error_log, self.access_log):
            log.handlers[:] = []
            log.propagate = True


logger_class = Logs


def child_exit(server, worker):
    """A worker gone: its request figures stay counted, its live ones are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """The figures folder `portal serve` made for this server goes with it."""
    made = os.environ.get("PORTAL_METRICS_DIR_MADE")
    if made and made == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(made, ignore_errors=True)
