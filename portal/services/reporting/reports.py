"""The reports: each reads only the period it covers, with projections, in one pass, and
hands plain rows to portal.domain.reports. Pages, XLSX and the CLI share these."""

from __future__ import annotations

from datetime import datetime

from portal.domain import reports as rules
from portal.domain.reports import Quarter, ReportError
from portal.models import (
    Grievance,
    MemberMonths,
    Program,
    Provider,
    QuarterlyCommentary,
    TrendAnalysis,
    User,
)
from portal.services.reporting.quarterly import DEFAULT_DUE


def program_named(slug: str) -> Program:
    program = Program.objects(slug=str(slug or "")).first()
    if program is None:
        slugs = ", ".join(Program.objects.scalar("slug"))
        raise ReportError(f"program {slug!r} not found; choose from {slugs}")
    return program


def set_member_months(program: Program, quarter: Quarter, value: int, by: User | None, now):
    if not isinstance(value, int) or value < 1:
        raise ReportError(f"member months {value!r}: a whole number above 0")
    MemberMonths.objects(program=program, quarter=str(quarter)).update_one(
        upsert=True, set__value=value, set__updated_by=by, set__updated_at=now
    )


def write_commentary(program: Program, quarter: Quarter, text: str, by: User | None, now) -> None:
    """Keep the manager's commentary on the quarter's report, with who wrote it and when."""
    QuarterlyCommentary.objects(program=program, quarter=str(quarter)).update_one(
        upsert=True,
        set__text=str(text or "").strip()[:10000],
        set__written_by=by,
        set__written_at=now,
    )


def commentary(program: Program, quarter: Quarter) -> dict:
    found = QuarterlyCommentary.objects(program=program, quarter=str(quarter)).first()
    if found is None:
        return {"text": None, "written_by": None, "written_at": None}
    return {
        "text": found.text,
        "written_by": found.written_by.name if found.written_by else None,
        "written_at": found.written_at.isoformat() if found.written_at else None,
    }


def write_trend_analysis(
    program: Program, quarter: Quarter, written: dict[str, str], by: User, now
) -> None:
    """Keep what the manager wrote of the quarter's trend analysis (reasons, plan...)."""
    values = {f"set__{k}": str(v)[:10000] for k, v in written.items()}
    TrendAnalysis.objects(program=program, quarter=str(quarter)).update_one(
        upsert=True, set__written_by=by, set__written_at=now, **values
    )


def deliver_trend_analysis(program: Program, quarter: Quarter, by: User, now) -> None:
    """Mark the quarter's trend analysis delivered to the state."""
    TrendAnalysis.objects(program=program, quarter=str(quarter)).update_one(
        upsert=True, set__delivered_at=now, set__delivered_by=by
    )


def member_months(program: Program, quarter: Quarter) -> int | None:
    found = MemberMonths.objects(program=program, quarter=str(quarter)).first()
    return found.value if found else None


def _two_quarters(program: Program, quarter: Quarter) -> tuple[list[dict], list[dict]]:
    """(this quarter's rows, the previous quarter's), read in one query: the embedded store
    pays per record it scans, once per query."""
    start = quarter.previous.bounds(program.timezone)[0]
    middle, end = quarter.bounds(program.timezone)
    rows = _rows(program, start, end)
    return [r for r in rows if r["received_at"] >= middle], [
        r for r in rows if r["received_at"] < middle
    ]


def _rows(program: Program, start: datetime, end: datetime) -> list[dict]:
    """The period's records as plain rows, names looked up once per provider and person."""
    records = list(
        Grievance.objects.received_between(program, start, end)
        .only(
            "type",
            "level",
            "received_at",
            "member.age_group",
            "member.member_id",
            "member.name",
            "provider",
            "provider_name",
            "provider_city",
            "staff_involved",
        )
        .no_dereference()
        .as_pymongo()
    )
    providers = {
        p["_id"]: p
        for p in Provider.objects(pk__in={r["provider"] for r in records if r.get("provider")})
        .only("name", "city")
        .as_pymongo()
    }
    rows = []
    for r in records:
        member = r.get("member") or {}
        provider = providers.get(r.get("provider")) or {}
        rows.append(
            {
                "type": r.get("type"),
                "level": r.get("level"),
                "age_group": member.get("age_group"),
                "received_at": r["received_at"],
                "provider": provider.get("name") or r.get("provider_name"),
                "location": provider.get("city") or r.get("provider_city"),
                "filer": member.get("member_id") or (member.get("name") or "").casefold() or None,
                # The staff member complained about, as named: not the one working it.
                "staff": r.get("staff_involved"),
            }
        )
    return rows


def quarterly(program: Program, quarter: Quarter) -> dict:
    """The quarterly grievance report with the previous quarter and the change."""
    figures = {}
    current, previous = _two_quarters(program, quarter)
    for which, q, rows in (("current", quarter, current), ("previous", quarter.previous, previous)):
        figures[which] = rules.quarter_figures(
            rows, member_months(program, q), program.types, program.levels
        )
    return {
        "report": "quarterly",
        "program": program.slug,
        "program_name": program.name,
        "quarter": str(quarter),
        "previous_quarter": str(quarter.previous),
        **figures,
        "change": rules.compare(figures["current"], figures["previous"]),
        "commentary": commentary(program, quarter),
    }


def trend_analysis(program: Program, quarter: Quarter) -> dict:
    zone = program.calendar().zone
    current, previous = _two_quarters(program, quarter)
    written = TrendAnalysis.objects(program=program, quarter=str(quarter)).first()
    due_dates = (program.report_settings or {}).get("trend_due") or DEFAULT_DUE
    due = rules.quarter_due(quarter, due_dates)
    return {
        "report": "trend",
        "program": program.slug,
        "program_name": program.name,
        "quarter": str(quarter),
        "previous_quarter": str(quarter.previous),
        "due_on": due.isoformat(),
        "types": {
            "current": rules.quarter_figures(current, None, program.types, [])["by_type"],
            "previous": rules.quarter_figures(previous, None, program.types, [])["by_type"],
        },
        "counts": {"current": len(current), "previous": len(previous)},
        "current": rules.trend(current, zone),
        "compared": rules.compare_trend(current, previous),
        "written": _written(written),
    }


def _written(written: TrendAnalysis | None) -> dict:
    if written is None:
        return {}
    return {
        "reasons": written.reasons,
        "preventive_measures": written.preventive_measures,
        "plan_of_action": written.plan_of_action,
        "last_plan_worked": written.last_plan_worked,
        "written_by": written.written_by.name if written.written_by else None,
        "written_at": written.written_at.isoformat() if written.written_at else None,
        "delivered_at": written.delivered_at.isoformat() if written.delivered_at else None,
    }


def timeliness(program: Program, start: datetime, end: datetime, now: datetime) -> dict:
    """Per clock: met on time, late, open, overdue, median and 90th percentile to meet."""
    clocks = []
    for row in (
        Grievance.objects.received_between(program, start, end)
        .only("clocks.name", "clocks.started_at", "clocks.due_at", "clocks.met_at")
        .as_pymongo()
    ):
        for clock in row.get("clocks", []):
            clocks.append(
                {
                    "name": clock["name"],
                    "started_at": clock["started_at"],
                    "due_at": clock["due_at"],
                    "met_at": clock.get("met_at"),
                }
            )
    return {
        "report": "timeliness",
        "program": program.slug,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "clocks": rules.timeliness(clocks, now),
    }
