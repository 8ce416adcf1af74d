"""Clocks on records: started, met by events, paused, extended, and kept true at `now`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from portal.clock import as_utc
from portal.domain import businesstime
from portal.domain.businesstime import RuleError, event_name, parse_rule, shift_for_pauses
from portal.domain.clocks import (
    EXTENSION_NOTICE,
    RESOLUTION_CLOCK,
    STATUTORY_CLOCKS,
    StartedClock,
    clock_state,
    describe_state,
    start_clocks,
)
from portal.models import Grievance, Program, User
from portal.models.grievance import Clock, Extension, Pause
from portal.services import webhooks
from portal.services.grievances import history

log = logging.getLogger(__name__)


class ClockError(ValueError):
    """An action on a clock that cannot be done, with a message that says why."""


def record_values(grievance: Grievance) -> dict:
    """What a program's clock conditions ('when') may look at."""
    return {
        "level": grievance.level,
        "priority": grievance.priority,
        "type": grievance.type,
        "intake_source": grievance.intake_source,
        "category": grievance.category,
        "mco": grievance.mco,
    }


def _clock(started: StartedClock) -> Clock:
    return Clock(
        name=started.name,
        rule=started.rule,
        met_by=started.met_by,
        started_at=started.started_at,
        due_at=started.due.at,
        at_risk_from=started.due.at_risk_from,
        steps=list(started.due.steps),
    )


def receipt_clocks(program: Program, grievance: Grievance) -> list[Clock]:
    started = start_clocks(
        program.clock_specs(), record_values(grievance), grievance.received_at, program.calendar()
    )
    return [_clock(s) for s in started]


def next_due(grievance: Grievance) -> datetime | None:
    return min(
        (c.due_at for c in grievance.clocks if c.met_at is None and not c.paused), default=None
    )


def is_late(clock: Clock, now: datetime) -> bool:
    """The domain's overdue rule for one clock (the record being open is the caller's part)."""
    return clock_state(clock.due_at, clock.met_at, clock.paused, now, timedelta(0)) == "overdue"


def settle(grievance: Grievance, now: datetime) -> None:
    """Derived fields after any change: next due, overdue flag."""
    for clock in grievance.clocks:
        if not is_late(clock, now):
            clock.overdue_since = None
        elif clock.overdue_since is None:
            clock.overdue_since = now
    grievance.next_due_at = next_due(grievance) if grievance.is_open else None
    grievance.overdue = grievance.is_open and any(c.overdue_since for c in grievance.clocks)


def record_event(
    grievance: Grievance,
    event: str,
    at: datetime,
    by: User | None,
    now: datetime,
    *,
    how: str | None = None,
) -> list[str]:
    """Meet the clocks this event satisfies and start the ones it begins. Says what it did.
    'member told' also keeps how and when the member learnt the resolution."""
    name = event_name(event)
    program = grievance.program
    said = []
    if name == "member told" and grievance.resolved_at and not grievance.member_told_at:
        grievance.member_told_at = at
        grievance.member_told_how = how
        said.append(f"member told ({how})" if how else "member told")
    for clock in grievance.clocks:
        if clock.met_at is None and event_name(clock.met_by or "") == name:
            clock.met_at = at
            if clock.paused:
                clock.pauses[-1].end = at
            said.append(f"{clock.name} met")
            if name == "acknowledged":
                webhooks.mark(grievance, "acknowledged")
    existing = {c.name for c in grievance.clocks}
    for started in start_clocks(
        program.clock_specs(), record_values(grievance), at, program.calendar(), event=name
    ):
        if started.name not in existing:
            grievance.clocks.append(_clock(started))
            said.append(f"{started.name} started, due {started.due.steps[-1][4:]}")
    if said:
        history.add(grievance, by, "event", now, f"{event}: " + "; ".join(said))
    settle(grievance, now)
    return said


