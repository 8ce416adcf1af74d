"""The public form through the real app: good input stored, bad input answered clearly."""

import re

import pytest

from portal.models import Grievance, Outbox
from tests.helpers import FULL_COMPLAINT, csrf_token, file_complaint


def test_form_page_lists_live_programs_and_a_url_fixes_one(client, programs):
    page = client.get("/complaint")
    assert page.status_code == 200
    for name in ("Connecticut dental plan", "Iowa Medicaid escalations"):
        assert name in page.text
    fixed = client.get("/complaint/md-hmo")
    assert '<input type="hidden" name="program" value="md-hmo">' in fixed.text
    assert "Maryland HMO quality of care" in fixed.text
    assert client.get("/complaint/no-such-plan").status_code == 404
    # The URL decides the plan: a posted one changes nothing.
    form = client.get("/complaint/md-hmo")
    response = client.post(
        "/complaint/md-hmo",
        data={
            "program": "ct-dental",
            "member_name": "A Member",
            "age_group": "adult",
            "description": "x",
            "csrf_token": csrf_token(form.text),
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert Grievance.objects.get().program.slug == "md-hmo"


def test_everything_the_member_says_is_kept(client, programs):
    from portal.models import Provider

    npi = "1234567893"  # a valid check digit
    Provider(name="Bright Smile Dental", npi=npi, program=programs["ct-dental"]).save()
    response = file_complaint(
        client,
        filed_by="representative",
        caller_name="Marta Quill",
        caller_phone="860-555-0199",
        caller_relationship="mother",
        birth_date="2015-06-01",
        age_group="",
        preferred_contact="e-mail",
        contact_times="weekday mornings",
        provider_city="Hartford",
        provider_npi=npi,
        incident_date="11/02/2026",
        desired_resolution="An apology and a refund.",
    )
    assert response.status_code == 200, response.text[:2000]
    grievance = Grievance.objects.get()
    assert grievance.filed_by == "representative"
    assert (grievance.caller.name, grievance.caller.phone, grievance.caller.relationship) == (
        "Marta Quill",
        "860-555-0199",
        "mother",
    )
    assert str(grievance.member.birth_date) == "2015-06-01"
    assert grievance.member.age_group == "child"  # under 21, from the date of birth
    assert grievance.member.preferred_contact == "e-mail"
    assert grievance.member.contact_times == "weekday mornings"
    assert grievance.provider.npi == npi  # a known NPI links the provider
    assert (grievance.provider_city, grievance.provider_npi) == ("Hartford", npi)
    assert str(grievance.incident_date) == "2026-11-02"
    assert grievance.desired_resolution == "An apology and a refund."
    assert grievance.consent_to_contact is True
    assert grievance.language == "en"
    assert grievance.state_form_offered is True  # the confirmation page offers the DPH form
    assert grievance.needs_review is False and grievance.level is None


def test_a_good_submission_is_stored_with_its_narrative_and_clocks(client, programs):
    response = file_complaint(client)
    assert response.status_code == 200
    reference = re.search(r"G-\d{4}-(\d{6})", response.text).group(0)
    grievance = Grievance.objects.get(reference=reference)
    assert grievance.status == "received" and grievance.is_open
    assert grievance.narratives[0].kind == "intake"
    assert grievance.next_due_at == min(c.due_at for c in grievance.clocks)
    assert grievance.retain_until.year >= grievance.received_at.year + 10
    # The acknowledgment waits in the outbox, keyed by the reference: never twice.
    assert Outbox.objects(key=f"ack:{reference}").count() == 1


def test_references_are_unique_and_sequential(client, programs):
    refs = [re.search(r"G-\d{4}-\d{6}", file_complaint(client).text).group(0) for _ in range(3)]
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
        ("member_id", "A" * 41, "at most 40 characters"),
        ("member_name", "x" * 201, "under 200 characters"),
        ("age_group", "", "say whether the member is an adult or a child"),
        ("age_group", "elder", "Not a valid choice"),
        ("birth_date", "31/31/2000", "month/day/year"),
        ("birth_date", "2099-01-01", "Please check the date of birth."),
        ("incident_date", "2099-01-01", "This date is in the future"),
        ("incident_date", "yesterday", "month/day/year"),
        ("provider_npi", "1234567890", "An NPI is 10 digits; please check it"),
        ("provider_npi", "12345678901", "An NPI is 10 digits."),
        ("provider_name", "x" * 201, "Please keep this short."),
        ("provider_city", "x" * 101, "Please keep this short."),
        ("contact_times", "x" * 201, "Please keep this short."),
        ("desired_resolution", "x" * 2001, "under 2,000 characters"),
        ("caller_phone", "nope", "Please enter a phone number"),
        ("filed_by", "provider office", "as you are filing for someone"),
        ("filed_by", "the mayor", "Not a valid choice"),
        ("email", "", "Please give an e-mail address so that we can write to you."),
    ],
)
def test_bad_input_comes_back_with_a_message_and_what_was_typed(
    client, programs, field, value, message
):
    fields = {"member_name": "Typed Name Kept", field: value}
    if field == "email":
        fields["preferred_contact"] = "e-mail"
    response = file_complaint(client, **fields)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    if field != "member_name":
        assert "Typed Name Kept" in response.text
    assert Grievance.objects.count() == 0


