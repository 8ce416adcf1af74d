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
from portal.services import audit, reports, spreadsheets

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
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="write to this file")
def quarterly_command(slug, quarter, member_months, fmt, out):
    """Count, member months, rate per 1,000, by type, level and adult/child, against the
    previous quarter."""
    program, q = _program(slug), _quarter(quarter)
    if member_months:
        reports.set_member_months(program, q, member_months, None, utcnow())
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
