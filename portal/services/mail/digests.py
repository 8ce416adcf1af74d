"""The overdue digest: one message per staff member per business day, at the start of their
office's day; counts and links only, never member data."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from portal.domain.recurring import business_day_begun
from portal.models import Grievance, Outbox, User
from portal.services.documents import built, ref_id
from portal.services.mail import outbox
from portal.services.mail.staffmail import active_programs, compose, home_calendar


def _overdue_since(grievance: Grievance) -> datetime | None:
    marks = [c.overdue_since for c in grievance.clocks if c.overdue_since and not c.met_at]
    return min(marks) if marks else None


def _empty() -> dict:
    return {"overdue": [], "at_risk": [], "past_grace": [], "team": []}


def working_set(now: datetime, programs) -> dict:
    """Each assignee's overdue and at-risk records, from the open records due within the
    longest warning window: the query reads open work only, never closed history."""
    by_program = {p.pk: p for p in programs}
    longest = max((p.warning_hours for p in programs), default=24)
    mine: dict = defaultdict(_empty)
    rows = (
        Grievance.objects.due_by(now + timedelta(hours=longest))
        .filter(assignee__ne=None)
        .only("reference", "assignee", "program", "overdue", "next_due_at", "clocks")
        .order_by("next_due_at")
    )
    for row in built(rows):
        program = by_program.get(ref_id(row, "program"))
        if program is None:
            continue
        item = (str(row.pk), row.reference)
        assignee = ref_id(row, "assignee")
        if row.overdue:
            mine[assignee]["overdue"].append(item)
            since = _overdue_since(row)
            grace = timedelta(hours=program.supervisor_grace_hours)
            if since is not None and since <= now - grace:
                mine[assignee]["past_grace"].append(item)
        elif row.next_due_at <= now + timedelta(hours=program.warning_hours):
            mine[assignee]["at_risk"].append(item)
    return mine


def queue_digests(now: datetime, base_url: str) -> list[Outbox]:
    """Write today's digest into the outbox for every person whose business day has begun
    and who has something overdue or at risk (supervisors: also their team's records
    overdue past the grace period). The key (person, local day) makes it once a day."""
    programs = active_programs()
    items = working_set(now, programs)
    people = {u.pk: u for u in User.objects(active=True)}
    for user in list(people.values()):
        if user.manager is not None and user.pk in items and user.manager.pk in people:
            items[user.manager.pk]["team"].extend(items[user.pk]["past_grace"])
    messages: list[Outbox] = []
    for user_id, found in items.items():
        user = people.get(user_id)
        if user is None or not (found["overdue"] or found["at_risk"] or found["team"]):
            continue
        calendar = home_calendar(user, programs)
        day = business_day_begun(calendar, now) if calendar else None
        if day is None:
            continue  # not yet their office's business day: a later run sends it
        key = f"digest:{user.pk}:{day.isoformat()}"
        if outbox.already_written(key, messages):
            continue
        subject, text, html = compose(
            "digest",
            user=user,
            day=day,
            overdue=_links(found["overdue"], base_url),
            at_risk=_links(found["at_risk"], base_url),
            team=_links(sorted(set(found["team"])), base_url),
            lists={
                "overdue": f"{base_url}/admin/grievance/?flt0_assigned_to_me_is=1"
                "&flt1_open_equals=1&flt2_overdue_equals=1",
                "at_risk": f"{base_url}/admin/grievance/?flt0_assigned_to_me_is=1"
                "&flt1_at_risk_is=1",
            },
        )
        messages.append(outbox.put(key, "digest", user.email, subject, text, html, now))
    return messages


def _links(items, base_url: str) -> list[tuple[str, str]]:
    return [(ref, f"{base_url}/admin/grievance/details/?id={pk}") for pk, ref in items]
