"""Deadlines as domain.md counts them; no fixtures, no store."""

from datetime import UTC, date, datetime

import pytest

from portal.domain.businesstime import RuleError, build_calendar, due_at, parse_rule

WEEKDAYS = {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
NY = build_calendar("America/New_York", WEEKDAYS, "US", "CT")
DENVER = build_calendar(
    "America/Denver",
    {
        "mon": ["07:30-17:00"],
        "tue": ["07:30-17:00"],
        "wed": ["07:30-17:00"],
        "thu": ["07:30-17:00"],
        "fri": ["07:30-11:30"],
    },
    "US",
    "CO",
)


def ny(*args):
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("America/New_York"))


def local(moment, calendar=NY):
    return moment.astimezone(calendar.zone).replace(tzinfo=None)


def test_calendar_days_end_at_the_last_second_of_the_nth_day():
    due = due_at(parse_rule("5 calendar days"), ny(2026, 3, 2, 15, 0), NY)
    assert local(due) == datetime(2026, 3, 7, 23, 59, 59)
    assert due.tzinfo == UTC


def test_business_days_skip_the_day_of_receipt_weekends_and_holidays():
    # Wed 2026-11-25 received; Thu 26 is Thanksgiving, Fri 27 counts, Mon 30 is the 2nd.
    due = due_at(parse_rule("2 business days"), ny(2026, 11, 25, 9, 0), NY)
    assert local(due) == datetime(2026, 11, 30, 17, 0)


def test_business_hours_count_only_office_time_and_start_at_the_next_opening():
    # Friday 16:00 + 4 business hours: 1 hour Friday, 3 hours Monday.
    assert local(due_at(parse_rule("4 business hours"), ny(2026, 3, 6, 16, 0), NY)) == datetime(
        2026, 3, 9, 11, 0
    )
    # Received Saturday: counting starts at Monday's opening.
    assert local(due_at(parse_rule("4 business hours"), ny(2026, 3, 7, 10, 0), NY)) == datetime(
        2026, 3, 9, 12, 0
    )


def test_colorado_friday_half_day():
    from zoneinfo import ZoneInfo

    received = datetime(2026, 3, 6, 10, 30, tzinfo=ZoneInfo("America/Denver"))  # Friday
    due = due_at(parse_rule("2 business hours"), received, DENVER)
    assert local(due, DENVER) == datetime(2026, 3, 9, 8, 30)


def test_daylight_saving_change_keeps_office_wall_time():
    # 2026-03-08 is the spring-forward Sunday in the US.
    due = due_at(parse_rule("1 business days"), ny(2026, 3, 6, 12, 0), NY)
    assert local(due) == datetime(2026, 3, 9, 17, 0)
    assert due == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)  # EDT, UTC-4


def test_end_of_day_and_immediately():
    assert local(due_at(parse_rule("end of day"), ny(2026, 3, 4, 9, 0), NY)) == datetime(
        2026, 3, 4, 17, 0
    )
    # After closing: the next business day's close.
    assert local(due_at(parse_rule("end of day"), ny(2026, 3, 4, 18, 0), NY)) == datetime(
        2026, 3, 5, 17, 0
    )
    assert local(due_at(parse_rule("immediately"), ny(2026, 3, 4, 9, 0), NY)) == datetime(
        2026, 3, 4, 10, 0
    )


@pytest.mark.parametrize(
    "text", ["", "five days", "2 fortnights", "-1 business days", "0 business days"]
)
def test_unreadable_rules_are_refused_with_a_message(text):
    with pytest.raises(RuleError, match="cannot read the rule"):
        parse_rule(text)


def test_bad_calendars_are_refused():
    with pytest.raises(RuleError, match="unknown timezone"):
        build_calendar("Mars/Olympus", WEEKDAYS, None, None)
    with pytest.raises(RuleError, match="ends before it starts"):
        build_calendar("UTC", {"mon": ["17:00-08:00"]}, None, None)


def test_closures_an_administrator_adds_are_closed_days():
    calendar = build_calendar("America/New_York", WEEKDAYS, "US", "CT", (date(2026, 3, 5),))
    due = due_at(parse_rule("1 business days"), ny(2026, 3, 4, 9, 0), calendar)
    assert local(due, calendar) == datetime(2026, 3, 6, 17, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(parse_rule("1 business days"), datetime(2026, 3, 4, 9, 0), NY)
