"""The portal's one clock: real by default, run from a chosen instant in tests and replays.
The one test module that reads the wall clock, to check the real clock is the default."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import clock


def test_the_clock_runs_from_a_chosen_instant_and_gives_the_real_one_back():
    start = datetime(2027, 3, 14, 6, 59, 59, tzinfo=UTC)
    with clock.running_from(start):
        first = clock.utcnow()
        assert start <= first < start + timedelta(seconds=5)
        assert clock.utcnow() >= first  # it moves on, in order
        clock.move_by(timedelta(days=90))
        assert clock.utcnow() - first >= timedelta(days=90)
    real = clock.utcnow()
    assert abs(real - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_clock_refuses_a_time_without_its_offset():
    with pytest.raises(ValueError, match="aware"):
        clock.set_to(datetime(2027, 1, 1))


def test_cheap_password_hashing_is_for_a_test_config_only(tmp_path):
    from portal import create_app

    with pytest.raises(RuntimeError, match="tests"):
        create_app({"INSTANCE_PATH": str(tmp_path), "CHEAP_PASSWORD_HASHING": True})
