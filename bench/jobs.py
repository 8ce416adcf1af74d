"""The overdue job while closed history grows: its cost should follow the open work only.
Its floor is the raw store query for the open records with something due."""

from __future__ import annotations

from bench.common import median_time


def measure_overdue(now, repeat: int) -> dict:
    from portal.models import Grievance
    from portal.services.grievances.clocks import refresh_overdue

    collection = Grievance._get_collection()
    query = {"is_open": True, "next_due_at": {"$lte": now}}
    fields = {"clocks": 1, "overdue": 1, "next_due_at": 1}
    first = refresh_overdue(now)  # marks what is newly late; later runs find it marked
    spent = median_time(lambda: refresh_overdue(now), repeat)
    base = median_time(lambda: list(collection.find(query, fields)), repeat)
    due = collection.count_documents(query)
    print(
        f"\noverdue job: {due} open records due, first run marked {first['records_updated']}; "
        f"median {spent:.3f} s, floor {base:.3f} s, ratio {spent / base:.2f}"
    )
    return {"due": due, "median": spent, "floor": base}
