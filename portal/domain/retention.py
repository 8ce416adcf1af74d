"""How long a record is kept, and whether it may be deleted at `now`."""

from __future__ import annotations

from datetime import datetime

# 42 CFR 438.3(u): Medicaid managed care records are kept at least 10 years.
FEDERAL_MEDICAID_YEARS = 10


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year without one
        return moment.replace(year=moment.year + years, day=28)


def retain_until(received: datetime, resolved: datetime | None, rules_years: list[int]) -> datetime:
    """The longest rule that applies, counted from resolution (from receipt while open)."""
    return add_years(resolved or received, max([FEDERAL_MEDICAID_YEARS, *rules_years]))


def deletion_blocked(retain: datetime, legal_hold: bool, now: datetime) -> str | None:
    """Why a record may not be deleted now, or None when it may."""
    if legal_hold:
        return "the record is on legal hold"
    if now < retain:
        return f"the record must be kept until {retain:%Y-%m-%d}"
    return None
