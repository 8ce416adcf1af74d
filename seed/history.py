"""Connecticut's published quarter (seed 000, "Grievance Report"): 202 grievances, 191 about
the quality of provider service and 11 other, 197 at Level I and 5 at Level II, over
2,354,933 member months. Loaded as a closed history in 2014Q4, so that the quarterly report
can be checked against the table the plan published. Made-up people only; deterministic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from portal.models import Grievance, Program
from portal.services.grievances.intake import Intake, Outcome, build
from seed.demo import COMPLAINTS, FIRST, LAST, PROVIDER_NAMES

QUARTER = "2014Q4"
MEMBER_MONTHS = 2_354_933
BY_TYPE = {
    "Provider Access": 0,
    "Quality of Provider Service": 191,
    "Quality of ASO Service": 0,
    "Other": 11,
}
BY_LEVEL = {"I": 197, "II": 5, "III": 0}
START = datetime(2014, 10, 1, 14, tzinfo=UTC)  # 10:00 in Hartford
DAYS = 91


def load_ct_2014q4(now: datetime) -> int:
    """Add the quarter's 202 closed records to ct-dental; none when they are there already.
    Returns how many were added."""
    program = Program.objects.get(slug="ct-dental")
    if Grievance.objects(reference="CT-2014Q4-0001").first() is not None:
        return 0
    rng = random.Random(2014)
    types = [name for name, n in BY_TYPE.items() for _ in range(n)]
    levels = [name for name, n in BY_LEVEL.items() for _ in range(n)]
    rng.shuffle(types)
    total = len(types)
    for number, (kind, level) in enumerate(zip(types, levels, strict=True), start=1):
        received = START + timedelta(days=DAYS * (number - 1) / total, minutes=rng.uniform(0, 300))
        intake = Intake(
            description=rng.choice(COMPLAINTS),
            member_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            member_id=f"CT14{number:05d}",
            age_group="adult" if rng.random() < 0.8 else "child",  # "most ... adult clients"
            provider_name=rng.choice(PROVIDER_NAMES),
            intake_source="phone",
            type=kind,
            level=level,
        )
        resolved = received + timedelta(days=rng.uniform(1, 20))
        build(
            program,
            intake,
            now,
            reference=f"CT-2014Q4-{number:04d}",
            received=received,
            provider=None,
            outcome=Outcome(
                status="closed",
                resolved_at=resolved,
                resolution="Provider relations spoke with the office; the client was told.",
            ),
            entry="imported",
            detail="the plan's published 2014Q4 report (seed 000)",
            entry_at=received,
            audited=False,
        ).save()
    return total
