"""When recurring work is due, on frozen clocks: office openings across DST and holidays,
the monthly log's reminders and deadline across month and year ends, trend reminders."""

from datetime import UTC, date, datetime

import pytest

from portal.domain.businesstime import build_calendar
from portal.domain.recurring import (
    age_bucket,
    business_day_begun,
    completeness_stage,
    last_business_day_before,
    trend_reminders,
)

WEEKDAYS = {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
CT = build_calendar("America/New_York", WEEKDAYS, "US", "CT")
IA = build_calendar("America/Chicago", WEEKDAYS, "US", "IA", (date(2026, 11, 27),))


@pytest.mark.parametrize(
    ("calendar", "moment", "expected"),
    [
        # Winter: 8:00 in New York is 13:00 UTC.
        (CT, datetime(2026, 3, 6, 12, 30, tzinfo=UTC), None),
        (CT, datetime(2026, 3, 6, 13, 0, tzinfo=UTC), date(2026, 3, 6)),
        # The Monday after the spring change: 8:00 is 12:00 UTC.
        (CT, datetime(2026, 3, 9, 12, 30, tzinfo=UTC), date(2026, 3, 9)),
        (CT, datetime(2026, 3, 9, 11, 59, tzinfo=UTC), None),
        # The fall change (Nov 1, 2026), then Thanksgiving and a weekend.
        (CT, datetime(2026, 11, 2, 12, 30, tzinfo=UTC), None),
        (CT, datetime(2026, 11, 2, 13, 30, tzinfo=UTC), date(2026, 11, 2)),
        (CT, datetime(2026, 11, 26, 15, 0, tzinfo=UTC), None),
        (CT, datetime(2026, 11, 28, 15, 0, tzinfo=UTC), None),
        # Iowa's own closure the day after Thanksgiving, while Connecticut is open.
        (IA, datetime(2026, 11, 27, 16, 0, tzinfo=UTC), None),
        (CT, datetime(2026, 11, 27, 16, 0, tzinfo=UTC), date(2026, 11, 27)),
        # Late evening in New York is the next day in UTC: the local day counts.
        (CT, datetime(2026, 11, 24, 3, 0, tzinfo=UTC), date(2026, 11, 23)),
    ],
)
def test_the_business_day_begins_at_the_local_opening(calendar, moment, expected):
    assert business_day_begun(calendar, moment) == expected


def test_the_last_business_day_before_the_fifth():
    assert last_business_day_before(CT, date(2026, 12, 5)) == date(2026, 12, 4)  # a Friday
    assert last_business_day_before(CT, date(2026, 7, 5)) == date(2026, 7, 2)  # Jul 3 observed
    assert last_business_day_before(CT, date(2027, 9, 5)) == date(2027, 9, 3)  # Sat 4th


@pytest.mark.parametrize(
    ("moment", "month", "reminders", "final"),
    [
        (datetime(2026, 12, 1, 14, tzinfo=UTC), "2026-11", ("first",), False),
        (datetime(2026, 12, 3, 14, tzinfo=UTC), "2026-11", ("first",), False),
        (datetime(2026, 12, 4, 14, tzinfo=UTC), "2026-11", ("first", "last"), False),
        (datetime(2026, 12, 5, 14, tzinfo=UTC), "2026-11", ("first", "last"), False),
        (datetime(2026, 12, 6, 14, tzinfo=UTC), "2026-11", (), True),
        # New Year: the log checked is December's; still the 31st in New York at 02:00 UTC.
        (datetime(2027, 1, 1, 2, tzinfo=UTC), "2026-11", (), True),
        (datetime(2027, 1, 1, 14, tzinfo=UTC), "2026-12", ("first",), False),
        # Jan 4, 2027 is the Monday before Tuesday the 5th.
        (datetime(2027, 1, 4, 14, tzinfo=UTC), "2026-12", ("first", "last"), False),
    ],
)
def test_the_monthly_log_stages(moment, month, reminders, final):
    stage = completeness_stage(CT, moment)
    assert (stage.month, stage.reminders, stage.final) == (month, reminders, final)


def test_trend_reminders_open_14_and_3_days_before():
    due = ["10-15", "01-15", "04-15", "07-15"]
    zone = CT.zone
    assert trend_reminders(due, datetime(2026, 9, 30, 14, tzinfo=UTC), zone) == []
    assert trend_reminders(due, datetime(2026, 10, 1, 14, tzinfo=UTC), zone) == [
        (date(2026, 10, 15), 14)
    ]
    assert trend_reminders(due, datetime(2026, 10, 13, 14, tzinfo=UTC), zone) == [
        (date(2026, 10, 15), 3),
        (date(2026, 10, 15), 14),
    ]
    # Across the year end: January's report is next.
    assert trend_reminders(due, datetime(2027, 1, 2, 14, tzinfo=UTC), zone) == [
        (date(2027, 1, 15), 14)
    ]


def test_age_buckets():
    today = date(2026, 11, 23)
    assert age_bucket(date(2026, 11, 23), today) == "0-7 days"
    assert age_bucket(date(2026, 11, 15), today) == "8-30 days"
    assert age_bucket(date(2026, 8, 25), today) == "31-90 days"
    assert age_bucket(date(2026, 8, 24), today) == "over 90 days"
