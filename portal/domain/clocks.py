"""Which clocks a record starts, what meets them, and where each stands at `now`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.businesstime import Calendar, Due, event_name, explain_due, parse_rule

# Events that meet clocks. A clock names the event that satisfies it (met_by); a chained
# clock names the event that starts it ("30 calendar days after site visit").
EVENTS = (
    "acknowledged",  # an acknowledgment letter, e-mail or call reached the member
    "member contacted",  # a contact attempt reached the member or caller
    "office contacted",  # a contact attempt reached the provider office
    "originator contacted",  # reached whoever raised it: member, caller or provider office
    "mco contacted",  # the MCO reported or was reached
    "mco reached originator",  # the MCO reports it contacted the member or provider
    "callback approved",  # Iowa: a unit lead approved the callback
    "callback complete",  # reached, or two phone attempts and a letter
    "site visit",
    "cap received",
    "follow up",
    "alert sent",
    "department report",  # Maryland: the written report to the Department (final or interim)
    "department final report",  # Maryland: the investigation's results, policy changes, method
    "facts gathered",  # a Level III investigation has its facts
    "office still deficient",  # the follow-up found the office still deficient
    "state referral",  # referred to the state agency (e.g. DSS) for review
    "resolved",
    "member told",  # the resolution notice reached the member (e-mail sent, letter posted)
    "extension notice",  # the written notice of an extension's reason went out
)
# The steps staff record on their own (the rest follow from contacts, mail and actions).
STEP_EVENTS = (
    "site visit",
    "cap received",
    "follow up",
    "office still deficient",
    "office contacted",
    "facts gathered",
    "mco contacted",
    "mco reached originator",
    "state referral",
)
# A step that is also another: a follow-up that found the office still deficient is the
# follow-up.
IMPLIES = {"office still deficient": ("follow up",)}


def _holds(actual: object, wanted: object) -> bool:
    if isinstance(wanted, str) and wanted.startswith("!"):
        return actual != wanted[1:]
    return actual == wanted


@dataclass(frozen=True)
class ClockSpec:
    """A deadline a program sets: its name, rule, the record values it applies to, and the
    event that meets it."""

    name: str
    rule: str
    when: Mapping[str, object]  # e.g. {"level": "II"}; empty means every record
    met_by: str = "resolved"

    def applies_to(self, record: Mapping[str, object]) -> bool:
        """Each condition holds: equal to the value, or not equal to it when the value is
        written '!value' (Iowa's MCO clocks: '!not enrolled')."""
        return all(_holds(record.get(key), value) for key, value in self.when.items())

    @property
    def starts_after(self) -> str | None:
        return parse_rule(self.rule).after


# The federal resolution clock (42 CFR 438.408(b)): what its extension is capped by and owes.
RESOLUTION_CLOCK = "resolution"
# 42 CFR 438.408(c)(2): an extension of the resolution clock obliges written notice of its
# reason within 2 calendar days. Federal, so it is no program's rule: every extension of a
# clock met by the resolution starts it.
EXTENSION_NOTICE = ClockSpec("extension notice", "2 calendar days", {}, "extension notice")
# Clocks the law starts on its own, kept when a record's level or type changes.
STATUTORY_CLOCKS = (EXTENSION_NOTICE.name,)


@dataclass(frozen=True)
class StartedClock:
    name: str
    rule: str
    met_by: str
    started_at: datetime
    due: Due


def start_clocks(
    specs: list[ClockSpec],
    record: Mapping[str, object],
    start: datetime,
    calendar: Calendar,
    *,
    event: str | None = None,
) -> list[StartedClock]:
    """Clocks that start at receipt (event None) or when `event` happens."""
    wanted = event_name(event) if event else None
    return [
        StartedClock(
            spec.name,
            spec.rule,
            event_name(spec.met_by),
            start,
            explain_due(parse_rule(spec.rule), start, calendar),
        )
        for spec in specs
        if spec.applies_to(record) and spec.starts_after == wanted
    ]


def clock_state(
    due: datetime,
    met: datetime | None,
    paused: bool,
    now: datetime,
    warning: timedelta,
    at_risk_from: datetime | None = None,
) -> str:
    """met | paused | overdue | at_risk | running: domain.md 'Overdue' and 'At risk'. A range
    ('2-4 business hours') is at risk from its lower bound instead of the warning."""
    if met is not None:
        return "met"
    if paused:
        return "paused"
    if now > due:
        return "overdue"
    if now >= (at_risk_from if at_risk_from is not None else due - warning):
        return "at_risk"
    return "running"


# What a clock waits for, in words: "waiting for the acknowledgment".
EVENT_WORDS = {
    "acknowledged": "the acknowledgment",
    "member contacted": "a contact that reaches the member",
    "office contacted": "a contact that reaches the provider office",
    "originator contacted": "a contact that reaches whoever raised it",
    "mco contacted": "contact with the MCO",
    "mco reached originator": "the MCO's word that it reached the member or office",
    "callback approved": "the unit lead's approval of the callback",
    "callback complete": "the callback (reached, or two calls and a letter)",
    "site visit": "the site visit",
    "cap received": "the corrective action plan",
    "follow up": "the follow-up",
    "alert sent": "the alert to senior management",
    "department report": "the report to the Department",
    "department final report": "the final report to the Department",
    "facts gathered": "the facts of the investigation",
    "office still deficient": "the finding that the office is still deficient",
    "state referral": "the referral to the state agency",
    "resolved": "the resolution",
    "member told": "telling the member the resolution",
    "extension notice": "the notice of the extension",
}
assert set(EVENT_WORDS) == set(EVENTS), "every event has its words"


def describe_state(
    state: str, due: datetime, met: datetime | None, met_by: str, now: datetime
) -> str:
    """One plain sentence on where a clock stands."""
    what = EVENT_WORDS.get(met_by, met_by)
    if state == "met" and met is not None:
        late = met > due
        return f"done {_span(met - due)} late: {what}" if late else f"done on time: {what}"
    if state == "paused":
        return "paused: waiting on the member or an outside party"
    if state == "overdue":
        return f"overdue by {_span(now - due)}: waiting for {what}"
    if state == "at_risk":
        return f"due in {_span(due - now)}: waiting for {what}"
    return f"due in {_span(due - now)}: {what}"


def _span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    return f"{hours} h {minutes:02d} min"
