"""`portal report NAME`: the same numbers as the admin's report pages, as JSON, XLSX or HTML."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import render_template

from portal.clock import utcnow
from portal.domain.reports import Quarter, ReportError
from portal.services.accounts import audit
from portal.services.reporting import reports, spreadsheets

FORMATS = ("json", "xlsx", "html")


@click.group("report")
def report_group() -> None:
    """Reports for the state and for managers."""


def _emit(name: str, data: dict, fmt: str, out: str | None, xlsx) -> None:
    if fmt == "json":
        payload = json.dumps(data, indent=2, default=str).encode()
    elif fmt == "xlsx":
        payload = xlsx(data)
        if out is None and sys.stdout.isatty():
            raise click.UsageError("XLSX is binary: give --out FILE.xlsx (or pipe the output)")
    else:
        payload = render_template(f"reports/{name}.html", report=data, standalone=True).encode()
    if out:
        Path(out).write_bytes(payload)
        click.echo(f"{name} report written to {out}", err=True)
    else:
        sys.stdout.buffer.write(payload)
    audit.record(
        "report exported", utcnow(), actor_email="cli", target=name, detail={"format": fmt}
    )


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ReportError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None


def _program(slug: str):
    try:
        return reports.program_named(slug)
    except ReportError as exc:
        raise click.BadParameter(str(exc), param_hint="--program") from None


@report_group.command("quarterly")
@click.option("--program", "slug", required=True)
@click.option("--quarter", required=True, help="e.g. 2026Q3")
@click.option("--member-months", type=click.IntRange(min=1), help="store this quarter's figure")
@click.option("--commentary", help="store the commentary on this quarter")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="write to this file")
def quarterly_command(slug, quarter, member_months, commentary, fmt, out):
    """Count, member months, rate per 1,000 (3 significant figures), by type, level and
    adult/child, against the previous quarter, with the commentary."""
    program, q = _program(slug), _quarter(quarter)
    if member_months:
        reports.set_member_months(program, q, member_months, None, utcnow())
    if commentary is not None:
        reports.write_commentary(program, q, commentary, None, utcnow())
    _emit("quarterly", reports.quarterly(program, q), fmt, out, spreadsheets.quarterly)


@report_group.command("trend")
@click.option("--program", "slug", required=True)
@click.option("--quarter", required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False))
def trend_command(slug, quarter, fmt, out):
    """Quarter over quarter by type; by provider, hour, weekday, location, filer and staff."""
    data = reports.trend_analysis(_program(slug), _quarter(quarter))
    _emit("trend", data, fmt, out, spreadsheets.trend)


@report_group.command("timeliness")
@click.option("--program", "slug", required=True)
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False))
def timeliness_command(slug, start: datetime, end: datetime, fmt, out):
    """Per clock: met on time, late, open, overdue; median and 90th percentile to meet."""
    program = _program(slug)
    zone = program.calendar().zone
    data = reports.timeliness(
        program, start.replace(tzinfo=zone), end.replace(tzinfo=zone), utcnow()
    )
    _emit("timeliness", data, fmt, out, spreadsheets.timeliness)


class _Bars:
    """A progress bar per stage, with a count and an estimate of the time left."""

    def __init__(self):
        self.bar, self.stage, self.done = None, None, 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.bar = click.progressbar(
                length=total, label=f"{stage:<10}", file=sys.stderr, show_pos=True, show_eta=True
            )
            self.bar.__enter__()
            self.stage, self.done = stage, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.bar.length - self.done)
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--program", "slug", required=True)
@click.option("--dry-run", is_flag=True, help="check every row, import nothing")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON on stdout")
def import_command(file, slug, dry_run, as_json):
    """Import an old log (.xlsx or .csv). A file with any bad row imports nothing and names
    each row, column and reason; the same file twice adds nothing."""
    from portal.services.imports import ImportFileError, import_file

    program = _program(slug)
    bars = _Bars()
    try:
        report = import_file(
            Path(file).name,
            Path(file).read_bytes(),
            program,
            utcnow(),
            dry_run=dry_run,
            progress=None if as_json else bars,
        )
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bars.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif report.ok:
        verb = "would import" if dry_run else "imported"
        count = report.would_import if dry_run else report.imported
        click.echo(
            f"{report.rows} rows checked: {verb} {count}, {report.already_there} already there"
        )
    else:
        for problem in report.problems[:200]:
            click.echo(f"row {problem['row']}, {problem['column']}: {problem['reason']}", err=True)
        more = len(report.problems) - 200
        if more > 0:
            click.echo(f"... and {more} more problems", err=True)
        click.echo(
            f"{len(report.problems)} problems in {report.rows} rows: nothing imported", err=True
        )
    if not report.ok:
        sys.exit(1)


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--program", "slug", required=True)
def export_command(file, slug):
    """Write a program's records to FILE (.xlsx or .csv) in the columns `portal import`
    reads: a log kept in Excel can go out and come back."""
    from portal.services.reporting import records

    program = _program(slug)
    columns, rows = records.export_rows(program)
    suffix = Path(file).suffix.lower()
    if suffix == ".xlsx":
        payload = spreadsheets.workbook([("Grievances", columns, rows, None)])
    elif suffix == ".csv":
        payload = spreadsheets.export_csv(columns, rows)
    else:
        raise click.BadParameter("write an .xlsx or a .csv file", param_hint="FILE")
    Path(file).write_bytes(payload)
    audit.record(
        "export", utcnow(), actor_email="cli", target=program.slug, detail={"rows": len(rows)}
    )
    click.echo(f"{len(rows)} records of {program.slug} written to {file}")
