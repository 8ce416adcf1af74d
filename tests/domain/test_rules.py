"""Rules other than the arithmetic: parsing, chains, pauses, extensions, callbacks,
retention, the repeat watch."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.businesstime import (
    Rule,
    RuleError,
    build_calendar,
    explain_due,
    extend,
    parse_rule,
    shift_for_pauses,
)
from portal.domain.clocks import ClockSpec, describe_state, start_clocks
from portal.domain.contacts import callback_status
from portal.domain.repeats import needs_level2_review
from portal.domain.retention import deletion_blocked, retain_until

NY = build_calendar(
    "America/New_York",
    {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "US",
    "CT",
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("5 calendar days", Rule("calendar_days", 5)),
        ("1 business day", Rule("business_days", 1)),
        ("4 Business Hours", Rule("business_hours", 4)),
        ("end of day", Rule("end_of_day")),
        ("immediately", Rule("immediately")),
        ("30 calendar days after site-visit", Rule("calendar_days", 30, "site visit")),
        ("10 business days after Site Visit", Rule("business_days", 10, "site visit")),
    ],
)
def test_rules_read_as_the_seeds_write_them(text, rule):
    assert parse_rule(text) == rule
    assert parse_rule(str(rule)) == rule


def test_explanation_names_each_step():
    received = utc(2026, 11, 25, 23, 30)  # Wed 18:30 in New York, before Thanksgiving
    due = explain_due(parse_rule("2 business days"), received, NY)
    text = "\n".join(due.steps)
    assert "Received after closing (Thu 2026-11-26: Thanksgiving Day (holiday))" in text
    assert "The day of receipt, Fri 2026-11-27, does not count." in text
    assert "Business day 2: Tue 2026-12-01." in text
    assert due.steps[-1] == "Due Tue 2026-12-01 17:00 EST (2026-12-01 22:00 UTC)."


def test_chained_clocks_start_on_their_event_only():
    specs = [
        ClockSpec("site visit", "5 business days", {"level": "II"}, "site visit"),
        ClockSpec("follow-up", "30 calendar days after site visit", {"level": "II"}, "follow up"),
        ClockSpec("resolution", "90 calendar days", {}),
    ]
    at_receipt = start_clocks(specs, {"level": "II"}, utc(2026, 3, 2, 15), NY)
    assert [c.name for c in at_receipt] == ["site visit", "resolution"]
    assert [c.name for c in start_clocks(specs, {"level": "I"}, utc(2026, 3, 2, 15), NY)] == [
        "resolution"
    ]
    later = start_clocks(specs, {"level": "II"}, utc(2026, 3, 5, 15), NY, event="Site-Visit")
    assert [c.name for c in later] == ["follow-up"]
    assert later[0].due.at == datetime(2026, 4, 5, 3, 59, 59, tzinfo=UTC)  # Apr 4 23:59:59 EDT


def test_a_pause_in_calendar_days_moves_due_by_its_length():
    rule = parse_rule("90 calendar days")
    due = explain_due(rule, utc(2026, 3, 2, 15), NY).at
    shifted = shift_for_pauses(due, rule, [(utc(2026, 3, 10), utc(2026, 3, 13))], NY)
    assert shifted.at - due == timedelta(days=3)
    assert "Paused for 72h 00m" in shifted.steps[0]


def test_an_extension_needs_a_reason_and_counts_from_the_current_due():
    due = explain_due(parse_rule("90 calendar days"), utc(2026, 3, 2, 15), NY).at
    extended = extend(due, "14 calendar days", NY, "member asked for time to send records")
    assert (extended.at - due).days == 14
    assert extended.steps[0].startswith("Extended by 14 calendar days (member asked")
    with pytest.raises(RuleError, match="needs a reason"):
        extend(due, "14 calendar days", NY, " ")


@pytest.mark.parametrize(
    ("attempts", "status"),
    [
        ([], "call the person"),
        ([("phone", "no answer")], "call again"),
        ([("phone", "no answer"), ("phone", "voicemail")], "send a letter"),
        ([("phone", "no answer"), ("phone", "voicemail"), ("letter", "letter sent")], "complete"),
        ([("phone", "no answer"), ("phone", "reached")], "complete"),
        # A letter before two phone attempts is not the rule yet.
        ([("letter", "letter sent")], "call the person"),
    ],
)
def test_callback_rule(attempts, status):
    assert callback_status(attempts) == status


def test_retention_is_the_longest_rule_from_resolution_and_hold_blocks_deletion():
    received, resolved = utc(2026, 2, 28), utc(2028, 2, 29)
    assert retain_until(received, None, [5]) == utc(2036, 2, 28)
    assert retain_until(received, resolved, [5, 12]) == utc(2040, 2, 29)  # a leap year
    keep = retain_until(received, resolved, [5])
    assert (
        deletion_blocked(keep, False, utc(2030, 1, 1)) == "the record must be kept until 2038-02-28"
    )
    assert deletion_blocked(keep, False, utc(2039, 1, 1)) is None
    assert deletion_blocked(keep, True, utc(2099, 1, 1)) == "the record is on legal hold"


def test_repeat_watch_counts_only_the_window():
    now = utc(2026, 6, 30)
    dates = [utc(2026, 6, 1), utc(2026, 6, 20), utc(2026, 1, 5)]
    assert not needs_level2_review(dates, now, threshold=3, window_days=90)
    assert needs_level2_review(dates + [utc(2026, 6, 29)], now, threshold=3, window_days=90)


def test_state_sentences():
    due = utc(2026, 3, 4, 22)
    assert describe_state("overdue", due, None, "site visit", due + timedelta(days=2, hours=3)) == (
        "overdue by 2 days 3 h: waiting for the site visit"
    )
    assert describe_state("met", due, due - timedelta(hours=1), "resolved", due) == (
        "done on time: the resolution"
    )
    late = describe_state("met", due, due + timedelta(days=5, hours=8), "acknowledged", due)
    assert late == "done 5 days 8 h late: the acknowledgment"