def test_operators_and_markup_are_stored_as_text(client, programs):
    payload = '{"$ne": null} <script>alert(1)</script>'
    response = file_complaint(
        client, member_name='{"$gt": ""}', description=payload, **{"member_id[$gt]": ""}
    )
    assert response.status_code == 200
    grievance = Grievance.objects.get()
    assert grievance.member.name == '{"$gt": ""}'
    assert grievance.intake_text() == payload


def test_missing_csrf_token_is_refused(client, programs):
    response = client.post(
        "/complaint",
        data={"program": "ct-dental", "member_name": "A", "description": "B"},
        follow_redirects=True,
    )
    assert response.status_code == 400
    assert Grievance.objects.count() == 0


def test_honeypot_stores_nothing_but_looks_normal(client, programs):
    response = file_complaint(client, website="http://spam.example")
    assert response.status_code == 200
    assert Grievance.objects.count() == 0


def test_oversized_body_is_refused_without_a_500(client, programs):
    page = client.get("/complaint")
    response = client.post(
        "/complaint",
        data={"csrf_token": csrf_token(page.text), "description": "x" * 300_000},
        follow_redirects=True,
    )
    assert response.status_code == 413


def test_submission_lands_when_the_queue_is_down(
    client, programs, redis_server, app, work_jobs, smtp_server
):
    """Stored first: with Redis stopped the member still gets a reference; the relay sends
    the acknowledgment once Redis is back."""
    redis_server.stop()
    try:
        response = file_complaint(client)
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
    work_jobs()
    # Once back, the relay and the worker running again send nothing a second time.
    with app.app_context():
        assert relay() == {"waiting": 0, "queued": 0}
    work_jobs()
    sent = [m for rcpt, m in smtp_server.messages if reference in m["Subject"]]
    assert len(sent) == 1 and sent[0]["To"] == "member@example.org"
    assert Outbox.objects.get(key=f"ack:{reference}").status == "sent"


def test_the_acknowledgment_mail_meets_the_acknowledgment_clock(
    client, programs, work_jobs, smtp_server
):
    response = file_complaint(client, email="member@example.org")
    reference = re.search(r"G-\d{4}-\d{6}", response.text).group(0)
    work_jobs()
    mails = [m for rcpt, m in smtp_server.messages if rcpt == ["member@example.org"]]
    assert len(mails) == 1 and reference in mails[0]["Subject"]
    body = mails[0].get_body(("plain",)).get_content()
    assert "instruments" not in body  # the complaint's own words stay out of mail
    grievance = Grievance.objects.get(reference=reference)
    ack = next(c for c in grievance.clocks if c.name == "acknowledgment")
    assert ack.met_at is not None
    assert any("acknowledged: acknowledgment met" in h.detail for h in grievance.history)


