"""Properties of business time that must hold for every program's calendar (hypothesis)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.businesstime import (
    Rule,
    build_calendar,
    due_at,
    explain_due,
    shift_for_pauses,
)

WEEKDAYS_8_5 = {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
CALENDARS = [
    build_calendar("America/New_York", WEEKDAYS_8_5, "US", "CT"),
    build_calendar("America/Chicago", WEEKDAYS_8_5, "US", "IA"),
    build_calendar(
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
    ),
    # Several spans a day (a lunch closure) to keep the arithmetic honest.
    build_calendar(
        "America/New_York",
        {d: ["08:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "US",
        "MD",
    ),
]

calendars = st.sampled_from(CALENDARS)
# Any minute over two years, DST changes and holidays included.
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(second=0, microsecond=0))
small = st.integers(min_value=1, max_value=15)


def _local_close(calendar, moment):
    local = moment.astimezone(calendar.zone)
    return calendar.close_of(local.date()) == local


@settings(max_examples=300, deadline=None)
@given(
    calendars,
    moments,
    st.sampled_from(["business_days", "business_hours", "end_of_day", "immediately"]),
    small,
)
def test_business_due_is_inside_office_hours_or_at_a_close(calendar, received, kind, n):
    due = due_at(Rule(kind, max(n, 1)), received, calendar)
    local = due.astimezone(calendar.zone)
    inside = any(
        start <= local.time().replace(tzinfo=None) <= end
        for start, end in calendar.spans(local.date())
    )
    assert inside, (received, kind, n, local)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, small, small)
def test_n_then_m_business_days_is_n_plus_m(calendar, received, n, m):
    first = due_at(Rule("business_days", n), received, calendar)
    both = due_at(Rule("business_days", m), first, calendar)
    assert both == due_at(Rule("business_days", n + m), received, calendar)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, st.integers(1, 60), st.integers(1, 60))
def test_n_then_m_business_hours_is_n_plus_m(calendar, received, n, m):
    first = due_at(Rule("business_hours", n), received, calendar)
    both = due_at(Rule("business_hours", m), first, calendar)
    assert both == due_at(Rule("business_hours", n + m), received, calendar)


@settings(max_examples=300, deadline=None)
@given(
    calendars,
    moments,
    st.sampled_from(["business_days", "business_hours", "end_of_day", "immediately"]),
    small,
)
def test_received_outside_hours_counts_from_the_next_opening(calendar, received, kind, n):
    rule = Rule(kind, n)
    opening = calendar.next_opening(received, close_counts=True)
    assert due_at(rule, received, calendar) == due_at(rule, opening, calendar)


@settings(max_examples=200, deadline=None)
@given(
    calendars,
    moments,
    st.integers(1, 40),
    st.integers(0, 20 * 24 * 60),
    st.integers(1, 10 * 24 * 60),
)
def test_a_pause_shifts_due_by_exactly_its_office_time(
    calendar, received, hours, pause_offset, pause_minutes
):
    rule = Rule("business_hours", hours)
    due = due_at(rule, received, calendar)
    start = received + timedelta(minutes=pause_offset)
    pause = (start, start + timedelta(minutes=pause_minutes))
    shifted = shift_for_pauses(due, rule, [pause], calendar).at
    paused_office_time = calendar.business_between(*pause)
    assert calendar.business_between(due, shifted) == paused_office_time
    assert shifted >= due


@settings(max_examples=200, deadline=None)
@given(calendars, moments, st.integers(1, 90))
def test_calendar_days_end_on_the_last_second_of_a_local_day(calendar, received, n):
    due = explain_due(Rule("calendar_days", n), received, calendar).at
    local = due.astimezone(calendar.zone)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert (local.date() - received.astimezone(calendar.zone).date()).days == n
