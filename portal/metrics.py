"""/metrics in Prometheus's text format, for the platform's monitoring.

Two kinds of figures:

* What this web server did: requests by route, method and status with their latency, and the
  complaints its intake stored. Under gunicorn (`portal serve`) each worker process writes
  them to files in PROMETHEUS_MULTIPROC_DIR and a scrape sums them (prometheus-client's
  multiprocess mode); anywhere else they live in the process.
* How the portal stands, read at each scrape from the store and Redis, so that any web
  replica answers for the whole deployment: the outbox (waiting, failed, the oldest), the
  queues (waiting and failed jobs), each scheduled job's last success and its age, and open
  records and overdue clocks by program. Each read is an indexed equality or a read of the
  open records only; nothing counts the history.

Labels are routes, programs, job names and states: never a member's name, ID or words. The
page answers only from the internal network (loopback or a private address, as the client
is seen after PROXY_HOPS), or to `Authorization: Bearer $METRICS_TOKEN` when one is set;
deploy/Caddyfile also refuses it from outside.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections import Counter as Tally
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from portal.clock import as_utc

bp = Blueprint("metrics", __name__)
access_log = logging.getLogger("portal.access")

REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by route (the URL rule, not the path), method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RECEIVED = Counter(
    "portal_grievances_received",
    "Complaints stored by this server's intake (the member form and staff intake; imports "
    "run in the worker and are not counted here), by program and intake source.",
    ["program", "source"],
)

WAITING = ("pending", "sending", "failed")  # outbox states of a message not yet sent

# Loopback and the private ranges of RFC 1918 and RFC 4193: a scraper inside the deployment.
# (ipaddress's is_private also takes the documentation and benchmarking ranges.)
INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def received(program: str, source: str) -> None:
    RECEIVED.labels(program=program, source=source).inc()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def start_the_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_the_answer(response):
        started = g.pop("metrics_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route, method = _route(), request.method
        REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        LATENCY.labels(route=route, method=method).observe(seconds)
        # One line per request: the path without its query string (searches carry names).
        access_log.info(
            "%s %s %s %.0fms",
            method,
            request.path,
            response.status_code,
            seconds * 1000,
            extra={"route": route, "status": response.status_code, "ms": round(seconds * 1e3)},
        )
        return response


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(client in network for network in INTERNAL)


@bp.route("/metrics")
def metrics():
    if not _allowed():
        abort(404)  # not advertised to the outside
    if multiprocess_dir():
        from prometheus_client import multiprocess

        served = CollectorRegistry()
        multiprocess.MultiProcessCollector(served)
        body = generate_latest(served)
    else:
        body = generate_latest(REGISTRY)
    standing = CollectorRegistry(auto_describe=False)
    standing.register(PortalCollector(current_app._get_current_object()))
    body += generate_latest(standing)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class PortalCollector(Collector):
    """The deployment's standing, read at each scrape. A part that does not answer is said
    by its `portal_up` sample and leaves its other figures out, rather than failing the page."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterator:
        from portal.clock import utcnow

        now = utcnow()
        up = GaugeMetricFamily(
            "portal_up", "Whether a part answers (1) or not (0).", labels=["part"]
        )
        for part, read in (("store", self._store), ("queue", self._queue)):
            try:
                families = list(read(now))
            except Exception:
                logging.getLogger(__name__).warning("metrics: the %s did not answer", part)
                up.add_metric([part], 0)
            else:
                up.add_metric([part], 1)
                yield from families
        yield up

    def _store(self, now) -> Iterator:
        from portal.models import Grievance, JobRun, Outbox, Program
        from portal.services import monitor

        waiting = GaugeMetricFamily(
            "portal_outbox_messages", "Messages not yet sent, by state.", labels=["state"]
        )
        oldest = GaugeMetricFamily(
            "portal_outbox_oldest_waiting_age_seconds",
            "Age of the oldest message not yet sent (0 when none waits).",
        )
        first = None
        for state in WAITING:
            waiting.add_metric([state], Outbox.objects(status=state).count())
            row = Outbox.objects(status=state).order_by("created_at").only("created_at").first()
            if row is not None and (first is None or row.created_at < first):
                first = row.created_at
        oldest.add_metric([], _age(now, first) if first else 0)
        yield waiting
        yield oldest

        runs = {r.name: r for r in JobRun.objects}
        success = GaugeMetricFamily(
            "portal_job_last_success_timestamp_seconds",
            "When each scheduled job last finished without error (Unix time).",
            labels=["job"],
        )
        age = GaugeMetricFamily(
            "portal_job_last_success_age_seconds",
            "Seconds since each scheduled job last finished without error; it grows when "
            "the scheduler or the workers stop.",
            labels=["job"],
        )
        interval = GaugeMetricFamily(
            "portal_job_interval_seconds",
            "How often each interval job is scheduled (alert when the age passes a few).",
            labels=["job"],
        )
        total = CounterMetricFamily(
            "portal_job_runs", "Runs of each job by outcome.", labels=["job", "outcome"]
        )
        for name, entry in monitor.scheduled():
            if entry.get("interval"):
                interval.add_metric([name], entry["interval"])
        for name, run in sorted(runs.items()):
            if run.succeeded_at:
                success.add_metric([name], as_utc(run.succeeded_at).timestamp())
                age.add_metric([name], _age(now, run.succeeded_at))
            total.add_metric([name, "ok"], run.runs_ok or 0)
            total.add_metric([name, "failed"], run.runs_failed or 0)
        yield from (success, age, interval, total)

        slugs = {p.pk: p.slug for p in Program.objects.only("slug")}
        open_records, overdue = Tally(), Tally()
        rows = Grievance.objects(is_open=True).only("program", "clocks.overdue_since").as_pymongo()
        for row in rows:
            slug = slugs.get(row.get("program"), "unknown")
            open_records[slug] += 1
            overdue[slug] += sum(
                1 for clock in row.get("clocks") or () if clock.get("overdue_since") is not None
            )
        records = GaugeMetricFamily(
            "portal_open_records", "Open grievances, by program.", labels=["program"]
        )
        late = GaugeMetricFamily(
            "portal_overdue_clocks",
            "Clocks past due on open grievances (as the overdue job last marked them), by program.",
            labels=["program"],
        )
        for slug in sorted(slugs.values()):
            records.add_metric([slug], open_records[slug])
            late.add_metric([slug], overdue[slug])
        yield records
        yield late

    def _queue(self, _now) -> Iterator:
        from rq import Queue
        from rq.registry import FailedJobRegistry

        from portal.queue import QUEUES
        from portal.runtime import runtime

        connection = runtime().redis()
        depth = GaugeMetricFamily("portal_queue_jobs", "Jobs waiting, by queue.", labels=["queue"])
        failed = GaugeMetricFamily(
            "portal_queue_failed_jobs",
            "Jobs that failed and wait for a person, by queue.",
            labels=["queue"],
        )
        for name in QUEUES:
            queue = Queue(name, connection=connection)
            depth.add_metric([name], queue.count)
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
        yield depth
        yield failed


def _age(now, then) -> float:
    return max(0.0, (now - as_utc(then)).total_seconds())
