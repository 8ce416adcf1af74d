"""Issue 23: files on a record. The member attaches a PDF and a photo to the web form; staff
add a site visit report to a Connecticut Level II record; the record, its history, the audit
trail and the record universe show them; only the roles that read member data download
them, always as a download. A file that is not what it says, too big, or a zip bomb is
refused with a message and nothing is stored."""

import io
import zipfile
from pathlib import Path

import openpyxl
from fpdf import FPDF
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.models import AuditEvent, Grievance
from portal.services.grievances.intake import Intake, submit
from tests.helpers import FULL_COMPLAINT, csrf_token


def _pdf(text: str = "Site visit, 3 March") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _bomb() -> bytes:
    """A Word document in name and shape whose text unpacks to 200 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (200 * 2**20))
    return out.getvalue()


def _files_on_disk(app) -> list[Path]:
    root = Path(app.instance_path) / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(client, path, data, **kwargs):
    """A multipart post whose body is encoded here, in memory: the test client would spool a
    large one to a temporary file it never closes."""
    fields = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                content, name = item
                item = FileStorage(stream=content, filename=name)
            fields.add(key, item)
    boundary, body = encode_multipart(fields)
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(body),
        **kwargs,
    )


def _file_complaint(client, files):
    page = client.get("/complaint")
    data = {**FULL_COMPLAINT, "csrf_token": csrf_token(page.text)}
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return _post(client, "/complaint", data)


def _attach(client, grievance, name, content, **fields):
    data = {f"attach-{k}": v for k, v in fields.items()}
    data["attach-csrf_token"] = csrf_token(client.get("/login").text)
    data["attach-file"] = (io.BytesIO(content), name)
    path = f"/admin/grievance/act/attach/?id={grievance.pk}"
    return _post(client, path, data, follow_redirects=True)


def test_the_members_files_and_a_site_visit_report_on_the_record(
    app, client, programs, staff, sign_in, clock
):
    pdf, photo = _pdf("My bill"), _photo()
    answer = _file_complaint(client, [("bill.pdf", pdf), ("tooth.jpg", photo)])
    assert answer.status_code == 302, answer.text[-2000:]
    filed = Grievance.objects.get()
    assert [(a.name, a.kind, a.content_type, a.size) for a in filed.attachments] == [
        ("bill.pdf", "member", "application/pdf", len(pdf)),
        ("tooth.jpg", "member", "image/jpeg", len(photo)),
    ]
    assert filed.history[0].detail == "through web form with 2 files"
    assert [h.detail.split(" (")[0] for h in filed.history if h.action == "file attached"] == [
        "bill.pdf",
        "tooth.jpg",
    ]
    for path in _files_on_disk(app):
        assert path.stat().st_mode & 0o777 == 0o600

    # A Connecticut Level II record; the manager adds the site visit report to its step.
    record = submit(
        programs["ct-dental"], Intake(description="Broken crown", member_name="Al Roe"), clock.now()
    )
    record.update(set__level="II")
    manager = sign_in("manager")
    report = _pdf()
    page = _attach(
        manager, record, "site-visit.pdf", report, kind="site_visit", step="site visit"
    ).text
    assert "Attached site-visit.pdf." in page
    record.reload()
    (added,) = record.attachments
    assert (added.kind, added.step, added.by.email) == (
        "site_visit",
        "site visit",
        staff["manager"].email,
    )
    screen = manager.get(f"/admin/grievance/details/?id={record.pk}").text
    assert "site-visit.pdf" in screen and "Site visit report, site visit" in screen
    assert "file attached" in screen and "site-visit.pdf (Site visit report, site visit" in screen
    audit = AuditEvent.objects(action="record file attached", target=record.reference)
    assert audit.count() == 1 and audit.first().actor.email == staff["manager"].email

    # The record universe lists each record's files.
    quarter = f"{clock.now().year}Q{(clock.now().month - 1) // 3 + 1}"
    book = manager.get(f"/admin/reports/universe.xlsx?program=ct-dental&quarter={quarter}")
    sheet = openpyxl.load_workbook(io.BytesIO(book.data)).active
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    assert rows[record.reference]["files"] == "site-visit.pdf (Site visit report)"
    assert (
        rows[filed.reference]["files"] == "bill.pdf (From the member); tooth.jpg (From the member)"
    )

    # Downloads: a manager gets the bytes as a download, audited; a CSR gets 403.
    link = f"/admin/grievance/file/{record.pk}/{added.key}"
    got = manager.get(link)
    assert got.status_code == 200 and got.data == report
    assert got.headers["Content-Disposition"] == 'attachment; filename="site-visit.pdf"'
    assert got.mimetype == "application/octet-stream"
    assert AuditEvent.objects(action="file downloaded", target=record.reference).count() == 1
    csr = sign_in("csr")
    assert csr.get(link).status_code == 403
    assert link not in csr.get(f"/admin/grievance/details/?id={record.pk}").text


def test_a_disguised_program_a_file_too_big_and_a_zip_bomb_are_refused(
    app, client, programs, staff, sign_in, clock
):
    program = programs["ct-dental"]
    record = submit(program, Intake(description="x", member_name="Bo Lund"), clock.now())
    manager = sign_in("manager")
    kept = set(_files_on_disk(app))  # what earlier tests of this instance left
    program_bytes = b"MZ\x90\x00\x03" + b"\x00" * 2000  # a Windows program
    big = _pdf() + b"%" + b"0" * app.config["FILE_LIMIT"]
    refused = {
        "scan.pdf": (
            program_bytes,
            "scan.pdf: its content is a Windows program although its name says a PDF",
        ),
        "large.pdf": (big, "large.pdf: 15.0 MB is more than the 15.0 MB a file may be"),
        "notes.docx": (_bomb(), "notes.docx: its part word/document.xml unpacks"),
    }
    for name, (content, message) in refused.items():
        page = _attach(manager, record, name, content, kind="office").text
        assert message in page.replace("&#39;", "'"), (name, page[-3000:])
    record.reload()
    assert record.attachments == [] and not any(h.action == "file attached" for h in record.history)
    assert set(_files_on_disk(app)) == kept

    # From the public form: the disguised program refuses the whole complaint, as typed.
    before = Grievance.objects.count()
    answer = _file_complaint(client, [("bill.pdf", program_bytes), ("tooth.jpg", _photo())])
    assert answer.status_code == 400
    assert "This file could not be attached: bill.pdf: its content is a Windows program" in (
        answer.text.replace("&#39;", "'")
    )
    assert FULL_COMPLAINT["member_name"] in answer.text  # what was typed is kept
    assert Grievance.objects.count() == before and set(_files_on_disk(app)) == kept
    # Office documents are staff's: the form takes images and PDFs only.
    answer = _file_complaint(client, [("log.xlsx", _workbook())])
    assert (
        answer.status_code == 400
        and "attach a HEIC photo, a JPEG photo, a PDF or a PNG image" in answer.text
    )
    assert Grievance.objects.count() == before


def _workbook() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()
