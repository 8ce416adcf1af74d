"""Which clocks a record starts, and where each stands at `now`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.businesstime import Calendar, due_at, parse_rule


@dataclass(frozen=True)
class ClockSpec:
    """A deadline a program sets: its name, rule, and the record values it applies to."""

    name: str
    rule: str
    when: Mapping[str, object]  # e.g. {"level": "II"}; empty means every record

    def applies_to(self, record: Mapping[str, object]) -> bool:
        return all(record.get(key) == value for key, value in self.when.items())


@dataclass(frozen=True)
class StartedClock:
    name: str
    rule: str
    started_at: datetime
    due_at: datetime


def start_clocks(
    specs: list[ClockSpec], record: Mapping[str, object], received: datetime, calendar: Calendar
) -> list[StartedClock]:
    return [
        StartedClock(
            spec.name, spec.rule, received, due_at(parse_rule(spec.rule), received, calendar)
        )
        for spec in specs
        if spec.applies_to(record)
    ]


def clock_state(
    due: datetime, met: datetime | None, paused: bool, now: datetime, warning: timedelta
) -> str:
    """met | paused | overdue | at_risk | running: domain.md 'Overdue' and 'At risk'."""
    if met is not None:
        return "met"
    if paused:
        return "paused"
    if now > due:
        return "overdue"
    if now >= due - warning:
        return "at_risk"
    return "running"
