"""Volume data for benchmarks: many records of one program, fast, with real clocks and history.

`portal seed demo` works each record through the services, as staff would, which is right for
a few hundred records and far too slow for fifty thousand. This builds whole documents the
way the services leave them (receipt clocks from the program's rules, settled at `now`, a
chained history entry) and writes them in batches. Made-up people only; deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from portal.domain.retention import retain_until
from portal.models import Counter, Grievance, Program
from portal.models.grievance import Member, Narrative
from portal.services import clocks, history
from seed.demo import COMPLAINTS, FIRST, LAST, PROVIDER_NAMES

BATCH = 2000


def _record(program: Program, number: int, received: datetime, is_open: bool, now, rng):
    levels = list(program.levels) or [None]
    grievance = Grievance(
        reference=f"V-{received.year}-{number:07d}",
        program=program,
        received_at=received,
        intake_source=rng.choice(list(program.intake_sources) or ["phone"]),
        filed_by="member",
        type=rng.choice(list(program.types)) if program.types else None,
        level=rng.choices(levels, [75, 20, 5][: len(levels)])[0],
        priority=rng.choice(list(program.priorities)) if program.priorities else None,
        member=Member(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            member_id=f"VOL{rng.randrange(10**7):07d}",
            age_group=rng.choice(["adult", "adult", "child"]),
        ),
        provider_name=rng.choice(PROVIDER_NAMES),
        narratives=[Narrative(at=received, kind="intake", text=rng.choice(COMPLAINTS))],
        is_open=is_open,
        status="received" if is_open else "closed",
        created_at=received,
        updated_at=received,
    )
    grievance.clocks = clocks.receipt_clocks(program, grievance)
    if not is_open:
        resolved = received + timedelta(days=rng.uniform(1, 25))
        grievance.resolved_at = resolved
        grievance.resolution = "Spoke with the office; the member is satisfied."
        grievance.substantiated = rng.random() < 0.4
        for clock in grievance.clocks:
            clock.met_at = resolved
    grievance.retain_until = retain_until(
        received, grievance.resolved_at, [program.retention_years]
    )
    clocks.settle(grievance, now)
    history.add(grievance, None, "received", received, audited=False)
    return grievance.to_mongo().to_dict()


def load_volume(
    program: Program,
    count: int,
    *,
    now: datetime,
    days: float = 365,
    end_days_ago: float = 0,
    open_count: int = 0,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add `count` records received over `days` days ending `end_days_ago` before `now`, the
    newest `open_count` of them still open and the rest closed. Returns how many."""
    rng = random.Random(seed)
    start = Counter.objects(name="volume").modify(upsert=True, new=True, inc__value=count)
    first = start.value - count + 1
    collection = Grievance._get_collection()
    batch = []
    for n in range(count):
        # Oldest first, so the open ones are the most recent, as in a working office.
        back = end_days_ago + days * (count - n) / count
        received = now - timedelta(days=back, minutes=rng.uniform(0, 600))
        batch.append(_record(program, first + n, received, n >= count - open_count, now, rng))
        if len(batch) == BATCH:
            collection.insert_many(batch, ordered=False)
            batch.clear()
        if progress:
            progress(n + 1)
    if batch:
        collection.insert_many(batch, ordered=False)
    return count
