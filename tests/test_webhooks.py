"""Issue 21: signed webhooks, received by a real HTTP server on loopback. Every signature is
verified with the Standard Webhooks library, and each event arrives once, after an outage
of the receiver and its recovery."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from jobs import tasks
from portal.models import Grievance, Outbox
from portal.services import api_clients
from portal.services.grievances import clocks, verbs
from tests.conftest import free_port
from tests.test_api import CANARY, auth, body


def verified(secret: str, headers: dict, data: bytes) -> bool:
    """The Standard Webhooks check, with the library: the signature it makes for this id,
    timestamp and body is among those sent. (Its verify() also refuses timestamps five
    minutes from the wall clock, which the tests never read: the portal signs with its own
    clock, which is the test's.)"""
    moment = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], moment, data.decode())
    return expected in headers["webhook-signature"].split(" ")


class Receiver:
    """A plain HTTP server that keeps what it is sent, or answers 503 while `down`."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.down = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.down:
                    self.send_response(503)
                else:
                    receiver.received.append(
                        ({k.lower(): v for k, v in self.headers.items()}, data)
                    )
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def insecure_hooks(app):
    """Plain http to loopback: the receiver is on this machine (refused in production)."""
    app.config["WEBHOOK_ALLOW_INSECURE"] = True
    yield
    app.config["WEBHOOK_ALLOW_INSECURE"] = False


def test_each_event_arrives_once_signed_after_an_outage(
    app, client, programs, staff, receiver, insecure_hooks, work_jobs, clock, smtp_server
):
    from portal.clock import utcnow

    _client, key = api_clients.create("Ombudsman", [programs["ct-dental"]], True, None, utcnow())
    made = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["received", "acknowledged", "overdue",
                                              "escalated", "resolved"]},
        headers=auth(key),
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    secret = made.get_json()["secret"]
    assert client.get("/api/v1/webhooks", headers=auth(key)).get_json()[0]["url"] == receiver.url
    assert "secret" not in client.get("/api/v1/webhooks", headers=auth(key)).get_json()[0]

    # The receiver is down: the complaint is filed, its delivery fails and waits.
    receiver.down = True
    filed = client.post(
        "/api/v1/grievances",
        json=body("ct-dental", "omb-1", member_email="member@example.org"),
        headers=auth(key),
    ).get_json()
    work_jobs(allow_failures=True)  # the acknowledgment mail, and the webhooks
    waiting = Outbox.objects(kind="webhook")
    assert waiting.count() == 2 and {m.status for m in waiting} == {"failed"}
    assert receiver.received == []

    # It recovers; the relay sends both once their back-off has passed, and again nothing.
    # (The failed jobs of the outage stay among rq's failed jobs: the outbox is the record.)
    receiver.down = False
    for _ in range(2):
        clock.move(minutes=2)
        with app.app_context():
            tasks.relay()
        work_jobs(allow_failures=True)
    assert {m.status for m in Outbox.objects(kind="webhook")} == {"sent"}

    grievance = Grievance.objects.get(reference=filed["reference"])
    manager = staff["manager"]
    verbs.escalate(grievance, by=staff["csr"], now=clock.now(), reason="No answer yet")
    clock.move(days=40)  # past the resolution clock
    clocks.refresh_overdue(clock.now())
    clocks.refresh_overdue(clock.now())  # a second run announces nothing new
    grievance.reload()
    verbs.resolve(grievance, by=manager, now=clock.now(), summary="The office apologised.")
    for _ in range(2):
        with app.app_context():
            tasks.relay()
        work_jobs(allow_failures=True)
    assert {m.status for m in Outbox.objects(kind="webhook")} == {"sent"}

    seen = Counter()
    for headers, data in receiver.received:
        assert verified(secret, headers, data)
        payload = json.loads(data)
        assert payload["data"]["reference"] == filed["reference"]
        seen[payload["type"]] += 1
    ids = [headers["webhook-id"] for headers, _ in receiver.received]
    assert len(ids) == len(set(ids)), "a delivery repeated"
    overdue = seen.pop("grievance.overdue")
    assert seen == {
        "grievance.received": 1,
        "grievance.acknowledged": 1,
        "grievance.escalated": 1,
        "grievance.resolved": 1,
    }, seen
    assert overdue >= 1  # one per clock that went past due
    everything = b"".join(data for _h, data in receiver.received).decode()
    assert CANARY not in everything and "WEX-0042" not in everything
    # A tampered body, or another secret, fails verification.
    headers, data = receiver.received[0]
    assert not verified(secret, headers, data.replace(b"ct-dental", b"md-hmo"))
    assert not verified("whsec_" + "A" * 43 + "=", headers, data)
    print(
        f"webhooks: {len(receiver.received)} delivered after an outage, each once, all "
        f"signatures verified; events {dict(seen, **{'grievance.overdue': overdue})}"
    )


def test_a_subscription_is_checked(app, client, programs):
    from portal.clock import utcnow

    _client, key = api_clients.create("Partner", [programs["md-hmo"]], False, None, utcnow())
    for sent, field in (
        ({"url": "http://127.0.0.1:9/x", "events": ["received"]}, "url"),  # not https
        ({"url": "https://example.org/x", "events": ["deleted"]}, "events"),
        ({"url": "https://user:pw@example.org/x", "events": ["received"]}, "url"),
        ({"url": "ftp://example.org/x", "events": ["received"]}, "url"),
    ):
        answer = client.post("/api/v1/webhooks", json=sent, headers=auth(key))
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["errors"][0]["field"].startswith(field)
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "https://example.org/hooks", "events": ["resolved"]},
        headers=auth(key),
    ).get_json()
    gone = client.delete(f"/api/v1/webhooks/{made['id']}", headers=auth(key))
    assert gone.status_code == 204
    assert client.get("/api/v1/webhooks", headers=auth(key)).get_json() == []
    # Removed once: a second removal finds nothing.
    assert client.delete(f"/api/v1/webhooks/{made['id']}", headers=auth(key)).status_code == 404
