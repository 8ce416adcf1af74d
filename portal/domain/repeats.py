"""The repeat-complaint watch: several Level I records against one provider in a window."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def needs_level2_review(
    level1_received: Iterable[datetime], now: datetime, threshold: int, window_days: int
) -> bool:
    """True when at least `threshold` Level I records fall within the last `window_days`."""
    since = now - timedelta(days=window_days)
    return sum(1 for moment in level1_received if since <= moment <= now) >= threshold
