"""The public form through the real app: good input stored, bad input answered clearly."""

import re

import pytest

from portal.models import Grievance, Outbox
from tests.helpers import csrf_token, file_complaint


def test_form_page_lists_live_programs(client, programs):
    page = client.get("/complaint")
    assert page.status_code == 200
    for name in ("Connecticut dental plan", "Iowa Medicaid escalations"):
        assert name in page.text
    fixed = client.get("/complaint/md-hmo")
    assert '<option selected value="md-hmo">' in fixed.text
    assert client.get("/complaint/no-such-plan").status_code == 404


def test_a_good_submission_is_stored_with_its_narrative_and_clocks(live_server, programs):
    response, _ = file_complaint(live_server)
    assert response.status_code == 200
    reference = re.search(r"G-\d{4}-(\d{6})", response.text).group(0)
    grievance = Grievance.objects.get(reference=reference)
    assert grievance.status == "received" and grievance.is_open
    assert grievance.narratives[0].kind == "intake"
    assert grievance.next_due_at == min(c.due_at for c in grievance.clocks)
    assert grievance.retain_until.year >= grievance.received_at.year + 10
    # The acknowledgment waits in the outbox, keyed by the reference: never twice.
    assert Outbox.objects(key=f"ack:{reference}").count() == 1


def test_references_are_unique_and_sequential(live_server, programs):
    refs = [
        re.search(r"G-\d{4}-\d{6}", file_complaint(live_server)[0].text).group(0) for _ in range(3)
    ]
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("member_name", "", "Please give the member"),
        ("description", "", "Please tell us what happened."),
        ("description", "x" * 5001, "under 5,000 characters"),
        ("email", "not-an-address", "Please check the e-mail address"),
        ("phone", "call me", "Please enter a phone number"),
        ("program", "", "Please choose the plan."),
        ("program", "nope", "Please choose one of the plans in the list."),
        ("member_id", "<script>", "Use only letters, numbers and dashes."),
    ],
)
def test_bad_input_comes_back_with_a_message_and_what_was_typed(
    live_server, programs, field, value, message
):
    fields = {"member_name": "Typed Name Kept", field: value}
    response, _ = file_complaint(live_server, **fields)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    if field != "member_name":
        assert "Typed Name Kept" in response.text
    assert Grievance.objects.count() == 0


def test_operators_and_markup_are_stored_as_text(live_server, programs):
    payload = '{"$ne": null} <script>alert(1)</script>'
    response, _ = file_complaint(
        live_server, member_name='{"$gt": ""}', description=payload, **{"member_id[$gt]": ""}
    )
    assert response.status_code == 200
    grievance = Grievance.objects.get()
    assert grievance.member.name == '{"$gt": ""}'
    assert grievance.intake_text() == payload


def test_missing_csrf_token_is_refused(client, programs):
    response = client.post(
        "/complaint", data={"program": "ct-dental", "member_name": "A", "description": "B"}
    )
    assert response.status_code == 400
    assert Grievance.objects.count() == 0


def test_honeypot_stores_nothing_but_looks_normal(live_server, programs):
    response, _ = file_complaint(live_server, website="http://spam.example")
    assert response.status_code == 200
    assert Grievance.objects.count() == 0


def test_oversized_body_is_refused_without_a_500(client, programs):
    page = client.get("/complaint")
    response = client.post(
        "/complaint", data={"csrf_token": csrf_token(page.text), "description": "x" * 300_000}
    )
    assert response.status_code == 413


def test_submission_lands_when_the_queue_is_down(live_server, programs, redis_server, app):
    """Stored first: with Redis stopped the member still gets a reference; the relay sends
    the acknowledgment once Redis is back."""
    redis_server.stop()
    try:
        response, _ = file_complaint(live_server)
        assert response.status_code == 200
        reference = re.search(r"G-\d{4}-\d{6}", response.text).group(0)
        assert Grievance.objects(reference=reference).count() == 1
        assert Outbox.objects.get(key=f"ack:{reference}").status == "pending"
    finally:
        redis_server.start()
    from jobs.tasks import relay

    with app.app_context():
        summary = relay()
    assert summary == {"waiting": 1, "queued": 1}


def test_the_acknowledgment_mail_meets_the_acknowledgment_clock(
    live_server, programs, portal_env, smtp_server
):
    from tests.conftest import run_portal

    response, _ = file_complaint(live_server, email="member@example.org")
    reference = re.search(r"G-\d{4}-\d{6}", response.text).group(0)
    result = run_portal(portal_env, "worker", "--burst")
    assert result.returncode == 0, result.stderr[-2000:]
    mails = [m for rcpt, m in smtp_server.messages if rcpt == ["member@example.org"]]
    assert len(mails) == 1 and reference in mails[0]["Subject"]
    body = mails[0].get_body(("plain",)).get_content()
    assert "instruments" not in body  # the complaint's own words stay out of mail
    grievance = Grievance.objects.get(reference=reference)
    ack = next(c for c in grievance.clocks if c.name == "acknowledgment")
    assert ack.met_at is not None
    assert any("acknowledged: acknowledgment met" in h.detail for h in grievance.history)
