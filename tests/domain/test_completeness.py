from datetime import UTC, datetime

from portal.domain.clocks import clock_state
from portal.domain.completeness import missing_fields
from portal.domain.periods import previous_month

RULES = [
    "received_at",
    "type",
    "description",
    "member_name|member_id",
    "when_resolved:resolution",
    "when_resolved:resolved_at",
    "level",
]


def test_a_complete_open_record_lacks_nothing():
    record = {
        "received_at": 1,
        "type": "Other",
        "description": "x",
        "member_id": "A1",
        "level": "I",
        "status": "received",
    }
    assert missing_fields(record, RULES) == []


def test_missing_fields_are_named_and_resolution_is_needed_once_resolved():
    record = {"received_at": 1, "type": "", "description": "x", "status": "resolved"}
    assert missing_fields(record, RULES) == [
        "type",
        "member_name or member_id",
        "resolution",
        "resolved_at",
        "level",
    ]


def test_previous_month_uses_the_program_timezone():
    # 03:00 UTC on Dec 1 is still Nov 30 in Denver: the previous month is October.
    label, start, end = previous_month(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "America/Denver")
    assert label == "2026-10"
    assert start == datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert previous_month(datetime(2026, 1, 15, tzinfo=UTC), "UTC")[0] == "2025-12"


def test_clock_states():
    from datetime import timedelta

    due = datetime(2026, 3, 4, 17, tzinfo=UTC)
    window = timedelta(hours=24)
    assert clock_state(due, None, False, due + timedelta(seconds=1), window) == "overdue"
    assert clock_state(due, None, False, due - timedelta(hours=2), window) == "at_risk"
    assert clock_state(due, None, False, due - timedelta(days=3), window) == "running"
    assert clock_state(due, None, True, due + timedelta(days=3), window) == "paused"
    assert clock_state(due, due, False, due + timedelta(days=3), window) == "met"


def test_weeks_count_by_monday():
    from portal.domain.weeks import count_by_week, week_starts

    now = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday
    starts = week_starts(now, 3)
    assert [str(d) for d in starts] == ["2026-11-09", "2026-11-16", "2026-11-23"]
    moments = [
        datetime(2026, 11, 9, tzinfo=UTC),
        datetime(2026, 11, 22, 23, tzinfo=UTC),
        datetime(2026, 11, 25, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    ]
    assert count_by_week(moments, starts) == [1, 1, 1]
