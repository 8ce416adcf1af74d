"""Reports and the monthly completeness check, each a median of repeated runs next to its
floor: the raw store read of the same period's records."""

from __future__ import annotations

from bench.common import median_time


def measure(ct, now, repeat: int) -> list[dict]:
    from portal.domain.reports import Quarter
    from portal.models import Grievance
    from portal.services.reporting import completeness, reports

    collection = Grievance._get_collection()

    def floor(since, until):
        query = {"program": ct.pk, "received_at": {"$gte": since, "$lt": until}}
        return lambda: list(collection.find(query, {"type": 1, "level": 1}))

    q3 = Quarter(2026, 3)
    start, end = q3.previous.bounds(ct.timezone)[0], q3.bounds(ct.timezone)[1]
    q3_start, q3_end = q3.bounds(ct.timezone)
    october = (
        Quarter(2026, 4).bounds(ct.timezone)[0],
        Quarter(2026, 4).bounds(ct.timezone)[0].replace(month=11),
    )
    rows = [
        ("quarterly report (2 quarters)", lambda: reports.quarterly(ct, q3), floor(start, end)),
        ("trend analysis (2 quarters)", lambda: reports.trend_analysis(ct, q3), floor(start, end)),
        (
            "timeliness (1 quarter)",
            lambda: reports.timeliness(ct, q3_start, q3_end, now),
            floor(q3_start, q3_end),
        ),
        (
            "completeness check (1 month)",
            lambda: completeness.check_month(now, "2026-10"),
            floor(*october),
        ),
    ]
    in_quarter = collection.count_documents({"received_at": {"$gte": q3_start, "$lt": q3_end}})
    print(f"\n| report ({in_quarter:,} records in 2026Q3) | median s | floor s | ratio |")
    print("|---|---|---|---|")
    out = []
    for name, work, base_fn in rows:
        spent, base = median_time(work, repeat), median_time(base_fn, repeat)
        print(f"| {name} | {spent:.2f} | {base:.2f} | {spent / base:.2f} |")
        out.append({"report": name, "median": spent, "floor": base})
    return out
