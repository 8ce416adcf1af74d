"""Importing an old log (XLSX or CSV): every row is checked first; a file with a bad row
imports nothing and says which row, column and why; a good file comes in whole, and the
same file twice adds nothing (a row's reference is its identity)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from mongoengine.errors import BulkWriteError, NotUniqueError

from portal.domain.importing import COLUMNS, Vocabulary, parse_row
from portal.models import Counter, Grievance, ImportRun, Program, Provider, User
from portal.services.accounts import audit
from portal.services.grievances import intake
from portal.services.grievances.intake import Intake, Outcome
from portal.services.tables import ImportFileError, read_table, read_table_limited

__all__ = ["ImportFileError", "ImportReport", "import_file", "upload", "run"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ImportReport:
    file: str
    program: str
    rows: int = 0
    problems: list[dict] = field(default_factory=list)  # {row, column, reason}
    imported: int = 0
    would_import: int = 0
    already_there: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "program": self.program,
            "ok": self.ok,
            "rows": self.rows,
            "imported": self.imported,
            "would_import": self.would_import,
            "already_there": self.already_there,
            "dry_run": self.dry_run,
            "ignored_columns": self.ignored_columns,
            "problems": self.problems,
        }


def import_file(
    name: str,
    content: bytes,
    program: Program,
    now: datetime,
    *,
    by: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    memory_mb: int | None = None,
) -> ImportReport:
    """Check every row, then import all or nothing; every attempt is in the audit trail.
    With `memory_mb` (an upload from the web) the file is read in a child process that may
    use that much memory at most."""
    report = _import(name, content, program, now, by, dry_run, progress, memory_mb)
    audit.record(
        "import" if not dry_run else "import checked",
        now,
        actor=by,
        target=program.slug,
        detail={
            "file": name,
            "rows": report.rows,
            "imported": report.imported,
            "already_there": report.already_there,
            "problems": len(report.problems),
        },
    )
    return report


def _import(
    name: str,
    content: bytes,
    program: Program,
    now: datetime,
    by: User | None,
    dry_run: bool,
    progress: Progress | None,
    memory_mb: int | None,
) -> ImportReport:
    report = ImportReport(file=name, program=program.slug, dry_run=dry_run)
    if memory_mb:
        keys, rows = read_table_limited(name, content, memory_mb)
    else:
        keys, rows = read_table(name, content)
    report.ignored_columns = sorted({k for k in keys if k and k not in COLUMNS})
    vocabulary = Vocabulary(
        types=list(program.types),
        levels=list(program.levels),
        priorities=list(program.priorities),
        intake_sources=list(program.intake_sources),
    )
    zone = program.calendar().zone
    parsed = []
    for line, cells in rows:
        row = parse_row(line, cells, vocabulary, zone, now)
        parsed.append(row)
        for column, reason in row.problems:
            report.problems.append({"row": line, "column": column, "reason": reason})
        if progress and len(parsed) % 500 == 0:
            progress("checking", len(parsed), len(rows))
    report.rows = len(parsed)
    seen = Tally(r.values["reference"] for r in parsed if r.values["reference"])
    for row in parsed:
        reference = row.values["reference"]
        if reference and seen[reference] > 1:
            report.problems.append(
                {"row": row.line, "column": "reference", "reason": f"{reference!r} appears twice"}
            )
    if report.problems:
        return report  # nothing is imported from a file with a bad row
    references = [r.values["reference"] for r in parsed if r.values["reference"]]
    existing = set(Grievance.objects(reference__in=references).scalar("reference"))
    _fingerprint(parsed, program)
    keys = [r.values["import_key"] for r in parsed if r.values["import_key"]]
    existing |= set(Grievance.objects(import_key__in=keys).scalar("import_key"))
    fresh = [r for r in parsed if (r.values["reference"] or r.values["import_key"]) not in existing]
    report.already_there = len(parsed) - len(fresh)
    report.would_import = len(fresh)
    if dry_run or not fresh:
        return report
    batch = uuid.uuid4().hex
    records = _build(fresh, program, now, by, batch, progress)
    try:
        Grievance.objects.insert(records, load_bulk=False)
    except (BulkWriteError, NotUniqueError):
        # Another import took some of these references meanwhile: undo this batch whole.
        Grievance.objects(import_batch=batch).delete()
        report.problems.append(
            {
                "row": 0,
                "column": "reference",
                "reason": "another import added some of these "
                "references at the same time; nothing was imported, try again",
            }
        )
        return report
    report.imported = len(records)
    return report


def _fingerprint(parsed, program: Program) -> None:
    """Rows without a reference are known by their content (and which copy of it they are)."""
    seen: Tally = Tally()
    for row in parsed:
        row.values["import_key"] = None
        if row.values["reference"]:
            continue
        content = json.dumps(
            [program.slug, *(str(row.values.get(c)) for c in COLUMNS)], sort_keys=True
        )
        digest = hashlib.sha256(content.encode()).hexdigest()[:40]
        seen[digest] += 1
        row.values["import_key"] = f"{digest}#{seen[digest]}"


def _references(batch_years: Tally) -> dict[int, Iterator[str]]:
    """New G-YYYY-NNNNNN references for rows that bring none, one counter step per year."""
    out: dict[int, Iterator[str]] = {}
    for year, count in batch_years.items():
        counter = Counter.objects(name=f"reference-{year}").modify(
            upsert=True, new=True, inc__value=count
        )
        first = counter.value - count + 1
        out[year] = iter(f"G-{year}-{n:06d}" for n in range(first, counter.value + 1))
    return out


def _build(fresh, program: Program, now: datetime, by, batch: str, progress) -> list[Grievance]:
    npis = {r.values["provider_npi"] for r in fresh if r.values["provider_npi"]}
    providers = {p.npi: p for p in Provider.objects(npi__in=list(npis))}
    years = Tally(r.values["received_at"].year for r in fresh if not r.values["reference"])
    numbers = _references(years)
    records = []
    for n, row in enumerate(fresh, start=1):
        v = row.values
        received = v["received_at"]
        grievance = intake.build(
            program,
            Intake(
                description=v["narrative"],
                member_name=v["member_name"],
                member_id=v["member_id"],
                caller_name=v["caller_name"],
                caller_phone=v["caller_phone"],
                provider_name=v["provider_name"],
                provider_npi=v["provider_npi"],
                intake_source=v["intake_source"] or "import",
                type=v["type"],
                level=v["level"],
                priority=v["priority"],
            ),
            now,
            reference=v["reference"] or next(numbers[received.year]),
            received=received,
            by=by,
            provider=providers.get(v["provider_npi"]),
            outcome=Outcome(
                status=v["status"],
                resolved_at=v["resolved_at"],
                resolution=v["resolution"],
                substantiated=v["substantiated"],
            ),
            entry="imported",
            detail=f"row {row.line}",
            audited=False,
        )
        grievance.import_batch, grievance.import_key = batch, v["import_key"]
        grievance.validate()
        records.append(grievance)
        if progress and n % 500 == 0:
            progress("preparing", n, len(fresh))
    return records


def upload(
    program: Program,
    file_name: str,
    content: bytes,
    *,
    by: User,
    now: datetime,
    dry_run: bool,
    runtime,
) -> ImportRun:
    """Keep an uploaded log until a worker imports it (the run shows how far it got)."""
    job = ImportRun(
        program=program,
        file_name=file_name[:255],
        content=content,
        dry_run=dry_run,
        by=by,
        created_at=now,
    ).save()
    start(job.pk, runtime)
    return job


def start(run_id, runtime) -> None:
    """Queue an upload's import. Only a worker imports (never the web process, which a file
    could take down with it); with the queue down the upload is refused, and says so."""
    if runtime.enqueue("default", "jobs.tasks.run_import", str(run_id), job_timeout=3600) is None:
        from portal.models import ImportRun

        ImportRun.objects(pk=run_id, status="queued").update_one(
            set__status="failed",
            set__error="the import worker cannot be reached now (its queue is down); "
            "nothing was imported: upload the file again in a few minutes",
            unset__content=True,
        )


def outcome(report: ImportReport) -> str:
    """A finished import in a few words: what came in, or why nothing did."""
    if report.problems:
        rows = len({p["row"] for p in report.problems})
        return (
            f"refused: {len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}"
            f" in {rows} of {report.rows} rows, nothing imported"
        )
    if report.dry_run:
        return f"checked: would import {report.would_import}, {report.already_there} already here"
    return f"imported {report.imported}, {report.already_there} already here"


def run(run_id) -> None:
    """Import one stored upload, keeping its progress on the ImportRun as it goes."""
    from portal.clock import utcnow
    from portal.models import ImportRun

    job = ImportRun.objects(pk=run_id, status="queued").modify(new=True, set__status="running")
    if job is None:
        return  # already run (RQ may deliver twice)

    def progress(stage: str, done: int, total: int) -> None:
        ImportRun.objects(pk=run_id).update_one(set__stage=stage, set__done=done, set__total=total)

    try:
        report = import_file(
            job.file_name,
            bytes(job.content),
            job.program,
            utcnow(),
            by=job.by,
            dry_run=job.dry_run,
            progress=progress,
            memory_mb=current_app.config["IMPORT_MEMORY_MB"],
        )
    except ImportFileError as exc:
        ImportRun.objects(pk=run_id).update_one(
            set__status="failed",
            set__error=str(exc)[:500],
            set__finished_at=utcnow(),
            unset__content=True,
        )
        return
    except Exception:
        ImportRun.objects(pk=run_id).update_one(
            set__status="failed",
            set__error="the import stopped unexpectedly; nothing was kept from a failed batch",
            set__finished_at=utcnow(),
            unset__content=True,
        )
        raise
    ImportRun.objects(pk=run_id).update_one(
        set__status="done",
        set__outcome=outcome(report),
        set__report=report.as_dict(),
        set__finished_at=utcnow(),
        unset__content=True,
    )
