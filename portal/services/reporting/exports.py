"""Exports of the grievance list, written by a worker.

A person who wants the whole history asks for an export: the web process stores what was
asked (the list's filter as the store reads it, its order, whether member data goes in) and
queues it; a worker reads the records a batch at a time, keeps how far it got for the
page's progress bar, and stores the file in pieces until it expires. The web process never
holds more than a page of records.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bson import json_util

from portal.models import ExportChunk, ExportRun, Grievance, Program, User
from portal.services.documents import in_batches, ref_id
from portal.services.reporting import records, spreadsheets

KEPT = timedelta(days=7)  # then the file (member data) is deleted
LIMIT = 50_000  # rows in one export
CHUNK = 4 * 2**20
BATCH = 200


class ExportError(ValueError):
    """Why an export was not queued, in words for the person who asked."""


def ask(
    query,
    *,
    by: User,
    fmt: str,
    member_fields: bool,
    filters: dict,
    searched: bool,
    now: datetime,
    runtime,
) -> ExportRun:
    """Store what `query` (a Grievance queryset: the list's scope, filters, search and
    order) asks for, and queue its writing. The filter is kept as the store reads it, so
    the worker reads what the list showed, whoever runs it."""
    if fmt not in ("csv", "xlsx"):
        raise ExportError(f"there is no {fmt!r} export; choose csv or xlsx")
    run = ExportRun(
        by=by,
        format=fmt,
        query=json_util.dumps(query._query),
        order=[[key, direction] for key, direction in (query._ordering or [])],
        member_fields=member_fields,
        filters=filters,
        searched=searched,
        created_at=now,
        expires_at=now + KEPT,
    ).save()
    if runtime.enqueue("default", "jobs.tasks.run_export", str(run.pk), job_timeout=3600) is None:
        ExportRun.objects(pk=run.pk).update_one(
            set__status="failed",
            set__error="the export worker cannot be reached now (its queue is down): ask "
            "again in a few minutes",
        )
        run.reload()
    return run


def _records(run: ExportRun, limit: int) -> Iterator[list[Grievance]]:
    query = Grievance.objects(__raw__=json_util.loads(run.query)).exclude(*records.NOT_EXPORTED)
    if run.order:
        query = query.order_by(*[("-" if d < 0 else "") + k for k, d in run.order])
    names: dict = {}
    programs = {p.pk: p for p in Program.objects}
    for batch in in_batches(query.limit(limit), BATCH):
        # Each row names its program and assignee: fetched once a batch, not once a row.
        wanted = {ref_id(row, "assignee") for row in batch} - {None} - set(names)
        names.update({u.pk: u for u in User.objects(pk__in=list(wanted)).only("name")})
        for row in batch:
            row._data["program"] = programs.get(ref_id(row, "program"))
            row._data["assignee"] = names.get(ref_id(row, "assignee"))
        yield batch


def run(run_id: str, now: datetime, limit: int = LIMIT) -> None:
    """Write one export. RQ may deliver a job twice: only a queued run is taken."""
    purge(now)
    job = ExportRun.objects(pk=run_id, status="queued").modify(new=True, set__status="running")
    if job is None:
        return
    try:
        total = Grievance.objects(__raw__=json_util.loads(job.query)).count()
        total = min(total, limit)
        ExportRun.objects(pk=run_id).update_one(set__total=total, set__done=0)
        columns = records.export_columns(job.member_fields)
        headers = [header for _, header in columns]
        zones: dict = {}

        def rows() -> Iterator[list]:
            done = 0
            for batch in _records(job, limit):
                for record in batch:
                    slug = record.program.slug if record.program else None
                    zone = zones.setdefault(
                        slug, ZoneInfo(record.program.timezone if record.program else "UTC")
                    )
                    yield records.export_row(record, columns, zone)
                done += len(batch)
                ExportRun.objects(pk=run_id).update_one(set__done=done)

        with tempfile.TemporaryFile() as out:
            if job.format == "csv":
                text = io.TextIOWrapper(out, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(headers)
                for row in rows():
                    writer.writerow([spreadsheets.csv_cell(v) for v in row])
                text.flush()
                text.detach()
            else:
                out.write(spreadsheets.workbook([("Grievances", headers, rows(), None)]))
            size = out.tell()
            out.seek(0)
            ExportChunk.objects(run=job).delete()
            n = 0
            while piece := out.read(CHUNK):
                ExportChunk(run=job, n=n, data=piece).save()
                n += 1
    except Exception:
        ExportChunk.objects(run=job).delete()
        ExportRun.objects(pk=run_id).update_one(
            set__status="failed",
            set__error="the export stopped unexpectedly; ask for it again",
            set__finished_at=now,
        )
        raise
    ExportRun.objects(pk=run_id).update_one(
        set__status="done",
        set__size=size,
        set__file_name=f"grievances-{now:%Y-%m-%d}-{str(run_id)[-6:]}.{job.format}",
        set__finished_at=now,
    )


def chunks(run: ExportRun) -> Iterator[bytes]:
    for piece in ExportChunk.objects(run=run).order_by("n").only("data"):
        yield bytes(piece.data)


def purge(now: datetime) -> int:
    """Delete the exports past their time (the files hold member data); how many."""
    gone = [r.pk for r in ExportRun.objects(expires_at__lt=now).only("id")]
    if gone:
        ExportChunk.objects(run__in=gone).delete()
        ExportRun.objects(pk__in=gone).delete()
    return len(gone)


def mine(user: User, now: datetime) -> list[ExportRun]:
    return list(
        ExportRun.objects(by=user, expires_at__gte=now)
        .exclude("query")
        .order_by("-created_at")[:20]
    )
