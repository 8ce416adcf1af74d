"""`make bench`: the portal's figures on a throwaway instance, each next to a floor measured
in the same run, so the ratio holds on a noisy machine.

    .venv/bin/python -m bench [--sizes 1000,10000,50000] [--repeat 9] [--load-seconds 20]

One store grows through the sizes: 500 open records, then closed history added by seed/volume
up to each size, 5,000 records a year further back in time. At every size: the admin list (as
it opens, open only, a month of closed history, searches), the API and /metrics, and the
overdue job.
At 10,000: the reports, the completeness check, and the peak memory of the web process and
the worker. On a separate instance: complaint submissions through gunicorn under load.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import api, jobs, listpage, load, memory, reports
from bench.common import make_app

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in Hartford
OPEN = 500
# Closed records a year: a mid-sized plan, whose ten years of retention hold 50,000.
PER_YEAR = 5_000


def grow(ct, target: int, have: int) -> int:
    """Open work stays the same; closed history grows backwards in time, PER_YEAR records a
    year, as ten years of retention fill a plan's store."""
    from seed.volume import load_volume

    started = time.perf_counter()
    if have == 0:
        load_volume(ct, OPEN, now=NOW, days=30, open_count=OPEN, seed=1)
        have = OPEN
    before = 30 + (have - OPEN) / PER_YEAR * 365
    days = (target - have) / PER_YEAR * 365
    load_volume(ct, target - have, now=NOW, end_days_ago=before, days=days, seed=target)
    years = (target - OPEN) / PER_YEAR
    print(
        f"\n## {target:,} records ({OPEN} open, {years:.1f} years of closed history), "
        f"built in {time.perf_counter() - started:.0f} s"
    )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--load-seconds", type=float, default=20)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"bench on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; medians of {args.repeat} runs")

    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        folder = Path(scratch) / "growing"
        app = make_app(folder, WTF_CSRF_ENABLED=False)
        with app.app_context():
            from portal.models import Program
            from seed.programs import load_programs

            load_programs()
            ct = Program.objects.get(slug="ct-dental")
        have = 0
        for size in sizes:
            with app.app_context():
                have = grow(ct, size, have)
            # Requests outside any app context of ours: each gets its own, as in production.
            listpage.measure(app, NOW, args.repeat)
            api.measure(app, NOW, args.repeat)
            with app.app_context():
                jobs.measure_overdue(NOW, args.repeat)
                if size == 10_000:
                    reports.measure(ct, NOW, args.repeat)
                    memory.measure(folder, NOW)
        load.measure(Path(scratch) / "load", args.load_seconds)


if __name__ == "__main__":
    main()
