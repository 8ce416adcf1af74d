"""The API and the monitoring page at this size: a record read by reference, a page of
changes, a complaint filed (each through the real app, in process, with a key), and a
/metrics scrape; each next to /healthz in the same run (the app's floor: routing, hooks,
audit-free JSON) so the ratio holds on a noisy machine."""

from __future__ import annotations

import logging
import statistics
from datetime import timedelta
from itertools import count

from bench.common import percentiles, timed


def measure(app, now, repeat: int) -> list[dict]:
    from portal.models import ApiClient, Grievance, Program
    from portal.services import api_clients

    with app.app_context():
        ApiClient.objects(name="bench").delete()
        _client, key = api_clients.create("bench", list(Program.objects), True, None, now)
        reference = Grievance.objects(is_open=False).only("reference").first().reference
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    numbers = count()
    since = (now - timedelta(days=1)).isoformat()
    calls = {
        "API: a record by reference": lambda: client.get(
            f"/api/v1/grievances/{reference}", headers=headers
        ),
        "API: a page of 100 changes": lambda: client.get(
            "/api/v1/grievances", query_string={"changed_since": since}, headers=headers
        ),
        "API: file a complaint": lambda: client.post(
            "/api/v1/grievances",
            json={
                "program": "ct-dental",
                "client_reference": f"bench-{next(numbers)}",
                "member_name": "Bench Member",
                "description": "Measured.",
            },
            headers=headers,
        ),
        "/metrics scrape": lambda: client.get("/metrics"),
    }
    # No queue runs here: /metrics says so once per scrape (portal_up 0); not worth a line.
    logging.getLogger("portal.metrics").setLevel(logging.ERROR)
    floor = statistics.median(timed(lambda: client.get("/healthz"), repeat))
    print("\n| call | p50 s | p95 s | /healthz s | ratio |")
    print("|---|---|---|---|---|")
    out = []
    for name, call in calls.items():
        answer = call()
        assert answer.status_code < 300, (name, answer.status_code, answer.get_data()[:300])
        p50, p95 = percentiles(timed(call, repeat))
        print(f"| {name} | {p50:.4f} | {p95:.4f} | {floor:.4f} | {p50 / floor:.1f} |")
        out.append({"call": name, "p50": p50, "p95": p95, "floor": floor})
    return out
