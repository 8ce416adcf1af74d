"""Importing old logs: every row checked first, bad files refused whole with each row,
column and reason named; good files whole; twice adds nothing; export and back is the same."""

import base64
import csv
import io
import json
import random
import time
import zipfile
from datetime import UTC, datetime

import openpyxl

from portal.models import AuditEvent, CompletenessResult, Grievance, ImportRun
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import resolve
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, exported, live_login

HEADER = [
    "Reference",
    "Received At",
    "Type",
    "Level",
    "priority",
    "provider_name",
    "provider_npi",
    "member_name",
    "member_id",
    "caller_name",
    "caller_phone",
    "intake_source",
    "narrative",
    "status",
    "resolved_at",
    "resolution",
    "substantiated",
    "Notes from 2019",  # a column the import does not read
]
GOOD = [
    [
        "OLD-1",
        "2026-07-14T10:30",
        "provider  ACCESS",
        "3",
        "",
        "Elm Dental",
        "1234567893",
        "Ann Lee",
        "M1",
        "",
        "",
        "Phone",
        "Rude staff",
        "resolved",
        "2026-07-20",
        "Apologised",
        "Unsubstantiated",
        "x",
    ],
    [
        "OLD-2",
        "2026-07-15",
        "Other",
        "II",
        "",
        "",
        "",
        "Bo Chan",
        "",
        "Kim Chan",
        "860-555-0101",
        "letter",
        '=HYPERLINK("http://evil")',
        "",
        "",
        "",
        "yes",
        "",
    ],
    # Lacks what the completeness rules want (no type, no member): imported, reported later.
    ["", "2026-07-16 09:00", "", "I", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
]


def _csv(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(content: bytes):
    """A file field as the browser sends it."""
    return (io.BytesIO(content), "log.csv", "text/csv")


def _import(portal_cli, path, *args):
    return portal_cli("import", str(path), "--program", "ct-dental", *args)


def test_a_good_file_comes_in_whole_and_twice_adds_nothing(app, programs, portal_cli, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(_csv(GOOD))
    dry = _import(portal_cli, path, "--dry-run")
    assert dry.exit_code == 0 and "would import 3" in dry.stdout, dry.stdout + dry.stderr
    assert Grievance.objects.count() == 0
    first = _import(portal_cli, path)
    assert first.exit_code == 0, first.stderr
    assert "3 rows checked: imported 3, 0 already there" in first.stdout
    assert "checking" in first.stderr or "preparing" in first.stderr or first.stderr == ""
    old1 = Grievance.objects.get(reference="OLD-1")
    assert (old1.type, old1.level, old1.intake_source) == ("Provider Access", "III", "phone")
    assert old1.status == "resolved" and not old1.is_open and old1.substantiated is False
    assert old1.received_at == datetime(2026, 7, 14, 14, 30, tzinfo=UTC)  # 10:30 in Hartford
    assert old1.resolved_at.date().isoformat() == "2026-07-20"
    old2 = Grievance.objects.get(reference="OLD-2")
    assert old2.intake_text() == '=HYPERLINK("http://evil")'  # kept as text
    assert old2.caller.name == "Kim Chan" and old2.substantiated is True
    new = Grievance.objects.get(reference__startswith="G-2026-")
    assert new.history[0].action == "imported"
    again = _import(portal_cli, path, "--json")
    report = json.loads(again.stdout)
    assert report["imported"] == 0 and report["already_there"] == 3
    assert report["ignored_columns"] == ["notes_from_2019"]
    assert Grievance.objects(reference__in=["OLD-1", "OLD-2"]).count() == 2
    assert AuditEvent.objects(action="import").count() == 2
    # The incomplete row is the completeness check's business, not the import's.
    assert portal_cli("jobs", "run", "completeness", "--month", "2026-07").exit_code == 0
    (result,) = CompletenessResult.objects(month="2026-07")
    assert [i.missing for i in result.incomplete] == [
        ["type", "description", "member_name or member_id"]
    ]


def test_a_file_with_bad_rows_imports_nothing_and_names_them(app, programs, portal_cli, tmp_path):
    bad = [
        GOOD[0],
        [
            "OLD-3",
            "yesterday",
            "Billing",
            "IV",
            "",
            "",
            "12345",
            "",
            "",
            "",
            "",
            "fax",
            "",
            "lost",
            "",
            "",
            "maybe",
            "",
        ],
        [
            "OLD-1",
            "2026-07-17",
            "Other",
            "1",
            "",
            "",
            "",
            "A",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(bad))
    result = _import(portal_cli, path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert not report["ok"] and report["imported"] == 0
    named = {(p["row"], p["column"]) for p in report["problems"]}
    assert named >= {
        (3, "received_at"),
        (3, "type"),
        (3, "level"),
        (3, "provider_npi"),
        (3, "intake_source"),
        (3, "status"),
        (3, "substantiated"),
        (4, "reference"),
    }
    reasons = {p["column"]: p["reason"] for p in report["problems"] if p["row"] == 3}
    assert (
        "Provider Access, Quality of Provider Service, Quality of ASO Service, Other"
        in reasons["type"]
    )
    assert "2026-07-14" in reasons["received_at"]
    assert Grievance.objects.count() == 0
    plain = _import(portal_cli, path)
    assert "row 3, type: 'Billing' is not one of:" in plain.stderr
    assert "nothing imported" in plain.stderr and "Traceback" not in plain.stderr
    for name, content, message in (
        ("log.txt", b"x", "import an .xlsx or a .csv"),
        ("log.xlsx", b"not a workbook", "not a readable XLSX"),
        ("log.csv", b"name,phone\nA,1\n", "no received_at column"),
    ):
        (tmp_path / name).write_bytes(content)
        answer = _import(portal_cli, tmp_path / name)
        assert answer.exit_code == 1 and message in answer.stderr, answer.stderr


def test_export_then_import_gives_the_same_records(app, programs, staff, portal_cli, tmp_path):
    ct = programs["ct-dental"]
    received = datetime(2026, 8, 3, 15, 12, tzinfo=UTC)
    first = submit(
        ct,
        Intake(
            description="-starts with a dash",
            member_name="Al Roe",
            member_id="X1",
            type="Other",
            level="II",
            provider_name="Oak Office",
        ),
        received,
    )
    resolve(
        first,
        by=staff["manager"],
        now=datetime(2026, 8, 10, 14, tzinfo=UTC),
        summary="=done",
        substantiated=True,
    )
    submit(ct, Intake(description="second", member_name="Bea Cole", level="I"), received)
    fields = (
        "reference",
        "received_at",
        "type",
        "level",
        "status",
        "resolved_at",
        "resolution",
        "substantiated",
        "provider_name",
    )

    def snapshot():
        return sorted(
            tuple(getattr(g, f) for f in fields)
            + (g.member.name, g.member.member_id, g.intake_text())
            for g in Grievance.objects(program=ct)
        )

    before = snapshot()
    for suffix in ("xlsx", "csv"):
        path = tmp_path / f"records.{suffix}"
        exported = portal_cli("export", str(path), "--program", "ct-dental")
        assert exported.exit_code == 0, exported.stderr
        Grievance.objects.delete()  # a test's own throwaway records
        imported = _import(portal_cli, path)
        assert imported.exit_code == 0, imported.stderr
        assert snapshot() == before, suffix


def test_ten_thousand_rows_come_in_and_one_bad_row_stops_them_all(
    app, programs, portal_cli, tmp_path
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["reference", "received_at", "type", "level", "member_name", "narrative"])
    for n in range(10_000):
        # Excel dates as Excel keeps them (serial numbers) for half of them, ISO for the rest.
        when = 46217.5 + n / 1000 if n % 2 else f"2026-07-{1 + n % 28:02d}T09:00"
        sheet.append([f"XL-{n:05d}", when, "Other", "I", f"Member {n}", "old log entry"])
    bad_path = tmp_path / "bad.xlsx"
    sheet.cell(row=5002, column=4).value = "IV"  # one bad row among them
    book.save(bad_path)
    refused = _import(portal_cli, bad_path, "--json")
    report = json.loads(refused.stdout)
    assert report["rows"] == 10_000 and report["imported"] == 0
    assert report["problems"] == [
        {"row": 5002, "column": "level", "reason": "'IV' is not one of: I, II, III (or 1, 2, 3)"}
    ]
    assert Grievance.objects.count() == 0

    sheet.cell(row=5002, column=4).value = "I"
    good_path = tmp_path / "good.xlsx"
    book.save(good_path)
    started = time.monotonic()
    result = _import(portal_cli, good_path)
    took = time.monotonic() - started
    assert result.exit_code == 0, result.stderr[-2000:]
    assert "imported 10000" in result.stdout
    assert "preparing" in result.stderr  # the progress bar
    print(f"\n10,000-row XLSX import: {took:.1f} s")
    assert Grievance.objects.count() == 10_000
    assert (
        Grievance.objects.get(reference="XL-00001").received_at.date().isoformat() == "2026-07-14"
    )


def test_the_upload_screen_shows_how_far_it_got(sign_in, programs, work_jobs):
    manager = sign_in("manager")
    page = manager.get("/admin/import/")
    assert page.status_code == 200
    token = csrf_token(page.text)
    bad = _csv([GOOD[0], ["OLD-9", "2026-07-15", "Billing"] + [""] * 15])
    # Scripts are told where the run is, and ask it how far it got: a worker imports, never
    # the web process.
    as_json = manager.post(
        "/admin/import/?format=json",
        data={"program": "ct-dental", "csrf_token": token, "file": _upload(bad)},
    )
    assert as_json.status_code == 202 and as_json.json["status"] == "queued"
    work_jobs()
    run = manager.get(as_json.json["run"] + "?format=json").json
    assert run["status"] == "done" and run["report"]["problems"][0]["row"] == 3
    # People upload, and a worker imports while the page says how far it got.
    queued = manager.post(
        "/admin/import/",
        data={"program": "ct-dental", "csrf_token": token, "file": _upload(bad)},
        follow_redirects=True,
    )
    assert "/admin/import/run/" in queued.request.path
    assert "waiting for a worker" in queued.text and 'http-equiv="refresh"' in queued.text
    work_jobs()
    finished = manager.get(queued.request.path)
    assert finished.status_code == 400 and "Nothing was imported" in finished.text
    assert "<td>3</td><td>type</td>" in finished.text
    good = manager.post(
        "/admin/import/",
        data={"program": "ct-dental", "csrf_token": token, "file": _upload(_csv(GOOD))},
        follow_redirects=True,
    )
    work_jobs()
    done = manager.get(good.request.path)
    assert done.status_code == 200 and "Imported 3" in done.text
    assert manager.get(good.request.path + "?format=json").json["report"]["imported"] == 3
    from portal.models import ImportRun

    assert all(run.content is None for run in ImportRun.objects)  # the files are not kept
    assert sign_in("csr").get("/admin/import/").status_code == 403


# Issue 18: uploads the review saw take the web process's memory, or answer 500.
def _workbook(cell: str, doctype: str = "", level: int = 9) -> bytes:
    """An XLSX whose one data row's reference is `cell`, its sheet written by hand (openpyxl
    never writes a cell over 32,767 characters, nor a DOCTYPE)."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>reference</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>received_at</t></is></c></row><row r="2">'
        f'<c r="A2" t="inlineStr"><is><t>{cell}</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>2026-07-14</t></is></c></row></sheetData></worksheet>'
    ).encode()
    book = openpyxl.Workbook()
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as crafted:
        for part in source.infolist():
            is_sheet = part.filename == "xl/worksheets/sheet1.xml"
            crafted.writestr(part.filename, sheet if is_sheet else source.read(part))
    return out.getvalue()


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;'
    '&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _live_upload(base, session, name, content, token):
    return session.post(
        f"{base}/admin/import/",
        data={"program": "ct-dental", "csrf_token": token},
        files={"file": (name, content)},
        allow_redirects=False,
        timeout=60,
    )


def test_bad_workbooks_are_refused_with_a_message_by_the_worker(
    app, live_server, programs, staff, work_jobs, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_MEMORY_MB", 130)
    session = live_login(live_server, "manager@staff.test", PASSWORD)
    token = csrf_token(session.get(f"{live_server}/admin/import/").text)
    heavy = base64.b64encode(random.Random(18).randbytes(23 * 2**20)).decode()
    cases = {
        # A 200 MB cell in a 203 KB file: it took the web process to 559 MB.
        "bomb.xlsx": (_workbook("x" * (200 * 2**20)), "unpacks 1027 times over"),
        "laughs.xlsx": (_workbook("&lol3;", LAUGHS), "declares XML entities"),
        "external.xlsx": (_workbook("&xxe;", EXTERNAL), "declares XML entities"),
        # Over the memory an import may use, though it unpacks like an honest workbook.
        "heavy.xlsx": (_workbook(heavy, level=1), "needs more than the 130 MB an import"),
        "broken.xlsx": (b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
    }
    runs = {}
    for name, (content, _) in cases.items():
        # The web process only keeps the file (it was 413 over 256 KB): a worker reads it.
        answer = _live_upload(live_server, session, name, content, token)
        assert answer.status_code == 302, (name, answer.status_code)
        runs[name] = answer.headers["Location"]
    work_jobs()
    for name, (_, message) in cases.items():
        page = session.get(f"{live_server}{runs[name]}")
        assert page.status_code == 400 and message in page.text, (name, page.text[-2000:])
        assert "Traceback" not in page.text
    assert Grievance.objects.count() == 0  # nothing half-saved
    assert "/etc/passwd" not in str([r.to_mongo() for r in ImportRun.objects])


def test_an_upload_over_the_screens_limit_gets_a_plain_answer(live_server, programs, staff):
    session = live_login(live_server, "manager@staff.test", PASSWORD)
    token = csrf_token(session.get(f"{live_server}/admin/import/").text)
    over = _live_upload(live_server, session, "big.csv", b"x" * (33 * 2**20), token)
    assert over.status_code == 413 and "Traceback" not in over.text
    # Every other page keeps its 256 KB limit.
    login = session.post(f"{live_server}/login", data={"email": "x" * 300_000}, timeout=30)
    assert login.status_code == 413


def test_the_screens_export_reads_plainly_and_imports_again(
    app, sign_in, programs, staff, portal_cli, tmp_path, work_jobs
):
    """Issue 19: the export's sheet is named, its headers are words, times are the office's
    and Yes/No are words; the import reads it back into the same records."""
    ct = programs["ct-dental"]
    received = datetime(2026, 8, 3, 15, 12, 30, tzinfo=UTC)  # 11:12:30 in Hartford
    record = submit(
        ct, Intake(description="Billing mix-up", member_name="Al Roe", level="II"), received
    )
    resolve(
        record,
        by=staff["manager"],
        now=datetime(2026, 8, 10, 14, tzinfo=UTC),
        summary="Refunded",
        substantiated=True,
    )
    answer = exported(sign_in("manager"), work_jobs, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    assert sheet.title == "Grievances"
    header = [c.value for c in sheet[1]]
    assert header[:8] == [
        "Reference",
        "Received",
        "Type",
        "Level",
        "Priority",
        "Category",
        "Status",
        "Source",
    ]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["Received"] == datetime(2026, 8, 3, 11, 12, 30)  # office time, no microseconds
    assert sheet[2][1].number_format == "yyyy-mm-dd hh:mm"
    assert row["Resolved"] == datetime(2026, 8, 10, 10, 0)
    assert (row["Substantiated"], row["Overdue"], row["Status"]) == ("Yes", "No", "Resolved")
    assert row["Member name"] == "Al Roe" and row["Program"] == "ct-dental"
    path = tmp_path / "from-the-screen.xlsx"
    path.write_bytes(answer.data)
    before = [
        (g.reference, g.received_at, g.level, g.status, g.resolution) for g in Grievance.objects
    ]
    Grievance.objects.delete()  # the test's own records
    imported = _import(portal_cli, path)
    assert imported.exit_code == 0, imported.stderr
    after = [
        (g.reference, g.received_at, g.level, g.status, g.resolution) for g in Grievance.objects
    ]
    assert after == before
    assert Grievance.objects.get().member.name == "Al Roe"
