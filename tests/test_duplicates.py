"""Issue 23: the same complaint by phone and by the web form. A lead links the second to the
first and closes it as a duplicate through the lifecycle; both records say so, the reports
count the complaint once, and reopening the duplicate unlinks it."""

from datetime import timedelta

from portal.domain.reports import Quarter
from portal.models import Grievance
from portal.services.grievances.intake import Intake, submit
from portal.services.reporting import reports
from tests.helpers import csrf_token


def _act(client, grievance, action, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-csrf_token"] = csrf_token(client.get("/login").text)
    return client.post(
        f"/admin/grievance/act/{action}/?id={grievance.pk}", data=data, follow_redirects=True
    ).text.replace("&#39;", "'")


def test_a_complaint_filed_twice_is_counted_once(programs, staff, sign_in, clock):
    ct, md = programs["ct-dental"], programs["md-hmo"]
    by_phone = submit(
        ct, Intake(description="No-show", member_name="Al Roe", intake_source="phone"), clock.now()
    )
    by_web = submit(ct, Intake(description="No show again", member_name="Al Roe"), clock.now())
    elsewhere = submit(md, Intake(description="x", member_name="Al Roe"), clock.now())
    quarter = Quarter.of((clock.now() - timedelta(hours=6)).date())
    assert reports.quarterly(ct, quarter)["current"]["grievances"] == 2

    manager = sign_in("manager")
    refusals = {
        by_web.reference: "a record cannot be a duplicate of itself",
        "G-1999-000001": "there is no record 'G-1999-000001' of yours to keep",
        elsewhere.reference: f"{elsewhere.reference} is another program's record",
    }
    for survivor, message in refusals.items():
        assert message in _act(manager, by_web, "duplicate", survivor=survivor)
    assert Grievance.objects.get(pk=by_web.pk).is_open

    page = _act(manager, by_web, "duplicate", survivor=by_phone.reference.lower(), note="same call")
    assert f"Closed as a duplicate of {by_phone.reference}." in page
    by_web.reload(), by_phone.reload()
    assert (by_web.status, by_web.is_open, by_web.duplicate_of.pk) == ("closed", False, by_phone.pk)
    assert by_web.history[-1].action == "closed as a duplicate"
    assert by_web.history[-1].detail == f"duplicate of {by_phone.reference}: same call"
    assert by_phone.history[-1].detail == f"{by_web.reference} was the same complaint"
    assert reports.quarterly(ct, quarter)["current"]["grievances"] == 1
    survivor_page = manager.get(f"/admin/grievance/details/?id={by_phone.pk}").text
    assert "Duplicates of it" in survivor_page and by_web.reference in survivor_page
    # A duplicate of a duplicate points at the one kept.
    third = submit(ct, Intake(description="Third time", member_name="Al Roe"), clock.now())
    said = _act(manager, third, "duplicate", survivor=by_web.reference)
    assert f"is itself a duplicate of {by_phone.reference}: link this record to that one" in said
    # A CSR works records but closes none: the action is not theirs.
    csr = sign_in("csr")
    assert "action-duplicate" not in csr.get(f"/admin/grievance/details/?id={third.pk}").text

    _act(manager, by_web, "reopen", reason="a different visit after all")
    by_web.reload()
    assert by_web.duplicate_of is None and by_web.is_open
    assert by_web.history[-1].changes["duplicate_of"] == [by_phone.reference, None]
    assert reports.quarterly(ct, quarter)["current"]["grievances"] == 3
