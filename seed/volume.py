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

from portal.models import Counter, Grievance, Program
from portal.services.grievances import clocks
from portal.services.grievances.intake import Intake, Outcome, build
from seed.demo import COMPLAINTS, PROVIDER_NAMES

BATCH = 2000


def _people(seed: int):
    """Made-up members with names as a plan's are spread: Faker's census-weighted surnames
    (English and Spanish), so a surname is shared by a few records in a thousand, not by one
    in sixteen as in the demo's short lists. Deterministic for a seed."""
    from faker import Faker

    fake = Faker(["en_US", "es_MX"])
    fake.seed_instance(seed)
    return fake


def _record(program: Program, number: int, received: datetime, is_open: bool, now, rng, fake):
    levels = list(program.levels) or [None]
    intake = Intake(
        description=rng.choice(COMPLAINTS),
        member_name=f"{fake.first_name()} {fake.last_name()}",
        member_id=f"VOL{rng.randrange(10**7):07d}",
        age_group=rng.choice(["adult", "adult", "child"]),
        provider_name=rng.choice(PROVIDER_NAMES),
        intake_source=rng.choice(list(program.intake_sources) or ["phone"]),
        type=rng.choice(list(program.types)) if program.types else None,
        level=rng.choices(levels, [75, 20, 5][: len(levels)])[0],
        priority=rng.choice(list(program.priorities)) if program.priorities else None,
    )
    outcome = None
    if not is_open:
        outcome = Outcome(
            status="closed",
            resolved_at=received + timedelta(days=rng.uniform(1, 25)),
            resolution="Spoke with the office; the member is satisfied.",
            substantiated=rng.random() < 0.4,
        )
    grievance = build(
        program,
        intake,
        now,
        reference=f"V-{received.year}-{number:07d}",
        received=received,
        provider=None,
        outcome=outcome,
        entry_at=received,
        audited=False,
    )
    grievance.created_at = grievance.updated_at = received
    if outcome is not None:
        # A generated history: every clock of a closed record was met by its end.
        for clock in grievance.clocks:
            clock.met_at = outcome.resolved_at
        clocks.settle(grievance, now)
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
    fake = _people(seed)
    start = Counter.objects(name="volume").modify(upsert=True, new=True, inc__value=count)
    first = start.value - count + 1
    collection = Grievance._get_collection()
    batch = []
    for n in range(count):
        # Oldest first, so the open ones are the most recent, as in a working office.
        back = end_days_ago + days * (count - n) / count
        received = now - timedelta(days=back, minutes=rng.uniform(0, 600))
        batch.append(_record(program, first + n, received, n >= count - open_count, now, rng, fake))
        if len(batch) == BATCH:
            collection.insert_many(batch, ordered=False)
            batch.clear()
        if progress:
            progress(n + 1)
    if batch:
        collection.insert_many(batch, ordered=False)
    return count
