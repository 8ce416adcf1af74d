"""Issue 20: one JSON object per log line, carrying the request's id, which a job the request
queued carries into the worker; still no member data."""

import io
import json
import logging

from portal import logs
from tests.helpers import COMPLAINT, csrf_token

CANARY = "Canary Quintessa"


def test_a_request_and_the_job_it_queued_log_the_same_id_as_json(
    app, programs, redis_server, work_jobs
):
    stream = io.StringIO()
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    logs.configure("json")
    root.handlers[0].stream = stream
    try:
        client = app.test_client()
        page = client.get("/complaint")
        answer = client.post(
            "/complaint",
            data={
                **COMPLAINT,
                "member_name": CANARY,
                "email": "quintessa@mail.example",
                "preferred_contact": "e-mail",
                "csrf_token": csrf_token(page.text),
            },
            headers={"X-Request-ID": "req-18-abc"},
        )
        assert answer.status_code == 302 and answer.headers["X-Request-ID"] == "req-18-abc"
        # A header that is not an id is replaced by one of the portal's own.
        other = client.get("/complaint", headers={"X-Request-ID": "<script>"})
        assert len(other.headers["X-Request-ID"]) == 32
        work_jobs()  # the acknowledgment, queued by that request
    finally:
        root.handlers[:], _ = before
        root.setLevel(before[1])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    stored = [line for line in lines if "stored for program" in line["message"]]
    sent = [line for line in lines if line["message"].startswith("outbox ")]
    assert stored and stored[0]["request_id"] == "req-18-abc"
    assert sent and all(line["request_id"] == "req-18-abc" for line in sent)
    assert CANARY not in stream.getvalue()
