"""The admin grievance list, unfiltered and filtered to open records, at growing sizes:
p50 and p95 of the whole page (the real app, in process), next to its floor measured in the
same run: the raw store's count plus the sorted page of 50 the list shows.

    .venv/bin/python bench/list_page.py [--sizes 1000,10000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return statistics.median(ordered), p95


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm: the first request builds caches any later one would find
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from bench.reports import build
    from portal import create_app

    print(f"{'records':>8} {'page':<10}{'p50 s':>8}{'p95 s':>8}{'floor s':>9}{'ratio':>7}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            app = create_app({"INSTANCE_PATH": folder, "WTF_CSRF_ENABLED": False})
            with app.app_context():
                from portal.models import Grievance, Program, User
                from seed.programs import load_programs

                load_programs()
                ct = Program.objects.get(slug="ct-dental")
                build(size, ct)
                # A quarter of the records open, as in a working office.
                collection = Grievance._get_collection()
                ids = [d["_id"] for d in collection.find({}, {"_id": 1})]
                closed = ids[: size * 3 // 4]
                collection.update_many(
                    {"_id": {"$in": closed}}, {"$set": {"is_open": False, "status": "closed"}}
                )
                manager = User(email="bench@bench.test", name="Bench", roles=["manager"])
                manager.totp_exempt = True
                manager.set_password("bench password here")
                manager.save()
            client = app.test_client()
            client.post(
                "/login", data={"email": "bench@bench.test", "password": "bench password here"}
            )
            pages = {
                "all": ("/admin/grievance/", {}),
                "open": ("/admin/grievance/?flt0_open_equals=1", {"is_open": True}),
            }
            with app.app_context():
                for name, (url, query) in pages.items():
                    page = client.get(url)
                    assert page.status_code == 200, page.status_code

                    def floor(query=query, collection=collection):
                        collection.count_documents(query)
                        list(collection.find(query).sort("received_at", -1).limit(50))

                    p50, p95 = percentiles(
                        timed(lambda url=url, client=client: client.get(url), args.repeat)
                    )
                    base = statistics.median(timed(floor, args.repeat))
                    print(
                        f"{size:>8} {name:<10}{p50:>8.3f}{p95:>8.3f}{base:>9.3f}{p50 / base:>7.2f}"
                    )


if __name__ == "__main__":
    main()