def _find(grievance: Grievance, clock_name: str) -> Clock:
    for clock in grievance.clocks:
        if clock.name == clock_name:
            return clock
    names = ", ".join(c.name for c in grievance.clocks) or "none"
    raise ClockError(f"this record has no clock {clock_name!r} (its clocks: {names})")


def pause(grievance: Grievance, clock_name: str, reason: str, by: User, now: datetime) -> None:
    clock = _find(grievance, clock_name)
    if clock.met_at:
        raise ClockError(f"{clock.name} is met already; there is nothing to pause")
    if clock.paused:
        raise ClockError(f"{clock.name} is paused already")
    if not reason.strip():
        raise ClockError("say why the clock is paused (e.g. waiting for the member's records)")
    clock.pauses.append(Pause(start=now, reason=reason.strip(), by=by))
    history.add(grievance, by, "clock paused", now, f"{clock.name}: {reason.strip()}")
    settle(grievance, now)


def resume(grievance: Grievance, clock_name: str, by: User, now: datetime) -> None:
    """End the pause; the due time moves by the pause's length (office time for business
    rules)."""
    clock = _find(grievance, clock_name)
    if not clock.paused:
        raise ClockError(f"{clock.name} is not paused")
    span = clock.pauses[-1]
    span.end = now
    shifted = shift_for_pauses(
        clock.due_at, parse_rule(clock.rule), [(span.start, now)], grievance.program.calendar()
    )
    clock.due_at = shifted.at
    if clock.at_risk_from is not None:  # a range's lower bound moves with it
        clock.at_risk_from = shift_for_pauses(
            clock.at_risk_from,
            parse_rule(clock.rule),
            [(span.start, now)],
            grievance.program.calendar(),
        ).at
    clock.steps = [*clock.steps, *shifted.steps]
    history.add(grievance, by, "clock resumed", now, f"{clock.name}: " + " ".join(shifted.steps))
    settle(grievance, now)


def extend(
    grievance: Grievance, clock_name: str, rule: str, reason: str, by: User, now: datetime
) -> Clock | None:
    """Move a clock's due time by `rule`, for a reason. The resolution may move 14 calendar
    days in all (42 CFR 438.408(c)), and its extension starts the clock to tell the member
    why in writing; that clock is returned (None for other clocks)."""
    clock = _find(grievance, clock_name)
    if clock.met_at:
        raise ClockError(f"{clock.name} is met already; it cannot be extended")
    # The federal resolution; a program's own steps (Maryland's 60-day final response,
    # Connecticut's site visit) are extended as the program decides, without the notice.
    federal = clock.name == RESOLUTION_CLOCK
    calendar = grievance.program.calendar()
    used = sum(e.days or 0 for e in clock.extensions)
    try:
        moved = businesstime.extend(
            clock.due_at,
            rule,
            calendar,
            reason,
            max_days=businesstime.RESOLUTION_EXTENSION_DAYS - used if federal else None,
        )
    except RuleError as exc:
        if federal and used:
            raise ClockError(f"{exc}, after {used} days already extended") from exc
        raise ClockError(str(exc)) from exc
    before = clock.due_at
    days = (
        moved.at.astimezone(calendar.zone).date() - before.astimezone(calendar.zone).date()
    ).days
    clock.due_at = moved.at
    clock.steps = [*clock.steps, *moved.steps]
    clock.extensions.append(Extension(at=now, rule=rule, reason=reason.strip(), by=by, days=days))
    notice = _start_extension_notice(grievance, now) if federal else None
    history.add(
        grievance,
        by,
        "clock extended",
        now,
        f"{clock.name}: {moved.steps[0]}",
        {f"{clock.name} due": (before, moved.at)},
    )
    settle(grievance, now)
    return notice


def _start_extension_notice(grievance: Grievance, now: datetime) -> Clock:
    """Each extension owes its own notice: a second one starts 'extension notice 2'."""
    taken = {c.name for c in grievance.clocks}
    name, number = EXTENSION_NOTICE.name, 1
    while name in taken:
        number += 1
        name = f"{EXTENSION_NOTICE.name} {number}"
    (started,) = start_clocks([EXTENSION_NOTICE], {}, now, grievance.program.calendar())
    clock = _clock(started)
    clock.name = name
    grievance.clocks.append(clock)
    return clock


