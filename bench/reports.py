"""Report timings on a throwaway instance: quarterly, trend, timeliness and the monthly
completeness check at N records spread over a year, each a median of repeated runs, next
to its floor measured in the same run (the raw store query that reads the same records).

    .venv/bin/python bench/reports.py [--records 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from datetime import UTC, datetime


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build(records: int, program) -> None:
    """Records over the four quarters of 2026 through the portal's own import."""
    import openpyxl

    from portal.services.imports import import_file

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["reference", "received_at", "type", "level", "member_name", "narrative"])
    for n in range(records):
        month, day, hour = 1 + n % 12, 1 + n % 28, 8 + n % 9
        sheet.append(
            [
                f"B-{n:06d}",
                f"2026-{month:02d}-{day:02d}T{hour:02d}:00",
                program.types[n % len(program.types)],
                ("I", "II", "III")[n % 3],
                f"Member {n % (records // 3 + 1)}",
                "bench",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    report = import_file("bench.xlsx", out.getvalue(), program, datetime(2026, 12, 31, tzinfo=UTC))
    assert report.imported == records, report.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from portal import create_app

    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        app = create_app({"INSTANCE_PATH": folder})
        with app.app_context():
            from portal.domain.reports import Quarter
            from portal.models import Grievance, Program
            from portal.services import completeness, reports
            from seed.programs import load_programs

            load_programs()
            ct = Program.objects.get(slug="ct-dental")
            started = time.perf_counter()
            build(args.records, ct)
            print(f"{args.records} records built in {time.perf_counter() - started:.1f} s")
            q3 = Quarter(2026, 3)
            start, end = q3.previous.bounds(ct.timezone)[0], q3.bounds(ct.timezone)[1]
            collection = Grievance._get_collection()

            def floor(since, until):
                """The raw store read of the same period's records, nothing else."""
                query = {"program": ct.pk, "received_at": {"$gte": since, "$lt": until}}
                return lambda: list(collection.find(query, {"type": 1, "level": 1}))

            now = datetime(2026, 12, 31, tzinfo=UTC)
            q3_start, q3_end = q3.bounds(ct.timezone)
            november = (datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC))
            rows = [
                ("quarterly (2 quarters)", lambda: reports.quarterly(ct, q3), floor(start, end)),
                ("trend (2 quarters)", lambda: reports.trend_analysis(ct, q3), floor(start, end)),
                (
                    "timeliness (1 quarter)",
                    lambda: reports.timeliness(ct, q3_start, q3_end, now),
                    floor(q3_start, q3_end),
                ),
                (
                    "completeness (1 month)",
                    lambda: completeness.check_month(now, "2026-11"),
                    floor(*november),
                ),
            ]
            print(f"{'report':<26}{'median s':>10}{'floor s':>10}{'ratio':>8}")
            for name, work, floor in rows:
                spent, base = median_time(work, args.repeat), median_time(floor, args.repeat)
                print(f"{name:<26}{spent:>10.2f}{base:>10.2f}{spent / base:>8.2f}")


if __name__ == "__main__":
    main()
