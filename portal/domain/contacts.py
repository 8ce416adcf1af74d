"""The callback rule (Iowa): two phone attempts that do not reach the person, then a letter."""

from __future__ import annotations

from collections.abc import Iterable

REACHED = "reached"
PHONE_MISSES = ("voicemail", "no answer")


def callback_status(attempts: Iterable[tuple[str, str]]) -> str:
    """From (channel, outcome) pairs in time order: what the callback needs next.

    complete: someone was reached, or a letter went out after two missed phone attempts.
    """
    misses = 0
    for channel, outcome in attempts:
        if outcome == REACHED:
            return "complete"
        if channel == "phone" and outcome in PHONE_MISSES:
            misses += 1
        if channel == "letter" and outcome == "letter sent" and misses >= 2:
            return "complete"
    if misses == 0:
        return "call the person"
    if misses == 1:
        return "call again"
    return "send a letter"
