"""A program's own words: the values a record's type, level, priority, category and intake
source may take are choices from that program's lists, wherever they are entered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# record field -> the program's list of its values
LISTS = {
    "type": "types",
    "level": "levels",
    "priority": "priorities",
    "category": "categories",
    "intake_source": "intake_sources",
    "mco": "mcos",
}


# Intake sources the portal records itself, whatever the program's list says.
SYSTEM_SOURCES = ("web form", "import", "api")
# Iowa: a member not enrolled in any MCO goes to the member escalations queue.
NOT_ENROLLED = "not enrolled"
MEMBER_ESCALATIONS = "Member escalations"  # the queue a unit lead calls back from


def team_for(mco: str | None) -> str | None:
    """The queue a record goes to for its MCO: member escalations when not enrolled."""
    return MEMBER_ESCALATIONS if mco == NOT_ENROLLED else None


# Values every program with the list accepts besides its own.
SYSTEM_VALUES = {"intake_source": SYSTEM_SOURCES, "mco": (NOT_ENROLLED,)}


class VocabularyError(ValueError):
    """A value outside the program's list, with the allowed values named; `field` is the
    record's field at fault."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


def refusal(field: str, value: str | None, allowed: Sequence[str]) -> str | None:
    """Why `value` may not be the record's `field` under a program allowing `allowed`."""
    if value is None or value == "":
        return None
    if value in allowed:
        return None
    if not allowed:
        return f"this program has no {field} to set ({value!r} given)"
    return f"{field} {value!r} is not one of this program's: {', '.join(allowed)}"


def check(lists: Mapping[str, Sequence[str]], values: Mapping[str, str | None]) -> None:
    """Raise VocabularyError for the first value outside its list; `lists` maps a program's
    list names (types, levels, ...) to their values."""
    for field, value in values.items():
        if value in SYSTEM_VALUES.get(field, ()) and (
            field == "intake_source" or lists.get(LISTS[field])
        ):
            continue
        if field in LISTS:
            reason = refusal(field, value, list(lists.get(LISTS[field]) or []))
            if reason:
                raise VocabularyError(reason, field)


def lists_of(program) -> dict[str, list[str]]:
    """A program's lists, by the names LISTS uses."""
    return {name: list(getattr(program, name) or []) for name in LISTS.values()}
