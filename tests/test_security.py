"""Sign-in limits, sessions, the audit trail and exports."""

import csv
import io
import logging
from datetime import UTC, datetime, timedelta

from portal.models import AuditEvent
from portal.services.grievances.intake import Intake, submit
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, exported, file_complaint, login


def test_sign_ins_and_refusals_are_audited(client, staff):
    assert login(client, "csr@staff.test", "wrong").status_code == 200
    assert login(client, "csr@staff.test", PASSWORD).status_code == 302
    csr = client
    assert csr.get("/admin/user/").status_code == 403
    actions = [(e.action, e.actor_email) for e in AuditEvent.objects.order_by("at")]
    assert actions == [
        ("login failed", "csr@staff.test"),
        ("login", "csr@staff.test"),
        ("denied", "csr@staff.test"),
    ]
    denied = AuditEvent.objects.get(action="denied")
    assert denied.target == "/admin/user/"


def test_an_account_is_throttled_after_100_failed_sign_ins_in_an_hour(app, staff, clock):
    now = clock.now()
    AuditEvent.objects.insert(
        [
            AuditEvent(
                at=now - timedelta(minutes=i % 50),
                action="login failed",
                actor_email="manager@staff.test",
            )
            for i in range(100)
        ]
    )
    blocked = login(app.test_client(), "manager@staff.test", PASSWORD)
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    # Another account is not affected.
    assert login(app.test_client(), "director@staff.test", PASSWORD).status_code == 302


def test_sessions_end_after_idle_time_and_after_twelve_hours(app, staff):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post("/login", data={"email": "manager@staff.test", "password": PASSWORD})
        assert client.get("/admin/").status_code == 200
        with client.session_transaction() as sess:
            sess["seen_at"] -= 31 * 60
        idle = client.get("/admin/")
        assert idle.status_code == 302 and "/login" in idle.headers["Location"]
        client.post("/login", data={"email": "manager@staff.test", "password": PASSWORD})
        with client.session_transaction() as sess:
            sess["login_at"] -= 12 * 3600 + 1
        assert client.get("/admin/").status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_a_disabled_account_loses_its_session(sign_in, staff):
    session = sign_in("csr")
    assert session.get("/admin/").status_code == 200
    staff["csr"].update(set__active=False)
    answer = session.get("/admin/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_exports_neutralise_formulas_hide_member_fields_by_role_and_are_audited(
    sign_in, programs, staff, work_jobs
):
    received = datetime(2026, 3, 2, 15, tzinfo=UTC)
    submit(
        programs["ct-dental"],
        Intake(
            description='=HYPERLINK("http://evil")', member_name="+Formula Person", member_id="@ID1"
        ),
        received,
    )
    manager = sign_in("manager")
    rows = list(csv.reader(io.StringIO(exported(manager, work_jobs).text)))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["Narrative"] == '\'=HYPERLINK("http://evil")'
    assert record["Member name"] == "'+Formula Person"
    assert record["Member ID"] == "'@ID1"

    supervisor = sign_in("supervisor")
    header = next(csv.reader(io.StringIO(exported(supervisor, work_jobs).text)))
    assert "Member name" not in header and "Narrative" not in header
    assert "Reference" in header

    xlsx = exported(manager, work_jobs, "xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"

    csr = sign_in("csr")
    assert exported(csr, work_jobs).status_code == 403
    exports = AuditEvent.objects(action="export").order_by("at")
    assert [(e.actor.email, e.detail["format"], e.detail["member_fields"]) for e in exports] == [
        ("manager@staff.test", "csv", True),
        ("supervisor@staff.test", "csv", False),
        ("manager@staff.test", "xlsx", True),
    ]


def test_search_terms_stay_out_of_the_audit_trail(sign_in, programs, staff):
    manager = sign_in("manager")
    manager.get("/admin/grievance/export/csv/", query_string={"search": "Jane Doe"})
    event = AuditEvent.objects.get(action="export")
    assert event.detail["searched"] is True
    assert "Jane Doe" not in str(event.to_mongo())


def test_every_page_carries_the_security_headers(client, programs):
    for url in ("/", "/complaint", "/login", "/admin/"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/complaint").headers["Cache-Control"] == "no-store"


def test_redirects_never_leave_the_site(sign_in, programs, staff):
    from portal.models import Provider

    office = Provider(name="Elm Dental", npi="1234567893").save()
    manager = sign_in("manager")  # who may edit providers
    host = "localhost"  # the test client's
    for target in (
        f"http://{host}\\@evil.example",
        "//evil.example/x",
        "http://evil.example/",
        "https:evil.example",
        "/\\evil.example",
    ):
        url, query = "/admin/provider/edit/", {"id": str(office.pk), "url": target}
        form = manager.get(url, query_string=query).text
        answer = manager.post(
            url,
            query_string=query,
            data={"csrf_token": csrf_token(form), "name": "Elm Dental", "npi": "1234567893"},
        )
        assert answer.status_code == 302, target
        location = answer.headers["Location"]
        assert "evil.example" not in location, (target, location)


def test_records_are_never_hard_deleted(sign_in, programs, staff):
    from portal.models import Grievance

    grievance = submit(
        programs["ct-dental"], Intake(description="x"), datetime(2026, 3, 2, 15, tzinfo=UTC)
    )
    admin = sign_in("admin")
    token = csrf_token(admin.get("/login").text)
    answer = admin.post(
        "/admin/grievance/delete/",
        data={"id": str(grievance.pk), "csrf_token": token},
    )
    assert answer.status_code == 403
    assert Grievance.objects(pk=grievance.pk).count() == 1


def test_record_changes_are_searchable_in_the_audit_trail(sign_in, programs, staff):
    from portal.services.grievances.verbs import escalate

    grievance = submit(
        programs["ct-dental"], Intake(description="x"), datetime(2026, 3, 2, 15, tzinfo=UTC)
    )
    escalate(grievance, by=staff["csr"], now=datetime(2026, 3, 3, tzinfo=UTC), reason="upset")
    auditor = sign_in("auditor")
    page = auditor.get("/admin/audit/", query_string={"search": grievance.reference})
    assert "record escalated" in page.text and "record received" in page.text
    event = AuditEvent.objects.get(action="record escalated")
    assert event.detail == {"fields": ["status", "tier"]} and event.actor == staff["csr"]


def test_member_details_in_urls_and_forms_stay_out_of_the_logs(
    client, sign_in, programs, staff, caplog
):
    caplog.set_level(logging.DEBUG)  # everything any logger says, not only warnings
    canary_name, canary_id = "Zebulon Canarywood", "CANARY778899"
    file_complaint(
        client,
        member_name=canary_name,
        member_id=canary_id,
        description="Canary narrative text",
    )
    manager = sign_in("manager")
    manager.get("/admin/grievance/", query_string={"search": canary_name})
    manager.get("/admin/grievance/", query_string={"search": canary_id})
    manager.get("/admin/grievance/export/csv/")
    manager.get("/admin/grievance/", query_string={"flt0_level_equals": canary_id})
    log = caplog.text
    assert "stored for program ct-dental" in log  # the app does log, just not members
    for canary in (canary_name, "Canarywood", canary_id, "Canary narrative"):
        assert canary not in log
