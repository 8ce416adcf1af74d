"""Reading one row of an old log, pure: header names, vocabularies, levels, yes/no, dates as
ISO text or as Excel dates. Every problem names its column and says what is allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.domain.intake import npi_is_valid

COLUMNS = (
    "reference",
    "received_at",
    "type",
    "level",
    "priority",
    "provider_name",
    "provider_npi",
    "member_name",
    "member_id",
    "caller_name",
    "caller_phone",
    "intake_source",
    "narrative",
    "status",
    "resolved_at",
    "resolution",
    "substantiated",
)
# Other names the same columns go by: the admin's own export, and the Iowa log.
ALIASES = {
    "description": "narrative",
    "issue": "narrative",
    "member": "member_name",
    "covered_person": "member_name",
    "received": "received_at",
    "date_received": "received_at",
    "source": "intake_source",
    "caller": "caller_name",
    "phone": "caller_phone",
    "resolved": "resolved_at",
    "date_resolved": "resolved_at",
    "npi": "provider_npi",
    "provider": "provider_name",
}
LEVELS = {"i": "I", "1": "I", "ii": "II", "2": "II", "iii": "III", "3": "III"}
YES = {"yes", "y", "true", "substantiated", "1"}
NO = {"no", "n", "false", "unsubstantiated", "0"}
STATUSES = ("received", "in_progress", "escalated", "resolved", "closed", "withdrawn")
EXCEL_EPOCH = datetime(1899, 12, 30)
# Free text kept as given (trimmed), with its length limit.
LIMITS = {
    "reference": 40,
    "provider_name": 200,
    "member_name": 200,
    "member_id": 40,
    "caller_name": 200,
    "caller_phone": 40,
    "narrative": 20000,
    "resolution": 5000,
}
TEXT_COLUMNS = tuple(c for c in LIMITS if c != "reference") + ("provider_npi",)


def header_key(text) -> str:
    """'Received At', 'received-at', 'Member.Name' -> received_at, member_name."""
    key = re.sub(r"[\s.\-/]+", "_", str(text or "").strip().lower()).strip("_")
    return ALIASES.get(key, key)


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.casefold())


@dataclass
class Vocabulary:
    """What a program allows; matching ignores case and spacing."""

    types: list[str]
    levels: list[str]
    priorities: list[str]
    intake_sources: list[str]
    statuses: tuple[str, ...] = STATUSES


@dataclass
class ParsedRow:
    line: int
    values: dict = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # The CSV export's guard against formulas ("'=...") comes off again.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _choose(column: str, text: str, allowed: list[str] | tuple[str, ...], row: ParsedRow):
    if not text:
        return None
    for option in allowed:
        if _fold(option) == _fold(text):
            return option
    if not allowed:
        row.problems.append((column, f"{text!r}: this program has no {column} values"))
    else:
        row.problems.append((column, f"{text!r} is not one of: {', '.join(allowed)}"))
    return None


def moment(value, zone: ZoneInfo) -> datetime:
    """A cell as a UTC moment: a datetime or date cell (local office time), ISO text (with or
    without an offset), or an Excel serial number. ValueError says what was expected."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=zone)
        return local.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise ValueError(f"{value!r} is not an Excel date")
        return (EXCEL_EPOCH + timedelta(days=float(value))).replace(tzinfo=zone).astimezone(UTC)
    text = _text(value)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return moment(float(text), zone)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r}: write a date as 2026-07-14 or 2026-07-14T10:30") from None
    return moment(parsed, zone)


def parse_row(line: int, cells: dict, vocabulary: Vocabulary, zone: ZoneInfo, now: datetime):
    """One row: values ready to store, or the problems, each with its column."""
    row = ParsedRow(line)
    text = {column: _text(cells.get(column)) for column in COLUMNS}
    for column, limit in LIMITS.items():
        if len(text[column]) > limit:
            row.problems.append((column, f"longer than {limit} characters"))
    if text["reference"] and not re.fullmatch(r"[A-Za-z0-9 _./:#-]+", text["reference"]):
        row.problems.append(("reference", "letters, digits and - _ . / : # only"))
    values = row.values
    values["reference"] = text["reference"] or None
    for column in ("received_at", "resolved_at"):
        raw = cells.get(column)
        if raw in (None, ""):
            values[column] = None
            continue
        try:
            values[column] = moment(raw, zone)
        except ValueError as exc:
            row.problems.append((column, str(exc)))
            values[column] = None
    if values["received_at"] is None and not any(c == "received_at" for c, _ in row.problems):
        row.problems.append(("received_at", "required: when the complaint came in"))
    elif values["received_at"] and values["received_at"] > now + timedelta(days=1):
        row.problems.append(("received_at", "in the future"))
    if (
        values["resolved_at"]
        and values["received_at"]
        and values["resolved_at"] < values["received_at"]
    ):
        row.problems.append(("resolved_at", "before the date received"))
    values["type"] = _choose("type", text["type"], vocabulary.types, row)
    values["intake_source"] = _choose(
        "intake_source", text["intake_source"], vocabulary.intake_sources, row
    )
    values["priority"] = _choose("priority", text["priority"], vocabulary.priorities, row)
    values["status"] = _choose("status", text["status"], vocabulary.statuses, row) or (
        "resolved" if values["resolved_at"] else "received"
    )
    level = text["level"]
    values["level"] = None
    if level:
        roman = LEVELS.get(level.casefold().replace("level", "").strip())
        if not vocabulary.levels:
            row.problems.append(("level", f"{level!r}: this program has no levels"))
        elif roman not in vocabulary.levels:
            row.problems.append(("level", f"{level!r} is not one of: I, II, III (or 1, 2, 3)"))
        else:
            values["level"] = roman
    folded = text["substantiated"].casefold()
    values["substantiated"] = True if folded in YES else False if folded in NO else None
    if folded and values["substantiated"] is None:
        row.problems.append(
            ("substantiated", f"{text['substantiated']!r}: yes/no, true/false or (un)substantiated")
        )
    if text["provider_npi"] and not npi_is_valid(text["provider_npi"]):
        row.problems.append(
            ("provider_npi", f"{text['provider_npi']!r} is not a valid 10-digit NPI")
        )
    for column in TEXT_COLUMNS:
        values[column] = text[column] or None
    return row