FORM_FIELDS = (
    "program",
    "filed_by",
    "caller_name",
    "caller_phone",
    "caller_relationship",
    "member_name",
    "member_id",
    "birth_date",
    "age_group",
    "phone",
    "email",
    "preferred_contact",
    "contact_times",
    "provider_name",
    "provider_city",
    "provider_npi",
    "description",
    "incident_date",
    "desired_resolution",
    "consent",
)


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_operators_in_any_field_are_text_or_refused_never_interpreted(client, programs, field):
    """A MongoDB operator, as JSON text or as a bracketed field name, in each field."""
    operator = '{"$ne": null}'
    extra = {"filed_by": "representative", "caller_name": "Helper"} if "caller" in field else {}
    response = file_complaint(client, **{**extra, field: operator, f"{field}[$gt]": ""})
    assert response.status_code in (200, 400), response.status_code
    stored = list(Grievance.objects)
    if response.status_code == 400:
        assert not stored and "Please check these answers" in response.text
        return
    # Stored: the operator is text in the field it was typed into, and queries on that field
    # treat it as text too.
    (grievance,) = stored
    raw = Grievance._get_collection().find_one({"_id": grievance.pk})
    assert operator in str(raw) or field in ("consent",)
    assert not any(key.startswith("$") or "[" in key for key in _all_keys(raw))


def _all_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _all_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _all_keys(inner)


def test_an_expired_form_comes_back_with_what_was_typed(client, programs):
    response = file_complaint(client, csrf_token="stale-token", description="Typed story kept")
    assert response.status_code == 400
    assert "open for a long time" in response.text
    assert "Typed story kept" in response.text
    assert Grievance.objects.count() == 0
    # The page carries a fresh token: sending it again works.
    again = client.post(
        "/complaint",
        data={**FULL_COMPLAINT, "csrf_token": csrf_token(response.text)},
        follow_redirects=True,
    )
    assert again.status_code == 200 and Grievance.objects.count() == 1


def test_spanish_by_browser_or_link_and_the_acknowledgment_follows(
    client, programs, work_jobs, smtp_server
):
    by_browser = client.get("/complaint", headers={"Accept-Language": "es-US,es;q=0.9"})
    assert '<html lang="es">' in by_browser.text and "Presentar una queja" in by_browser.text
    session = client
    session.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US"
    assert '<html lang="en">' in session.get("/complaint").text
    chosen = session.get("/complaint?lang=es")
    assert '<html lang="es">' in chosen.text
    # The choice sticks for the session, and the staff pages stay in English.
    assert "Consultar una queja" in session.get("/complaint/status").text
    assert "Sign in" in session.get("/login").text

    bad = session.post(
        "/complaint",
        data={"csrf_token": csrf_token(chosen.text), "program": "ct-dental"},
        follow_redirects=True,
    )
    assert bad.status_code == 400
    assert "Cuéntenos qué pasó." in bad.text and "Díganos el nombre del miembro." in bad.text

    good = session.post(
        "/complaint",
        data={
            "csrf_token": csrf_token(chosen.text),
            "program": "ct-dental",
            "filed_by": "member",
            "member_name": "Luz Ortiz",
            "age_group": "adult",
            "email": "luz@example.org",
            "description": "La recepcionista fue grosera.",
        },
        follow_redirects=True,
    )
    assert good.status_code == 200 and "Hemos recibido su queja" in good.text
    assert "Departamento de Salud Pública de Connecticut" in good.text
    reference = re.search(r"G-\d{4}-\d{6}", good.text).group(0)
    assert Grievance.objects.get(reference=reference).language == "es"
    work_jobs()
    (mail,) = [m for rcpt, m in smtp_server.messages if rcpt == ["luz@example.org"]]
    assert mail["Subject"] == f"Recibimos su queja ({reference})"
    body = mail.get_body(("plain",)).get_content()
    assert "Su número de referencia es" in body and "grosera" not in body


def _promised(grievance, event):
    from babel.dates import format_date

    zone = grievance.program.calendar().zone
    due = min(c.due_at for c in grievance.clocks if c.met_by == event)
    return format_date(due.astimezone(zone).date(), "long", locale="en")


