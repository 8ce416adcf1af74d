"""Report arithmetic, pure: quarters, rates, changes, timeliness and trend counts. The
services hand in plain rows (dicts) read with projections; nothing here touches the store."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ReportError(ValueError):
    """Input a report cannot use, with a message that says what and where."""


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = QUARTER.match((text or "").strip().upper())
        if not match:
            raise ReportError(f"quarter {text!r}: write it as YYYYQn, e.g. 2026Q3")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) of the quarter in the program's local time, as aware datetimes."""
        zone = ZoneInfo(timezone)
        return (
            datetime.combine(self.first_day, time(0), tzinfo=zone),
            datetime.combine(self.next.first_day, time(0), tzinfo=zone),
        )


def significant(value: float, figures: int = 3) -> float:
    """`value` to this many significant figures: a rate of 0.0858 per 1,000 stays readable
    where two decimals would say 0.09 (and 0.00467 would say 0.0)."""
    if value == 0:
        return 0.0
    return float(f"{value:.{figures}g}")


def rate_per_thousand(count: int, member_months: int | None) -> float | None:
    """Grievances per 1,000 member months, to 3 significant figures; None without member
    months."""
    if not member_months:
        return None
    return significant(count * 1000 / member_months)


def change(current: float | None, previous: float | None) -> dict:
    """The difference and the percent change (None where it has no meaning)."""
    if current is None or previous is None:
        return {"difference": None, "percent": None}
    difference = current - previous
    if isinstance(difference, float):  # rates: counts and member months stay exact
        difference = significant(difference)
    percent = round((current - previous) * 100 / previous, 1) if previous else None
    return {"difference": difference, "percent": percent}


def _counts(rows: Iterable[Mapping], key: str, order: Iterable[str] = ()) -> dict[str, int]:
    counted = Counter((row.get(key) or "not set") for row in rows)
    ordered = {name: counted.pop(name, 0) for name in order}
    return ordered | dict(sorted(counted.items()))


def quarter_figures(
    rows: Sequence[Mapping], member_months: int | None, types: list[str], levels: list[str]
) -> dict:
    """Count, member months, rate, and counts by type, level and adult/child."""
    count = len(rows)
    return {
        "grievances": count,
        "member_months": member_months,
        "rate_per_1000_member_months": rate_per_thousand(count, member_months),
        "by_type": _counts(rows, "type", types),
        "by_level": _counts(rows, "level", levels),
        "by_age_group": _counts(rows, "age_group", ("adult", "child")),
    }


def compare(current: dict, previous: dict) -> dict:
    """Quarter over quarter: for each figure, the change; for each breakdown, per name."""
    out = {}
    for key in ("grievances", "member_months", "rate_per_1000_member_months"):
        out[key] = change(current[key], previous[key])
    for key in ("by_type", "by_level", "by_age_group"):
        names = list(dict.fromkeys([*current[key], *previous[key]]))
        out[key] = {n: change(current[key].get(n, 0), previous[key].get(n, 0)) for n in names}
    return out


def timeliness(clocks: Iterable[Mapping], now: datetime) -> list[dict]:
    """Per clock name: met on time, met late, open (not yet due), overdue, and the median
    and 90th percentile hours from start to met."""
    by_name: dict[str, list[Mapping]] = {}
    for clock in clocks:
        by_name.setdefault(clock["name"], []).append(clock)
    out = []
    for name, group in sorted(by_name.items()):
        hours = sorted(
            (c["met_at"] - c["started_at"]).total_seconds() / 3600 for c in group if c["met_at"]
        )
        out.append(
            {
                "clock": name,
                "total": len(group),
                "met_on_time": sum(1 for c in group if c["met_at"] and c["met_at"] <= c["due_at"]),
                "met_late": sum(1 for c in group if c["met_at"] and c["met_at"] > c["due_at"]),
                "open": sum(1 for c in group if not c["met_at"] and c["due_at"] >= now),
                "overdue": sum(1 for c in group if not c["met_at"] and c["due_at"] < now),
                "median_hours_to_meet": round(statistics.median(hours), 1) if hours else None,
                "p90_hours_to_meet": round(_percentile(hours, 90), 1) if hours else None,
            }
        )
    return out


def _percentile(ordered: list[float], percent: int) -> float:
    """Nearest-rank percentile of an ordered list."""
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


# What the trend analysis compares quarter over quarter (seed 003: "by total number,
# subcontractor, individual or staff"): the row key and its label when it is missing.
COMPARED = {
    "by_provider": ("provider", "not given"),
    "by_individual": ("filer", "not given"),
    "by_staff": ("staff", "not named"),
}


def movers(current: Mapping[str, int], previous: Mapping[str, int], top: int = 10) -> dict:
    """Which names rose and which fell from one quarter to the next, biggest change first:
    {"rose": [{"name", "previous", "current", "change"}], "fell": [...]}."""
    out: dict[str, list[dict]] = {"rose": [], "fell": []}
    for name in dict.fromkeys([*current, *previous]):
        now, before = current.get(name, 0), previous.get(name, 0)
        if now != before:
            row = {"name": name, "previous": before, "current": now, "change": now - before}
            out["rose" if now > before else "fell"].append(row)
    for key in out:
        out[key] = sorted(out[key], key=lambda r: (-abs(r["change"]), r["name"]))[:top]
    return out


def compare_trend(current: Sequence[Mapping], previous: Sequence[Mapping], top: int = 10) -> dict:
    """Quarter over quarter by contractor, individual and the staff member complained
    about, and in total: what rose and what fell."""
    out = {
        "total": {
            "previous": len(previous),
            "current": len(current),
            "change": len(current) - len(previous),
        }
    }
    for name, (key, missing) in COMPARED.items():
        counts = [Counter(r.get(key) or missing for r in rows) for rows in (current, previous)]
        out[name] = movers(counts[0], counts[1], top)
    return out


def trend(rows: Sequence[Mapping], zone: ZoneInfo, top: int = 10) -> dict:
    """What the trend analysis counts: by provider (contractor), hour of day, weekday,
    location, individual (the member who filed), repeat filers and the staff member
    complained about."""
    local = [row["received_at"].astimezone(zone) for row in rows]
    filers = Counter(row["filer"] for row in rows if row.get("filer"))
    hours, weekdays = Counter(m.hour for m in local), Counter(m.weekday() for m in local)

    def most(key: str, missing: str) -> dict[str, int]:
        return dict(Counter(r.get(key) or missing for r in rows).most_common(top))

    return {
        "by_provider": most("provider", "not given"),
        "by_hour": {f"{h:02d}:00": hours[h] for h in range(24)},
        "by_weekday": {day: weekdays[i] for i, day in enumerate(WEEKDAYS)},
        "by_location": most("location", "not given"),
        "repeat_filers": sum(1 for n in filers.values() if n > 1),
        "records_from_repeat_filers": sum(n for n in filers.values() if n > 1),
        "by_individual": most("filer", "not given"),
        "by_staff": most("staff", "not named"),
    }


def quarter_due(quarter: Quarter, due_dates: list[str]) -> date:
    """The trend analysis of `quarter` is due on the first configured date after it ends."""
    end = quarter.next.first_day
    for year in (end.year, end.year + 1):
        for text in sorted(due_dates):
            month, day = (int(p) for p in text.split("-"))
            candidate = date(year, month, day)
            if candidate >= end:
                return candidate
    return end + timedelta(days=15)
