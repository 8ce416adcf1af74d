"""Issue 20: mail that delivers. Each message carries Date and a Message-ID made from its
outbox key, is marked automatic (RFC 3834), and parses under email.policy.strict."""

import email
import email.policy
from datetime import UTC, datetime, timedelta

from portal.mail import FileTransport
from portal.models import Outbox
from portal.services.mail import outbox


def test_a_sent_message_parses_strictly_with_date_and_message_id(app, tmp_path):
    written = datetime(2026, 11, 18, 15, 0, 7, tzinfo=UTC)
    stored = outbox.put(
        "digest:someone:2026-11-18",
        "digest",
        "staff@plan.example",
        "Your records today",
        "Overdue: 1",
        "<p>Overdue: 1</p>",
        written,
    )
    transport = FileTransport(tmp_path)
    sender = "grievances@plan.example"
    assert outbox.deliver(stored.pk, transport, sender, written + timedelta(minutes=3))
    (eml,) = tmp_path.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.strict)
    assert message["Date"].datetime == written  # when it was written, not when sent
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(
        "@plan.example>"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    # A second delivery of the same outbox message is the same message to the receiver.
    again = Outbox.objects.get(pk=stored.pk)
    rebuilt = outbox.message_for(again, sender)
    assert rebuilt["Message-ID"] == message["Message-ID"]
