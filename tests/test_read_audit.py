"""Issue 18, minimum necessary and read audit (HIPAA 164.312(b)): reads of member data leave
an audit entry (who, which record, when; never the words searched), and every download of
member data needs the record universe's permission."""

from datetime import UTC, datetime

from portal.models import AuditEvent
from portal.services.grievances.intake import Intake, submit


def test_opening_a_record_and_searching_are_audited_without_the_words(sign_in, programs, staff):
    grievance = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="Rosa Quintero", member_id="CT555"),
        datetime(2026, 11, 16, 15, tzinfo=UTC),
    )
    csr = sign_in("csr")
    assert csr.get(f"/admin/grievance/details/?id={grievance.pk}").status_code == 200
    (viewed,) = AuditEvent.objects(action="record viewed")
    assert viewed.actor == staff["csr"] and viewed.target == grievance.reference
    listed = csr.get("/admin/grievance/", query_string={"search": "Quintero"})
    assert grievance.reference in listed.text
    (searched,) = AuditEvent.objects(action="records searched")
    assert searched.actor == staff["csr"]
    everything = str([e.to_mongo().to_dict() for e in AuditEvent.objects])
    assert "Quintero" not in everything and "CT555" not in everything


def test_the_inquiry_log_needs_the_record_universes_permission(sign_in, programs):
    url = "/admin/reports/iowa-log.xlsx?program=ia-escalations&quarter=2026Q4"
    # A supervisor's own export leaves member columns out; the log must too: refused.
    assert sign_in("supervisor").get(url).status_code == 403
    assert sign_in("manager").get(url).status_code == 200
