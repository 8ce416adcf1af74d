"""The monthly log check: every record received last month, against its program's rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from portal.domain.completeness import missing_fields
from portal.domain.periods import month_bounds, previous_month
from portal.domain.recurring import completeness_stage, previous_month_of
from portal.models import CompletenessResult, Grievance, Outbox, Program, Provider, User
from portal.models.reports import Incomplete
from portal.services.mail import outbox
from portal.services.mail.staffmail import active_programs, compose, home_calendar, staff_with

FIELDS = (
    "reference",
    "received_at",
    "type",
    "level",
    "priority",
    "category",
    "status",
    "narratives",
    "member",
    "provider",
    "provider_name",
    "resolution",
    "resolved_at",
    "substantiated",
    "assignee",
)


def _manager_keys(assignee_ids) -> dict:
    """assignee id -> (result key, manager id or None), from one read of the staff: a
    manager or director answers for their own records, anyone else's manager for theirs."""
    keys = {}
    for user in User.objects(pk__in=list(assignee_ids)).only("roles", "manager").as_pymongo():
        if {"manager", "director"} & set(user.get("roles") or []):
            keys[user["_id"]] = (str(user["_id"]), user["_id"])
        elif user.get("manager"):
            keys[user["_id"]] = (str(user["manager"]), user["manager"])
        else:
            keys[user["_id"]] = ("unassigned", None)
    return keys


def _flat(record: dict, providers: dict) -> dict:
    """A raw record's values for the pure rules, its provider looked up in `providers`.
    (Plain dicts: building mongoengine documents would cost more than the check itself.)"""
    provider = providers.get(record.get("provider")) or {}
    member = record.get("member") or {}
    intake = next(
        (n["text"] for n in record.get("narratives", []) if n.get("kind") == "intake"), None
    )
    return {
        "received_at": record.get("received_at"),
        "type": record.get("type"),
        "level": record.get("level"),
        "priority": record.get("priority"),
        "category": record.get("category"),
        "status": record.get("status"),
        "description": intake,
        "member_name": member.get("name"),
        "member_id": member.get("member_id"),
        "provider_name": provider.get("name") or record.get("provider_name"),
        "provider_npi": provider.get("npi"),
        "resolution": record.get("resolution"),
        "resolved_at": record.get("resolved_at"),
        "substantiated": record.get("substantiated"),
    }


def check_month(now: datetime, month: str | None = None) -> list[CompletenessResult]:
    """Store one result per manager for `month` (YYYY-MM; default: the month before now).
    One read of the month's records per program, one of their providers and staff."""
    checked: dict = defaultdict(int)
    incomplete: dict = defaultdict(list)
    managers: dict = {}
    label = month
    for program in Program.objects(active=True):
        if month:
            start, end = month_bounds(date.fromisoformat(f"{month}-01"), program.timezone)
        else:
            label, start, end = previous_month(now, program.timezone)
        records = list(
            Grievance.objects.received_between(program, start, end).only(*FIELDS).as_pymongo()
        )
        provider_ids = {r["provider"] for r in records if r.get("provider")}
        providers = {
            p["_id"]: p
            for p in Provider.objects(pk__in=list(provider_ids)).only("name", "npi").as_pymongo()
        }
        keys = _manager_keys({r["assignee"] for r in records if r.get("assignee")})
        for record in records:
            key, manager = keys.get(record.get("assignee"), ("unassigned", None))
            managers[key] = manager
            checked[key] += 1
            missing = missing_fields(_flat(record, providers), program.completeness_rules)
            if missing:
                incomplete[key].append(
                    Incomplete(
                        grievance=record["_id"],
                        reference=record["reference"],
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
            # The records with no assignee are the directors' own: their one message at the
            # deadline covers them with everyone else's (two would say two things at once).
            kinds = [("result", "completeness-result")] if manager is not None else []
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
    if finals:
        month = finals[0].month
        for director in directors:
            subject, text, html = compose(
                "completeness-director",
                user=director,
                results=finals,
                still=[r for r in finals if r.incomplete],
                checked=sum(r.checked for r in finals),
                incomplete=sum(len(r.incomplete) for r in finals),
                month=month,
                page=_page(base_url, month),
            )
            key = f"completeness:{month}:director:{director.pk}"
            messages.append(
                outbox.put(key, "completeness", director.email, subject, text, html, now)
            )
    return messages
