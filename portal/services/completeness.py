"""The monthly log check: every record received last month, against its program's rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from portal.domain.completeness import missing_fields
from portal.domain.periods import month_bounds, previous_month
from portal.domain.recurring import completeness_stage, previous_month_of
from portal.models import CompletenessResult, Grievance, Outbox, Program, User
from portal.models.reports import Incomplete
from portal.services import outbox
from portal.services.staffmail import active_programs, compose, home_calendar, staff_with


def _manager_key(assignee: User | None) -> tuple[str, User | None]:
    if assignee is None:
        return "unassigned", None
    if assignee.has_role("manager", "director"):
        return str(assignee.pk), assignee
    if assignee.manager is not None:
        return str(assignee.manager.pk), assignee.manager
    return "unassigned", None


def check_month(now: datetime, month: str | None = None) -> list[CompletenessResult]:
    """Store one result per manager for `month` (YYYY-MM; default: the month before now)."""
    checked: dict = defaultdict(int)
    incomplete: dict = defaultdict(list)
    managers: dict = {}
    label = month
    for program in Program.objects(active=True):
        if month:
            start, end = month_bounds(date.fromisoformat(f"{month}-01"), program.timezone)
        else:
            label, start, end = previous_month(now, program.timezone)
        records = Grievance.objects.received_between(program, start, end)
        for grievance in records:
            key, manager = _manager_key(grievance.assignee)
            managers[key] = manager
            checked[key] += 1
            missing = missing_fields(grievance.flat(), program.completeness_rules)
            if missing:
                incomplete[key].append(
                    Incomplete(
                        grievance=grievance,
                        reference=grievance.reference,
                        program=program.slug,
                        missing=missing,
                    )
                )
    results = []
    kept = {r.manager_key: r for r in CompletenessResult.objects(month=label, final=True)}
    for key in sorted(checked):
        if key in kept:
            results.append(kept[key])  # final: as it stood at the deadline
            continue
        result = CompletenessResult.objects(month=label, manager_key=key).modify(
            upsert=True,
            new=True,
            set__manager=managers[key],
            set__checked=checked[key],
            set__incomplete=incomplete[key],
            set__computed_at=now,
        )
        results.append(result)
    return results


def as_dict(result: CompletenessResult) -> dict:
    """One manager's result as plain data: references and what each lacks, no member data."""
    return {
        "manager": result.manager.email if result.manager else "unassigned",
        "checked": result.checked,
        "final": result.final,
        "incomplete": [
            {"reference": i.reference, "program": i.program, "missing": list(i.missing)}
            for i in result.incomplete
        ],
    }


def _page(base_url: str, month: str) -> str:
    return f"{base_url}/admin/completeness/?flt0_month_equals={month}"


def send_notices(now: datetime, base_url: str) -> list[Outbox]:
    """Reminders before the deadline (the 1st, and the last business day before the 5th),
    the final result after it, and a note to the directors for what is still incomplete.
    Each is keyed by month, recipient and stage: once each, however often the job runs."""
    programs = active_programs()
    directors = staff_with("director")
    messages = []
    finals = []
    # The month being checked is local to each office: near midnight UTC it may differ.
    months = {previous_month_of(now.date()), previous_month_of((now - timedelta(days=1)).date())}
    for result in CompletenessResult.objects(month__in=sorted(months)):
        manager = result.manager
        calendar = home_calendar(manager, programs)
        if calendar is None:
            continue
        stage = completeness_stage(calendar, now)
        if stage.month != result.month:
            continue
        recipients = [manager] if manager is not None else directors
        context = {"result": result, "page": _page(base_url, result.month), "deadline": 5}
        if stage.final:
            if not result.final:
                CompletenessResult.objects(pk=result.pk).update_one(set__final=True)
            finals.append(result)
            kinds = [("result", "completeness-result")]
        elif result.incomplete:
            kinds = [(reminder, "completeness-reminder") for reminder in stage.reminders]
        else:
            kinds = []
        for stage_name, template in kinds:
            for user in recipients:
                key = f"completeness:{result.month}:{result.manager_key}:{stage_name}:{user.pk}"
                subject, text, html = compose(template, user=user, stage=stage_name, **context)
                messages.append(
                    outbox.put(key, "completeness", user.email, subject, text, html, now)
                )
    still = [r for r in finals if r.incomplete]
    if still:
        month = still[0].month
        for director in directors:
            subject, text, html = compose(
                "completeness-director",
                user=director,
                results=still,
                month=month,
                page=_page(base_url, month),
            )
            key = f"completeness:{month}:director:{director.pk}"
            messages.append(
                outbox.put(key, "completeness", director.email, subject, text, html, now)
            )
    return messages
