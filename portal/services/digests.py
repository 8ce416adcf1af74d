"""The overdue digest: one message per staff member per day, counts and links only."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from html import escape

from portal.models import Grievance, Outbox, User
from portal.services import outbox


def compose(user: User, references: list[tuple[str, str]], base_url: str, day: str):
    """Subject, text and HTML for one digest. No member names, IDs or narratives."""
    count = len(references)
    subject = f"Grievance portal: {count} overdue record{'s' if count != 1 else ''} ({day})"
    links = [(ref, f"{base_url}/admin/grievance/details/?id={pk}") for pk, ref in references]
    text = "\n".join(
        [f"Hello {user.name},", "", f"You have {count} overdue record(s) as of {day}:", ""]
        + [f"- {ref}: {url}" for ref, url in links]
        + ["", "Open each record to see its clocks and what is due."]
    )
    items = "".join(f'<li><a href="{escape(url)}">{escape(ref)}</a></li>' for ref, url in links)
    html = (
        f"<p>Hello {escape(user.name)},</p><p>You have {count} overdue record(s) as of "
        f"{escape(day)}:</p><ul>{items}</ul>"
    )
    return subject, text, html


def queue_digests(now: datetime, base_url: str) -> list[Outbox]:
    """Write today's digest for every assignee with overdue open records into the outbox."""
    day = now.date().isoformat()
    by_user: dict = defaultdict(list)
    overdue = Grievance.objects(is_open=True, overdue=True, assignee__ne=None)
    for row in overdue.only("reference", "assignee").no_dereference().order_by("reference"):
        by_user[row.assignee.id].append((str(row.pk), row.reference))
    messages = []
    for user in User.objects(pk__in=list(by_user), active=True):
        subject, text, html = compose(user, by_user[user.pk], base_url, day)
        key = f"digest:{user.pk}:{day}"
        messages.append(outbox.put(key, "digest", user.email, subject, text, html, now))
    return messages
