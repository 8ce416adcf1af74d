"""What staff type into the search box, as keys an index answers: a reference as stored in any
case and with or without dashes, its beginning, or its number alone; a member ID; a word of
the member's or the provider's name with accents and case folded. Each record keeps its keys
(`Grievance.search_keys`), and a search is an indexed equality on them, never a pattern over
every record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from portal.domain.intake import fold

SHORTEST_PREFIX = 5  # "G2026" and up: shorter beginnings match nearly everything
_WORD = re.compile(r"[^\W_]+")


def compact(text: str | None) -> str:
    """A reference or ID the way it is compared: letters and digits, upper case, accents
    folded ("g-2026-000123" and "G2026000123" read the same)."""
    return "".join(c for c in fold(text or "").upper() if c.isalnum())


def _number(text: str) -> str | None:
    """The last number in it without its leading zeros: 123 for G-2026-000123."""
    numbers = re.findall(r"\d+", text or "")
    return str(int(numbers[-1])) if numbers else None


def words(text: str | None) -> list[str]:
    return _WORD.findall(fold(text or ""))


def record_keys(
    reference: str, member_name: str | None, member_id: str | None, provider_names
) -> list[str]:
    """The keys one record is found by."""
    ref = compact(reference)
    keys = {f"r:{ref[:n]}" for n in range(SHORTEST_PREFIX, len(ref) + 1)} | {f"r:{ref}"}
    if number := _number(reference):
        keys.add(f"n:{number}")
    if member := compact(member_id):
        keys.add(f"i:{member}")
    for name in (member_name, *provider_names):
        keys |= {f"w:{w}" for w in words(name)}
    return sorted(keys)


def term_keys(term: str) -> tuple[list[str], list[str]]:
    """What a typed term asks for: (keys any of which matches, keys all of which match).
    A term with a digit is a reference, its beginning or number, or a member ID; otherwise
    each word must be in the member's or the provider's name."""
    key = compact(term)
    if not key:
        return [], []
    if any(c.isdigit() for c in key):
        either = {f"r:{key}", f"i:{key}"}
        if (number := _number(key)) and key.isdigit():
            either.add(f"n:{number}")
        return sorted(either), []
    # Letters only: words of a name, or the beginning of a reference such as CT-OLD.
    beginning = [f"r:{key}"] if len(key) >= SHORTEST_PREFIX else []
    return beginning, [f"w:{w}" for w in words(term)]


# Receipts older than this many months are not walked to (ten years of retention, and more).
WALKED_MONTHS = 12 * 25
# Office times are at most 12 hours behind UTC (and 14 ahead) in any program's zone.
_BEHIND = timedelta(hours=12)


def month_start(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=UTC)


def months_back(now: datetime) -> Iterator[list[str]]:
    """Months of receipt (YYYY-MM, as records keep them), newest first, in batches that
    double: [next month], [this month, the one before], then four, eight, ... The first
    is the month after `now` in UTC, so a zone ahead of UTC is never missed."""
    index = now.year * 12 + now.month  # the month after now's, counted from year 0
    walked, span = 0, 1
    while walked < WALKED_MONTHS:
        months = []
        for n in range(walked, min(walked + span, WALKED_MONTHS)):
            year, month = divmod(index - n, 12)
            months.append(f"{year:04d}-{month + 1:02d}")
        yield months
        walked += span
        span *= 2


def complete_from(oldest_month: str) -> datetime:
    """Every record received at or after this instant has a month of receipt at or after
    `oldest_month` in any program's zone: what a walk down to that month has all of."""
    return month_start(oldest_month) + _BEHIND
