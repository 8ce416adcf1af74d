"""Monthly log completeness: what a record lacks under its program's rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# A rule names a field of the flattened record, or alternatives joined by "|"
# ("member_name|member_id": either will do). "when_resolved:" rules apply only once resolved.
RESOLVED_STATUSES = frozenset({"resolved", "closed"})


def _present(value: object) -> bool:
    return value is not None and value != "" and value != []


def missing_fields(record: Mapping[str, object], rules: Iterable[str]) -> list[str]:
    missing = []
    resolved = record.get("status") in RESOLVED_STATUSES
    for rule in rules:
        condition, _, fields = rule.rpartition(":")
        if condition == "when_resolved" and not resolved:
            continue
        if not any(_present(record.get(name)) for name in fields.split("|")):
            missing.append(fields.replace("|", " or "))
    return missing
