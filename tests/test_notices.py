"""The written notices the federal rule owes every member (42 CFR 438.406 and 438.408): the
acknowledgment, the resolution and an extension's reason. Each is met by its own event (an
e-mail sent, a letter posted) and missed without it, with a frozen clock; the record, the
outbox or letter list, and the record universe show it; a letter is a PDF that renders."""

import io
import shutil
import subprocess
from datetime import timedelta

import openpyxl
import pytest

from portal.models import Grievance, Letter, Outbox
from portal.services.grievances.clocks import ClockError, is_late
from portal.services.grievances.verbs import extend_clock
from portal.services.mail import letters
from tests.helpers import csrf_token, file_complaint

ADDRESS = "12 Elm Street\nHartford, CT 06103"


def _clock(grievance, name):
    return next(c for c in Grievance.objects.get(pk=grievance.pk).clocks if c.name == name)


def _act(client, grievance, action, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-csrf_token"] = csrf_token(client.get("/login").text)
    return client.post(
        f"/admin/grievance/act/{action}/?id={grievance.pk}", data=data, follow_redirects=True
    )


def _post_letter(client, letter, on=None):
    # One token per session: the intake form, which everyone who posts letters may open.
    data = {"csrf_token": csrf_token(client.get("/admin/intake/ct-dental/").text)}
    if on:
        data["posted_on"] = on
    return client.post(f"/admin/letters/{letter.pk}/posted", data=data, follow_redirects=True)


def _file_by_post(client, **fields):
    """A member with no e-mail who asks to be written to."""
    answer = file_complaint(
        client,
        email="",
        address=ADDRESS,
        preferred_contact="post",
        **fields,
    )
    assert "We are also sending it to you by post." in answer.text, answer.text[:2000]
    return Grievance.objects.order_by("-received_at").first()


def test_the_form_asks_for_an_address_when_the_member_chooses_post(client, programs):
    answer = file_complaint(client, email="", preferred_contact="post")
    assert "Please give a postal address so that we can write to you." in answer.text
    assert Grievance.objects.count() == 0  # nothing half-saved


def test_an_acknowledgment_letter_is_met_the_day_it_is_posted_and_missed_without(
    client, programs, sign_in, clock
):
    grievance = _file_by_post(client)
    (letter,) = Letter.objects(grievance=grievance)
    assert letter.kind == "acknowledgment" and letter.event == "acknowledged"
    assert Outbox.objects(kind="acknowledgment").count() == 0  # no e-mail to send it to
    csr = sign_in("csr")
    page = csr.get("/admin/letters/")
    assert grievance.reference in page.text and "Mark posted" in page.text

    # Missed without it: five business days on, nothing posted, the clock is late.
    due = _clock(grievance, "acknowledgment").due_at
    assert is_late(_clock(grievance, "acknowledgment"), due + timedelta(minutes=1))

    # Posted two days after receipt: that day meets the clock.
    clock.move(days=2)
    csr = sign_in("csr")  # a new day, a new sign-in (sessions end when idle)
    done = _post_letter(csr, letter)
    assert f"{grievance.reference}: acknowledgment letter posted; acknowledgment met" in done.text
    met = _clock(grievance, "acknowledgment")
    assert met.met_at.date() == clock.now().date()
    assert not is_late(met, due + timedelta(days=30))
    assert grievance.reference not in csr.get("/admin/letters/").text  # off the list
    stored = Grievance.objects.get(pk=grievance.pk)
    assert any(h.action == "letter posted" for h in stored.history)
    # The letter as posted is kept with the record, a file like any other.
    (kept,) = [a for a in stored.attachments if a.kind == "letter"]
    assert kept.content_type == "application/pdf" and kept.name.startswith("acknowledgment-letter")
    # A second "posted" is refused, and says why.
    again = _post_letter(csr, Letter.objects.get(pk=letter.pk))
    assert "this letter was posted already" in again.text


def test_a_letter_posted_yesterday_counts_from_that_day_and_none_from_the_future(
    client, programs, sign_in, clock
):
    grievance = _file_by_post(client)
    letter = Letter.objects.get(grievance=grievance)
    csr = sign_in("csr")
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    assert "a day still to come" in _post_letter(csr, letter, tomorrow).text
    assert "is not a date" in _post_letter(csr, letter, "last tuesday").text
    clock.move(days=3)
    yesterday = (clock.now() - timedelta(days=1)).date().isoformat()
    _post_letter(sign_in("csr"), letter, yesterday)
    met = _clock(grievance, "acknowledgment").met_at
    assert met.date().isoformat() == yesterday


def test_a_letter_without_an_address_waits_for_one(client, programs, sign_in):
    file_complaint(client, email="", preferred_contact="phone")
    grievance = Grievance.objects.get()
    letter = Letter.objects.get(grievance=grievance)  # written notice, whatever the channel
    csr = sign_in("csr")
    assert "No postal address" in csr.get("/admin/letters/").text
    with pytest.raises(letters.LetterError, match="has no postal address"):
        letters.mark_posted(letter, by=None, now=letter.created_at + timedelta(hours=1))
    assert _clock(grievance, "acknowledgment").met_at is None


def test_the_resolution_notice_by_e_mail_tells_the_member_and_fills_the_universe(
    client, programs, sign_in, work_jobs, smtp_server, clock
):
    file_complaint(client)  # FULL_COMPLAINT has an e-mail address
    grievance = Grievance.objects.get()
    manager = sign_in("manager")
    work_jobs()  # the acknowledgment goes out
    smtp_server.clear()
    clock.move(days=3)
    manager = sign_in("manager")
    done = _act(manager, grievance, "resolve", summary="The office re-sterilised its kit.")
    assert "Resolved; the resolution notice is sent by e-mail." in done.text
    stored = Grievance.objects.get(pk=grievance.pk)
    # Not yet sent: the member has not been told.
    assert stored.member_told_at is None
    message = Outbox.objects.get(kind="resolution")
    assert message.recipient == "member@example.org" and message.event == "member told"
    assert "The office re-sterilised its kit." in message.text
    work_jobs()
    ((rcpt, sent),) = smtp_server.messages
    assert rcpt == ["member@example.org"]
    assert sent["Subject"] == f"The result of your complaint ({grievance.reference})"
    stored = Grievance.objects.get(pk=grievance.pk)
    assert stored.member_told_how == "e-mail" and stored.member_told_at is not None
    # The record universe's "member told" column, as a state reviewer reads it.
    auditor = sign_in("auditor")
    quarter = f"{clock.now().year}Q{(clock.now().month - 1) // 3 + 1}"
    sheet = openpyxl.load_workbook(
        io.BytesIO(
            auditor.get(f"/admin/reports/universe.xlsx?program=ct-dental&quarter={quarter}").data
        )
    ).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["member_told"].endswith("e-mail") and row["acknowledgment_method"] == "e-mail"
    assert "category" in header


def test_the_resolution_notice_by_post_is_told_when_posted(client, programs, sign_in, clock):
    grievance = _file_by_post(client)
    manager = sign_in("manager")
    _post_letter(manager, Letter.objects.get(kind="acknowledgment"))
    clock.move(days=1)
    manager = sign_in("manager")
    done = _act(manager, grievance, "resolve", summary="We spoke to the office.")
    assert "on the list of letters to post" in done.text
    letter = Letter.objects.get(kind="resolution")
    assert letter.event == "member told" and "We spoke to the office." in letter.text
    assert Grievance.objects.get(pk=grievance.pk).member_told_at is None  # not told yet
    clock.move(days=1)
    _post_letter(sign_in("manager"), letter)
    stored = Grievance.objects.get(pk=grievance.pk)
    assert stored.member_told_how == "post"
    assert stored.member_told_at.date() == clock.now().date()


def test_an_extension_is_14_days_in_all_needs_a_reason_and_owes_a_notice_in_2_days(
    app, client, programs, staff, clock
):
    grievance = _file_by_post(client)
    manager = staff["manager"]
    now = clock.now()
    with pytest.raises(ClockError, match="needs a reason"):
        extend_clock(
            grievance, "resolution", by=manager, now=now, rule="5 calendar days", reason=" "
        )
    with pytest.raises(ClockError, match="at most 14 calendar days"):
        extend_clock(
            grievance, "resolution", by=manager, now=now, rule="30 calendar days", reason="records"
        )
    before = _clock(grievance, "resolution").due_at
    extend_clock(
        grievance,
        "resolution",
        by=manager,
        now=now,
        rule="10 calendar days",
        reason="We are waiting for the office's records.",
    )
    assert _clock(grievance, "resolution").due_at - before == timedelta(days=10)
    notice = _clock(grievance, "extension notice")
    zone = grievance.program.calendar().zone
    # By the end of the second calendar day, in the program's time.
    assert (notice.due_at.astimezone(zone).date() - now.astimezone(zone).date()).days == 2
    letter = Letter.objects.get(kind="extension")
    assert "We are waiting for the office's records." in letter.text
    # 10 days used: 5 more would make 15.
    grievance.reload()
    with pytest.raises(ClockError, match="after 10 days already extended"):
        extend_clock(
            grievance,
            "resolution",
            by=manager,
            now=now,
            rule="5 calendar days",
            reason="more records",
        )
    # Missed without the notice: two days and a minute on, it is late.
    assert is_late(notice, notice.due_at + timedelta(minutes=1))
    # Met by posting the letter the next day.
    clock.move(days=1)
    with app.app_context():  # the posted letter is kept in the app's file store
        letters.mark_posted(letter, by=manager, now=clock.now())
    assert not is_late(_clock(grievance, "extension notice"), notice.due_at + timedelta(days=9))


def test_a_program_step_may_be_extended_without_the_federal_notice(client, programs, staff, clock):
    grievance = _file_by_post(client, program="md-hmo")
    extend_clock(
        grievance,
        "final response",
        by=staff["manager"],
        now=clock.now(),
        rule="30 calendar days",
        reason="The Department agreed.",
    )
    grievance.reload()
    assert not any(c.name.startswith("extension notice") for c in grievance.clocks)


def test_a_letter_pdf_renders_and_holds_only_what_the_notice_needs(
    client, programs, sign_in, tmp_path
):
    assert shutil.which("pdftoppm"), "pdftoppm missing: make test installs poppler-utils"
    grievance = _file_by_post(
        client, member_id="CANARY123456", description="Canary complaint words here."
    )
    letter = Letter.objects.get(grievance=grievance)
    csr = sign_in("csr")
    answer = csr.get(f"/admin/letters/{letter.pk}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(answer.data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    (page,) = list(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 2000  # a rendered page, not an empty one
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Connecticut Dental Health Partnership" in text  # the letterhead
    assert "1-855-CT-DENTAL" in text
    assert "Canary Zebediah Quill" in text and "12 Elm Street" in text
    assert grievance.reference in text
    # No more member data than the notice needs: no member ID, no complaint text.
    assert "CANARY123456" not in text and "Canary complaint words" not in text
    # Printing a letter with a member's name and address is in the audit trail.
    from portal.models import AuditEvent

    assert AuditEvent.objects(action="letter printed", target=grievance.reference).count() == 1
    # Who does not work records does not print letters.
    assert sign_in("auditor").get(f"/admin/letters/{letter.pk}.pdf").status_code == 403


def test_a_spanish_speaking_member_gets_the_letter_in_spanish(client, programs, tmp_path):
    client.get("/complaint?lang=es")
    grievance = _file_by_post_es(client)
    letter = Letter.objects.get(grievance=grievance)
    assert letter.language == "es" and letter.subject.startswith("Recibimos su queja")
    from portal.services.mail.letters import pdf

    out = tmp_path / "carta.pdf"
    out.write_bytes(pdf(letter, grievance.program.calendar().zone))
    text = subprocess.run(
        ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Recibimos su queja" in text and "Gracias" in text


def _file_by_post_es(client):
    file_complaint(client, email="", address=ADDRESS, preferred_contact="post")
    return Grievance.objects.get()
