"""The repeat-complaint watch: flag a provider with several Level I records for Level II
review, on the provider and on its records."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.domain.repeats import needs_level2_review
from portal.models import OPEN_STATUSES, Grievance, Program, Provider


def watch(provider: Provider | None, program: Program, now: datetime) -> bool:
    """Flag when the program's threshold is reached; True when the provider is flagged."""
    if provider is None:
        return False
    since = now - timedelta(days=program.repeat_window_days)
    records = Grievance.objects.level1_against(provider, since)
    received = list(records.scalar("received_at"))
    if not needs_level2_review(received, now, program.repeat_threshold, program.repeat_window_days):
        return bool(provider.review_flag)
    if not provider.review_flag:
        Provider.objects(pk=provider.pk).update_one(
            set__review_flag=True,
            set__flagged_at=now,
            set__review_flag_reason=(
                f"{len(received)} Level I records in {program.repeat_window_days} days "
                f"({program.name}): review for Level II"
            ),
        )
        provider.reload()
    records.update(set__repeat_flag=True)
    return True


def provider_records(
    provider: Provider, limit: int, programs: list | None = None
) -> tuple[list[Grievance], int]:
    """The provider's newest records (what its page lists), of these programs (ids; None for
    every program), and how many corrective action plans are still awaited on the open ones
    among them."""
    records = Grievance.objects(provider=provider)
    if programs is not None:
        records = records.filter(program__in=programs)
    records = list(
        records.only("reference", "received_at", "level", "type", "status", "repeat_flag", "clocks")
        .order_by("-received_at")
        .limit(limit)
    )
    open_caps = sum(
        1
        for g in records
        for c in g.clocks
        if c.met_by == "cap received" and c.met_at is None and g.status in OPEN_STATUSES
    )
    return records, open_caps
