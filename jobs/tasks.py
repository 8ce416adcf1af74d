"""The jobs. Each selects what is not yet done, so running it twice does nothing twice."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

from portal.clock import utcnow
from portal.models import JobRun
from portal.runtime import runtime
from portal.services.grievances import clocks
from portal.services.mail import digests, outbox
from portal.services.reporting import completeness, daily, quarterly

log = logging.getLogger(__name__)


def _now(now: str | datetime | None) -> datetime:
    if now is None:
        return utcnow()
    moment = now if isinstance(now, datetime) else datetime.fromisoformat(now)
    if moment.tzinfo is None:
        raise ValueError("now must carry a UTC offset, e.g. 2026-11-23T09:00:00+00:00")
    return moment.astimezone(UTC)


def recorded(name: str):
    """Keep each job's last run (start, end, outcome, summary) for monitoring."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            started = utcnow()
            JobRun.objects(name=name).update_one(
                upsert=True, set__started_at=started, set__finished_at=None, set__ok=None
            )
            try:
                summary = func(*args, **kwargs)
            except Exception:
                JobRun.objects(name=name).update_one(
                    set__finished_at=utcnow(), set__ok=False, inc__runs_failed=1
                )
                raise
            finished = utcnow()
            JobRun.objects(name=name).update_one(
                set__finished_at=finished,
                set__ok=True,
                set__summary=summary or {},
                set__succeeded_at=finished,
                inc__runs_ok=1,
            )
            # The figures only; lists (e.g. incomplete records) stay in the JobRun document.
            figures = {k: v for k, v in (summary or {}).items() if not isinstance(v, list)}
            log.info("job %s done: %s", name, figures)
            return summary

        return wrapper

    return decorate


@recorded("overdue")
def overdue(now: str | None = None) -> dict:
    return clocks.refresh_overdue(_now(now))


def _send(ids, moment: datetime) -> dict:
    """Deliver each message; one that fails is left for the relay and does not stop the rest."""
    rt = runtime()
    sent = failed = skipped = 0
    for message_id in ids:
        try:
            if outbox.deliver(message_id, rt.transport, rt.mail_from, moment):
                sent += 1
            else:
                skipped += 1
        except Exception:
            # Left 'failed' in the outbox; the relay queues it again after a back-off.
            failed += 1
    return {"sent": sent, "failed": failed, "already_sent": skipped}


def _write_and_send(write, label: str, moment: datetime) -> dict:
    """Write what is due into the outbox, then send it; the figures of both steps."""
    messages = write(moment, runtime().base_url)
    return {label: len(messages), **_send([m.pk for m in messages], moment)}


@recorded("digest")
def digest(now: str | None = None) -> dict:
    return _write_and_send(digests.queue_digests, "digests", _now(now))


@recorded("completeness")
def completeness_check(now: str | None = None, month: str | None = None) -> dict:
    """Check last month's log (or `month`), keep the result, and send what is due: reminders
    before the 5th, the result after it, the director's note."""
    moment = _now(now)
    results = completeness.check_month(moment, month)
    sending = {}
    if month is None:
        sending = _write_and_send(completeness.send_notices, "messages", moment)
    for result in results:
        result.reload()  # the notices may have made it final
    return {
        "month": results[0].month if results else month,
        "managers": len(results),
        "checked": sum(r.checked for r in results),
        "incomplete": sum(len(r.incomplete) for r in results),
        **sending,
        "results": [completeness.as_dict(r) for r in results],
    }


@recorded("daily-report")
def daily_report(now: str | None = None) -> dict:
    return _write_and_send(daily.send_reports, "reports", _now(now))


@recorded("quarterly-reminders")
def quarterly_reminders(now: str | None = None) -> dict:
    return _write_and_send(quarterly.send_reminders, "reminders", _now(now))


@recorded("relay")
def relay(now: str | None = None) -> dict:
    """Queue every message that is waiting; the outbox is the record, Redis only the carrier."""
    moment = _now(now)
    ids = outbox.due_for_delivery(moment)
    queued = sum(1 for i in ids if outbox.hand_to_queue(i, runtime()) is not None)
    return {"waiting": len(ids), "queued": queued}


def deliver(outbox_id: str) -> bool:
    rt = runtime()
    return outbox.deliver(outbox_id, rt.transport, rt.mail_from, utcnow())


@recorded("mail-intake")
def mail_intake(now: str | None = None) -> dict:
    """Read each program's intake mailbox (MAIL_INTAKE): new messages become complaints,
    replies are added to their records, unreadable ones wait in "Needs review"."""
    from flask import current_app

    from portal.models import Program
    from portal.services.mail import inbound

    moment = _now(now)
    summary: dict = {"new": 0, "reply": 0, "review": 0, "again": 0, "waiting_for_review": 0}
    for slug, url in sorted(current_app.config["MAIL_INTAKE"].items()):
        program = Program.objects.get(slug=slug)
        for key, value in inbound.poll(program, url, moment, runtime()).items():
            summary[key] += value
    return summary


# Jobs a person may run by hand: `portal jobs run NAME`.
JOBS = {
    "overdue": overdue,
    "digest": digest,
    "completeness": completeness_check,
    "daily-report": daily_report,
    "quarterly-reminders": quarterly_reminders,
    "relay": relay,
    "mail-intake": mail_intake,
}


def run_import(run_id: str) -> None:
    """An uploaded log, imported by a worker so the upload screen can show how far it got."""
    from portal.services import imports

    imports.run(run_id)


def run_export(run_id: str) -> None:
    """A list export, written by a worker while the exports page shows how far it got."""
    from portal.services.reporting import exports

    exports.run(run_id, utcnow())
