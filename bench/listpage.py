"""The admin grievance list, unfiltered and open records only, and its searches: p50 and p95
of the whole page (the real app, in process), next to its floor (the raw store's count plus
the sorted page of records the list shows, read with pymongo from the same store with the
same projection), and next to Django's admin over SQLite on a copy of the same records
(bench.peer), the public anchor issue 22 measures against."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta

from bench import peer as bench_peer
from bench.common import PASSWORD, bench_manager, percentiles, timed
from portal.domain.search import term_keys

PAGES = {
    # As it opens: the open records (issue 22), no longer the whole history.
    "as it opens": ("/admin/grievance/", {"is_open": True}),
    "open": ("/admin/grievance/?flt0_open_equals=1", {"is_open": True}),
}


def measure(app, now, repeat: int) -> list[dict]:
    from portal.admin.grievances import GrievanceView
    from portal.models import Grievance

    with app.app_context():
        bench_manager()
    client = app.test_client()
    signed_in = client.post("/login", data={"email": "bench@bench.test", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[-3000:]
    collection = Grievance._get_collection()
    total = collection.count_documents({})
    # The list reads what it shows; so does the floor.
    projection = [Grievance._fields[name].db_field for name in GrievanceView.LIST_READ]
    out = []
    # What staff type into the search box, for a record of the history: its reference without
    # dashes, and the member's surname (each an indexed key, portal.domain.search).
    # A whole month of closed history, two to three months back (the same one at each size).
    month = (now - timedelta(days=75)).strftime("%Y-%m")
    sample = collection.find_one({"is_open": False, "received_month": month})
    # The commonest surname among that month's members: its matches fill a page at every
    # size, so the page shows as much at 50,000 records as at 10,000 and only finding them
    # can differ.
    surname = Counter(
        row["member"]["name"].split()[-1]
        for row in collection.find({"received_month": month}, {"member.name": 1})
    ).most_common(1)[0][0]
    pages = {
        **PAGES,
        "a month of closed history": (
            f"/admin/grievance/?flt0_received_in_equals={month}",
            {"received_month": month},
        ),
        "search reference": (
            f"/admin/grievance/?search={sample['reference'].replace('-', '')}",
            {"search_keys": "r:" + sample["reference"].replace("-", "").upper()},
        ),
        "search surname": (
            f"/admin/grievance/?search={surname}",
            {"search_keys": term_keys(surname)[1][0]},
        ),
    }
    print(f"| list page, {total:,} records | p50 s | p95 s | floor s | ratio |")
    print("|---|---|---|---|---|")
    for name, (url, query) in pages.items():
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)

        def floor(query=query):
            # The list's own two reads: the ids in order (counted up to 1,000), the page by id.
            ids = [
                row["_id"]
                for row in collection.find(query, {"_id": 1}).sort("received_at", -1).limit(1001)
            ]
            list(collection.find({"_id": {"$in": ids[:50]}}, projection))

        p50, p95 = percentiles(timed(lambda url=url: client.get(url), repeat))
        base = statistics.median(timed(floor, repeat))
        print(f"| {name} | {p50:.3f} | {p95:.3f} | {base:.3f} | {p50 / base:.2f} |")
        out.append({"page": name, "p50": p50, "p95": p95, "floor": base})

    # The peer: Django's admin over SQLite on a copy of these records (bench.peer).
    peer = bench_peer.measure(sample["reference"], surname, month, repeat)
    print(f"\n| page, {total:,} records | portal p50 s | Django admin p50 s | ratio |")
    print("|---|---|---|---|")
    for row in out:
        theirs = peer[row["page"]]
        row["django"] = theirs
        print(f"| {row['page']} | {row['p50']:.3f} | {theirs:.3f} | {row['p50'] / theirs:.1f} |")
    return out