def recompute(grievance: Grievance, by: User | None, now: datetime) -> str | None:
    """After a change of level, priority or type: keep met clocks, drop open ones that no
    longer apply, start the ones that now do (counted from receipt). Says what changed."""
    wanted = {c.name: c for c in receipt_clocks(grievance.program, grievance)}
    chained = {
        spec.name for spec in grievance.program.clock_specs() if spec.starts_after is not None
    }
    kept, dropped = [], []
    for clock in grievance.clocks:
        statutory = clock.name.startswith(STATUTORY_CLOCKS)
        if clock.met_at or clock.name in wanted or clock.name in chained or statutory:
            kept.append(clock)
        else:
            dropped.append(clock.name)
    have = {c.name for c in kept}
    added = [c for name, c in wanted.items() if name not in have]
    grievance.clocks = kept + added
    settle(grievance, now)
    if not dropped and not added:
        return None
    parts = [f"stopped {', '.join(dropped)}"] if dropped else []
    parts += [f"started {', '.join(c.name for c in added)}"] if added else []
    text = "clocks recomputed: " + "; ".join(parts)
    history.add(grievance, by, "clocks recomputed", now, text)
    return text


def _late_row(clock: dict, now: datetime) -> bool:
    """`is_late` for a clock read as a plain row."""
    pauses = clock.get("pauses") or []
    paused = bool(pauses) and pauses[-1].get("end") is None
    due = as_utc(clock["due_at"])
    if due is None:  # every clock has a due date; a row without one is not late
        return False
    return clock_state(due, clock.get("met_at"), paused, now, timedelta(0)) == "overdue"


def refresh_overdue(now: datetime) -> dict:
    """Mark clocks past due on open records. Reads only open records with something due, as
    plain rows (this runs every few minutes), and writes only the clocks that became late."""
    marked = records = skipped = 0
    collection = Grievance._get_collection()
    announcing = webhooks.listening("overdue")  # else no record is loaded to announce
    for row in Grievance.objects.due_by(now).only("clocks", "overdue").as_pymongo():
        try:
            newly = [
                index
                for index, clock in enumerate(row.get("clocks") or [])
                if clock.get("overdue_since") is None and _late_row(clock, now)
            ]
            if newly or not row.get("overdue"):
                changes = {f"clocks.{index}.overdue_since": now for index in newly}
                collection.update_one(
                    {"_id": row["_id"]}, {"$set": {**changes, "overdue": True, "updated_at": now}}
                )
                marked += len(newly)
                records += 1
                if newly and announcing:
                    late = Grievance.objects.get(pk=row["_id"])
                    for index in newly:
                        webhooks.announce(late, "overdue", now, late.clocks[index].name)
        except Exception:
            # One broken record must not stop the rest; its id (no member data) is logged.
            log.exception("overdue: record %s skipped", row.get("_id"))
            skipped += 1
    return {"clocks_marked": marked, "records_updated": records, "skipped": skipped}


def rows(grievance: Grievance, now: datetime) -> list[dict]:
    """Each clock as a person reads it: due in the office's time, state, and why."""
    program = grievance.program
    zone = program.calendar().zone
    warning = timedelta(hours=program.warning_hours)
    out = []
    for clock in grievance.clocks:
        state = clock_state(
            clock.due_at, clock.met_at, clock.paused, now, warning, clock.at_risk_from
        )
        out.append(
            {
                "name": clock.name,
                "rule": clock.rule,
                "due": clock.due_at.astimezone(zone),
                "met": clock.met_at.astimezone(zone) if clock.met_at else None,
                "state": state,
                "sentence": describe_state(state, clock.due_at, clock.met_at, clock.met_by, now),
                "steps": list(clock.steps),
            }
        )
    return out