@pytest.mark.parametrize(
    ("slug", "route"),
    [
        ("ct-dental", "Connecticut Department of Public Health"),
        ("md-hmo", "Maryland Insurance Administration at 1-800-492-6116"),
        ("ia-escalations", None),
    ],
)
def test_the_confirmation_says_what_happens_next_and_by_when(client, programs, slug, route):
    response = file_complaint(client, program=slug)
    assert response.status_code == 200
    grievance = Grievance.objects.get()
    text = response.text.replace("&#39;", "'")
    assert grievance.reference in text
    ack = _promised(grievance, "acknowledged")
    assert f"received your complaint by <strong>{ack}</strong>" in text
    decision = _promised(grievance, "resolved")  # the earliest of the program's resolution clocks
    assert f"what we decided by <strong>{decision}</strong>" in text
    if route:
        assert route in text
        assert grievance.state_form_offered is True
    else:
        assert "Other places you can go" not in text
        assert grievance.state_form_offered is None


def test_words_of_a_serious_matter_mark_the_record_and_alert_senior_management(
    client, programs, staff
):
    from portal.models import Outbox
    from portal.services.grievances.verbs import classify

    response = file_complaint(
        client, description="The dentist hit me and I had to go to the emergency room."
    )
    assert response.status_code == 200
    grievance = Grievance.objects.get()
    assert grievance.needs_review and grievance.level == "III"
    assert grievance.triage.matters == ["violence", "emergency"]
    assert {c.name for c in grievance.clocks} >= {"senior management alert", "office contact"}
    alerts = list(Outbox.objects(kind="alert").order_by("recipient"))
    assert [a.recipient for a in alerts] == ["director@staff.test", "provider_relations@staff.test"]
    assert "hit me" not in alerts[0].text and "Canary" not in alerts[0].text
    assert alerts[0].subject.startswith("Possible Level III")

    # Staff review: changing the level clears the mark and says so in the history.
    classify(grievance, by=staff["manager"], now=grievance.received_at, level="II")
    grievance.reload()
    assert not grievance.needs_review and grievance.level == "II"
    assert grievance.triage.reviewed_by == staff["manager"]
    assert any(h.detail == "level changed from III to II" for h in grievance.history)


def test_triage_reads_spanish_and_programs_without_levels(client, programs, staff):
    from portal.models import Outbox

    response = file_complaint(
        client, program="co-cma", description="Me tocó de forma sexual durante la visita."
    )
    assert response.status_code == 200
    grievance = Grievance.objects.get()
    assert grievance.needs_review and grievance.level is None
    assert grievance.triage.matters == ["sexual contact"]
    assert Outbox.objects(kind="alert").count() == 1


def _post_from(client, address, **fields):
    page = client.get("/complaint", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/complaint",
        data={"csrf_token": csrf_token(page.text), **fields},
        environ_base={"REMOTE_ADDR": address},
    )


def test_too_many_submissions_from_one_address_get_a_polite_refusal(app, client, programs):
    limit = int(app.config["COMPLAINT_RATE_LIMIT"].split()[0])
    answers = [_post_from(client, "203.0.113.7").status_code for _ in range(limit + 1)]
    assert answers[:limit] == [400] * limit  # counted even when the form comes back
    assert answers[limit] == 429
    refused = _post_from(client, "203.0.113.7")
    assert refused.status_code == 429 and "Please wait an hour" in refused.text
    assert "Traceback" not in refused.text
    assert _post_from(client, "203.0.113.8").status_code == 400  # others are not affected
    assert client.get("/complaint", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


def test_the_limit_holds_while_redis_is_down(app, client, programs, redis_server):
    limit = int(app.config["COMPLAINT_RATE_LIMIT"].split()[0])
    redis_server.stop()
    try:
        answers = [_post_from(client, "198.51.100.9").status_code for _ in range(limit + 1)]
    finally:
        redis_server.start()
    assert 500 not in answers
    assert answers[-1] == 429  # counted in memory until Redis is back


def test_a_choice_of_only_spaces_is_no_choice(client, programs):
    """Found by the fuzzing once it ran in process: " " passed Optional() and the record
    refused it (a 500)."""
    response = file_complaint(client, preferred_contact=" ", age_group=" ", birth_date="1980-03-25")
    assert response.status_code == 200
    member = Grievance.objects.get().member
    assert member.preferred_contact is None and member.age_group == "adult"
    refused = file_complaint(client, age_group=" ")
    assert refused.status_code == 400 and "adult or a child" in refused.text
