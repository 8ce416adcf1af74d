"""What members can read (issue 17): each program's contact lines on every member page and
message, in English and Spanish, and the program's written complaint procedure, versioned
from draft to approved to published to superseded, readable as it stood on any day."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.models import Grievance, Letter, Outbox, ProcedureVersion
from portal.services import procedures
from tests.browser import phone_context, serious_accessibility_problems
from tests.helpers import file_complaint

CT_LINE = "1-855-CT-DENTAL (1-855-283-3682)"


def test_every_member_page_gives_a_number_to_call(client, programs):
    form = client.get("/complaint").text
    for number in (CT_LINE, "719-380-1100", "719-601-9991", "1-800-492-6116"):
        assert number in form
    assert 'href="tel:18552833682"' in form  # one tap dials it on a phone
    assert "Monday to Friday, 8 AM to 5 PM" in form
    assert CT_LINE in client.get("/complaint/ct-dental").text
    assert "719-380-1100" not in client.get("/complaint/ct-dental").text  # that plan's lines
    received = file_complaint(client)
    assert CT_LINE in received.text and "/complaint/procedure/ct-dental" in received.text
    assert CT_LINE in client.get("/complaint/status").text


def test_the_lines_read_in_spanish(client, programs):
    form = client.get("/complaint?lang=es").text
    assert "Centro de llamadas para clientes" in form
    assert "de lunes a viernes, de 8 a. m. a 5 p. m." in form
    assert "Necesidades inmediatas: línea principal de Pueblo" in form
    assert "Para hablar con alguien" in form


def test_the_acknowledgment_and_every_letter_end_with_the_lines(client, programs):
    file_complaint(client)  # with an e-mail address
    ack = Outbox.objects.get(kind="acknowledgment")
    assert "To talk to someone:" in ack.text and CT_LINE in ack.text
    file_complaint(client, email="", address="1 Elm St", preferred_contact="post", lang="es")
    client.get("/complaint?lang=es")
    file_complaint(
        client, program="md-hmo", email="", address="2 Oak Ave", preferred_contact="post"
    )
    letter = Letter.objects.get(grievance=Grievance.objects.get(program=programs["md-hmo"]))
    assert "Para hablar con alguien:" in letter.text
    assert (
        "Administración de Seguros de Maryland" in letter.text and "1-800-492-6116" in letter.text
    )


def _now():
    return datetime(2026, 11, 18, 15, tzinfo=UTC)


def test_a_maryland_procedure_goes_from_draft_to_superseded_and_each_day_has_its_version(
    programs, staff, client
):
    md, admin = programs["md-hmo"], staff["admin"]
    first = procedures.in_force(md, _now())
    assert first.number == 1 and first.status == "published"  # the seed's version 1
    # A revision: drafted, edited, approved by the Department, then published.
    draft = procedures.write_draft(
        md, title="Our complaint procedure", text="Version two.", by=admin, now=_now()
    )
    assert (draft.number, draft.status) == (2, "draft")
    again = procedures.write_draft(
        md, title="Our complaint procedure", text="Version two, edited.", by=admin, now=_now()
    )
    assert again.pk == draft.pk  # one draft at a time
    with pytest.raises(procedures.ProcedureError, match="only an approved version"):
        procedures.publish(again, by=admin, now=_now())
    with pytest.raises(procedures.ProcedureError, match="still to come"):
        procedures.record_approval(
            again, approved_on=date(2026, 12, 1), note=None, by=admin, now=_now()
        )
    procedures.record_approval(
        again, approved_on=date(2026, 11, 10), note="letter 26-114", by=admin, now=_now()
    )
    assert client.get("/complaint/procedure/md-hmo").text.count("Version two") == 0  # not yet
    published_at = _now() + timedelta(days=2)
    procedures.publish(again.reload(), by=admin, now=published_at)
    statuses = {v.number: v.status for v in ProcedureVersion.objects(program=md)}
    assert statuses == {1: "superseded", 2: "published"}
    # Which text was in force when.
    assert procedures.in_force(md, _now()).number == 1
    assert procedures.in_force(md, published_at + timedelta(seconds=1)).number == 2
    assert procedures.in_force(md, datetime(2025, 1, 1, tzinfo=UTC)) is None
    # The pages say the same.
    today = client.get("/complaint/procedure/md-hmo", query_string={"on": "2026-11-30"}).text
    assert "Version two, edited." in today and "November 10, 2026" in today
    before = client.get("/complaint/procedure/md-hmo", query_string={"on": "2026-11-18"}).text
    assert "Maryland Insurance Administration at 1-800-492-6116" in before
    assert "This version is no longer in force." in before
    old = client.get("/complaint/procedure/md-hmo", query_string={"version": "1"})
    assert old.status_code == 200 and "Complaint Department" in old.text
    assert (
        client.get("/complaint/procedure/md-hmo", query_string={"version": "9"}).status_code == 404
    )
    assert client.get("/complaint/procedure/md-hmo", query_string={"on": "soon"}).status_code == 400


def test_the_maryland_procedure_says_what_comar_asks(client, programs):
    page = client.get("/complaint/procedure/md-hmo").text
    for part in (
        "Who can make a complaint",  # enrollees, families, providers
        "Complaint Department",  # the department to contact
        "410-555-0160",  # its telephone
        "How we investigate",
        "within 60 days",
        "1-800-492-6116",  # the Maryland Insurance Administration
    ):
        assert part in page, part
    spanish = client.get("/complaint/procedure/md-hmo?lang=es").text
    assert "Cómo investigamos" in spanish and "60 días" in spanish


def test_on_a_phone_a_member_finds_the_number_and_opens_the_procedure(
    live_server, programs, browser, shots
):
    for locale, lang, heading in (
        ("en-US", "en", "To talk to someone"),
        ("es-US", "es", "Para hablar con alguien"),
    ):
        context = phone_context(browser, locale=locale)
        page = context.new_page()
        page.goto(f"{live_server}/complaint/md-hmo?lang={lang}")
        assert page.locator("h2#contact-heading").inner_text() == heading
        assert page.locator(".contact-lines a[href^='tel:']").count() >= 2
        page.locator("a[href='/complaint/procedure/md-hmo']").first.click()
        page.wait_for_selector("article.procedure h1")
        assert "1-800-492-6116" in page.inner_text("article.procedure")
        # Nothing wider than the phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shots(page, f"procedure-{lang}")
        assert serious_accessibility_problems(page) == []
        context.close()


def test_an_administrator_takes_a_revision_through_the_screens(sign_in, programs, client):
    from tests.helpers import csrf_token

    admin = sign_in("admin")
    page = admin.get("/admin/procedures/?program=md-hmo")
    assert page.status_code == 200 and "Draft the next version" in page.text
    token = csrf_token(page.text)
    form = {"program": "md-hmo", "csrf_token": token}
    saved = admin.post(
        "/admin/procedures/draft",
        data={**form, "title": "Our procedure", "text": "## Revised\nNew words."},
        follow_redirects=True,
    )
    assert "Draft of version 2 saved." in saved.text
    refused = admin.post(
        "/admin/procedures/approve",
        data={**form, "number": "2", "approved_on": "next week"},
        follow_redirects=True,
    )
    assert "is not a date" in refused.text
    admin.post(
        "/admin/procedures/approve",
        data={**form, "number": "2", "approved_on": "2026-11-16", "note": "letter 7"},
    )
    done = admin.post(
        "/admin/procedures/publish", data={**form, "number": "2"}, follow_redirects=True
    )
    assert "Version 2 is published" in done.text
    assert "New words." in client.get("/complaint/procedure/md-hmo").text
    from portal.models import AuditEvent

    assert {e.action for e in AuditEvent.objects(target="md-hmo v2")} == {
        "procedure drafted",
        "procedure approval recorded",
        "procedure published",
    }
    manager = sign_in("manager")
    seen = manager.get("/admin/procedures/?program=md-hmo")
    assert seen.status_code == 200 and "Save the draft" not in seen.text
    token = csrf_token(manager.get("/admin/intake/ct-dental/").text)  # their own session's
    theirs = {"program": "md-hmo", "csrf_token": token, "title": "x", "text": "y"}
    assert manager.post("/admin/procedures/draft", data=theirs).status_code == 403


def test_the_home_and_error_pages_give_the_numbers_too(client, programs):
    assert CT_LINE in client.get("/").text
    missing = client.get("/complaint/nowhere")
    assert missing.status_code == 404 and CT_LINE in missing.text
    assert CT_LINE not in client.get("/admin/nowhere").text  # staff pages do not
