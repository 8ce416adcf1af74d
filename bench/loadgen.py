"""The load for the submission benchmark, run as its own process: CONCURRENCY members each
submitting complaints back to back for SECONDS, against the portal's form or the bare insert.
Prints one JSON line: submissions, errors, per second, p50 and p95 seconds.

    python -m bench.loadgen URL form|bare SECONDS CONCURRENCY
"""

from __future__ import annotations

import json
import sys
import threading
import time

import requests

from bench.common import percentiles

FIELDS = {
    "program": "ct-dental",
    "filed_by": "member",
    "member_name": "Load Tester",
    "member_id": "LOAD000001",
    "age_group": "adult",
    "phone": "860-555-0100",
    "email": "load@example.org",
    "provider_name": "Bright Smile Dental",
    "description": "The office was closed at the time of my appointment.",
    "consent": "y",
}


def member(url: str, mode: str, until: float, latencies: list, errors: list) -> None:
    from tests.helpers import csrf_token

    session = requests.Session()
    data = dict(FIELDS)
    if mode == "form":
        data["csrf_token"] = csrf_token(session.get(f"{url}/complaint").text)
        target, ok = f"{url}/complaint", 302
    else:
        target, ok = f"{url}/insert", 201
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            answer = session.post(target, data=data, allow_redirects=False, timeout=30)
            good = answer.status_code == ok
        except requests.RequestException:
            good = False
        (latencies if good else errors).append(time.perf_counter() - started)


def main() -> None:
    url, mode, seconds, concurrency = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    latencies: list[float] = []
    errors: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    threads = [
        threading.Thread(target=member, args=(url, mode, until, latencies, errors))
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent = time.perf_counter() - started
    p50, p95 = percentiles(latencies) if latencies else (0.0, 0.0)
    print(
        json.dumps(
            {
                "submissions": len(latencies),
                "errors": len(errors),
                "per_second": len(latencies) / spent,
                "p50": p50,
                "p95": p95,
            }
        )
    )


if __name__ == "__main__":
    main()
