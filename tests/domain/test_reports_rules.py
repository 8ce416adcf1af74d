"""Report arithmetic and row reading, pure."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain.importing import Vocabulary, header_key, moment, parse_row
from portal.domain.reports import (
    Quarter,
    ReportError,
    change,
    quarter_due,
    rate_per_thousand,
    timeliness,
)

NY = ZoneInfo("America/New_York")


def test_quarters():
    q = Quarter.parse(" 2026q1 ")
    assert str(q) == "2026Q1" and str(q.previous) == "2025Q4" and str(q.next) == "2026Q2"
    start, end = q.bounds("America/Denver")
    assert start.isoformat() == "2026-01-01T00:00:00-07:00"
    assert end.isoformat() == "2026-04-01T00:00:00-06:00"  # after the DST change
    with pytest.raises(ReportError, match="YYYYQn"):
        Quarter.parse("2026-Q3")
    assert quarter_due(Quarter(2026, 3), ["10-15", "01-15", "04-15", "07-15"]) == date(2026, 10, 15)
    assert quarter_due(Quarter(2026, 4), ["10-15", "01-15", "04-15", "07-15"]) == date(2027, 1, 15)


def test_rates_and_changes():
    assert rate_per_thousand(37, 41_250) == 0.897
    # Connecticut's published quarter (seed 000): 202 grievances over 2,354,933 member months.
    assert rate_per_thousand(202, 2_354_933) == 0.0858
    assert rate_per_thousand(11, 2_354_933) == 0.00467  # not 0.0
    assert rate_per_thousand(5, None) is None
    assert change(6, 4) == {"difference": 2, "percent": 50.0}
    assert change(1, 0) == {"difference": 1, "percent": None}
    assert change(None, 4) == {"difference": None, "percent": None}


def test_timeliness_counts_and_percentiles():
    start = datetime(2026, 7, 1, 12, tzinfo=UTC)
    due = start + timedelta(hours=48)
    now = start + timedelta(days=10)
    clocks = [
        {"name": "ack", "started_at": start, "due_at": due, "met_at": start + timedelta(hours=h)}
        for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 50)
    ] + [
        {"name": "ack", "started_at": start, "due_at": due, "met_at": None},  # overdue
        {"name": "ack", "started_at": start, "due_at": now + timedelta(days=1), "met_at": None},
    ]
    (row,) = timeliness(clocks, now)
    assert row == {
        "clock": "ack",
        "total": 12,
        "met_on_time": 9,
        "met_late": 1,
        "open": 1,
        "overdue": 1,
        "median_hours_to_meet": 5.5,
        "p90_hours_to_meet": 9.0,
    }


VOCAB = Vocabulary(["Provider Access", "Other"], ["I", "II", "III"], [], ["phone", "letter"])
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_header_names_and_dates():
    assert header_key(" Received At ") == "received_at"
    assert header_key("Member.Name") == "member_name"
    assert header_key("Date received") == "received_at"
    assert moment(46217.5, NY) == datetime(2026, 7, 14, 16, tzinfo=UTC)  # noon in Hartford
    assert moment("2026-07-14T10:30-05:00", NY) == datetime(2026, 7, 14, 15, 30, tzinfo=UTC)
    assert moment(date(2026, 1, 2), NY) == datetime(2026, 1, 2, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="2026-07-14"):
        moment("14/07/2026", NY)


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"received_at": ""}, "received_at", "required"),
        ({"level": "4"}, "level", "not one of: I, II, III"),
        ({"type": "billing"}, "type", "not one of: Provider Access, Other"),
        ({"priority": "high"}, "priority", "this program has no priority values"),
        ({"substantiated": "perhaps"}, "substantiated", "yes/no"),
        ({"provider_npi": "1234567890"}, "provider_npi", "not a valid 10-digit NPI"),
        ({"resolved_at": "2026-01-01"}, "resolved_at", "before the date received"),
        ({"received_at": "2027-01-01"}, "received_at", "in the future"),
        ({"member_id": "x" * 41}, "member_id", "longer than 40"),
    ],
)
def test_bad_cells_name_their_column(cells, column, reason):
    row = parse_row(2, {"received_at": "2026-07-14", **cells}, VOCAB, NY, NOW)
    assert any(c == column and reason in r for c, r in row.problems), row.problems


def test_good_cells_are_normalised():
    row = parse_row(
        2,
        {
            "received_at": "2026-07-14",
            "type": " provider access ",
            "level": "Level 2",
            "intake_source": "PHONE",
            "substantiated": "Unsubstantiated",
            "narrative": "'=1+1",
        },
        VOCAB,
        NY,
        NOW,
    )
    assert not row.problems
    v = row.values
    assert (v["type"], v["level"], v["intake_source"]) == ("Provider Access", "II", "phone")
    assert v["substantiated"] is False and v["narrative"] == "=1+1" and v["status"] == "received"
