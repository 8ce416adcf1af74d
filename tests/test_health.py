"""Issue 20: /healthz says the process answers; /readyz says whether the store, Redis and the
mail transport do, over HTTP against the running app, with Redis stopped under it."""

import requests


def test_readyz_turns_503_when_redis_stops_and_healthz_stays_200(live_server, redis_server):
    ready = requests.get(f"{live_server}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "store": "ok", "queue": "ok", "mail": "ok"}
    redis_server.stop()
    try:
        down = requests.get(f"{live_server}/readyz", timeout=10)
        assert down.status_code == 503
        assert down.json()["queue"] == "ConnectionError" and down.json()["store"] == "ok"
        assert requests.get(f"{live_server}/healthz", timeout=10).status_code == 200
    finally:
        redis_server.start()
    assert requests.get(f"{live_server}/readyz", timeout=10).status_code == 200
