"""Issue 18, minimum necessary (HIPAA 164.514(d)): staff read the records of the programs they
serve (administrators, directors and auditors read every program), and provider relations,
who do not contact members, see the member's name and age group only. Over HTTP against the
running app, where the finding was seen."""

from datetime import date, timedelta

from portal.clock import utcnow
from portal.models import Grievance, User
from portal.services.grievances import verbs
from portal.services.grievances.intake import Intake, submit
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, exported, live_login

PRIVATE = ("MBR-77123", "860-555-0142", "ana.member@mail.example", "12 Elm Street", "555-0199")


def _record(program, **extra):
    return submit(
        program,
        Intake(
            description="The crown came loose",
            member_name="Ana Quintero",
            member_id="MBR-77123",
            birth_date=date(1961, 4, 2),
            member_phone="860-555-0142",
            member_email="ana.member@mail.example",
            member_address="12 Elm Street\nHartford CT 06101",
            caller_name="Luz Quintero",
            caller_phone="555-0199",
            caller_relationship="daughter",
            **extra,
        ),
        utcnow() - timedelta(days=2),
    )


def _person(email, roles, programs, password_hash):
    return User(
        email=email,
        name=email.split("@")[0].title(),
        roles=roles,
        programs=programs,
        password_hash=password_hash,
        totp_exempt=True,
    ).save()


def test_staff_read_only_the_programs_they_serve(live_server, programs, staff, _password_hash):
    ct, md = programs["ct-dental"], programs["md-hmo"]
    mine, theirs = _record(ct), _record(md)
    _person("ct.csr@plan.example", ["csr"], [ct], _password_hash)
    _person("md.csr@plan.example", ["csr"], [md], _password_hash)
    session = live_login(live_server, "ct.csr@plan.example", PASSWORD)

    listed = session.get(f"{live_server}/admin/grievance/").text
    assert mine.reference in listed and theirs.reference not in listed
    searched = session.get(f"{live_server}/admin/grievance/?search={theirs.reference}").text
    assert f"?id={theirs.pk}" not in searched
    # Another program's record: answered as if it did not exist, nothing of it shown.
    opened = session.get(f"{live_server}/admin/grievance/details/?id={theirs.pk}")
    assert theirs.reference not in opened.text and "Ana Quintero" not in opened.text
    page = session.get(f"{live_server}/admin/grievance/details/?id={mine.pk}")
    assert "Ana Quintero" in page.text
    acted = session.post(
        f"{live_server}/admin/grievance/act/note/?id={theirs.pk}",
        data={"note-kind": "note", "note-text": "x", "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )
    assert acted.status_code == 404
    assert len(Grievance.objects.get(pk=theirs.pk).narratives) == 1
    # Their own record can be given only to someone who serves its program.
    assert "Md.Csr" not in page.text.split('name="assign-assignee"')[1].split("</select>")[0]
    intake = session.get(f"{live_server}/admin/intake/").text
    assert ct.name in intake and md.name not in intake
    assert session.get(f"{live_server}/admin/intake/md-hmo/").status_code == 404
    home = session.get(f"{live_server}/admin/").text
    assert "Your account serves no program" not in home


def test_every_door_refuses_another_programs_record(programs, staff, _password_hash):
    ct, md = programs["ct-dental"], programs["md-hmo"]
    theirs = _record(md)
    ct_csr = _person("ct.csr@plan.example", ["csr"], [ct], _password_hash)
    md_csr = _person("md.csr@plan.example", ["csr"], [md], _password_hash)
    assert verbs.available(theirs, ct_csr) == []
    try:
        verbs.add_note(theirs, by=ct_csr, now=utcnow(), kind="note", text="x")
    except verbs.ActionError as exc:
        assert str(exc) == verbs.NOT_SERVED
    else:
        raise AssertionError("a note went onto another program's record")
    try:
        verbs.assign(_record(ct), md_csr, by=staff["manager"], now=utcnow())
    except verbs.ActionError as exc:
        assert "does not serve Connecticut" in str(exc)
    else:
        raise AssertionError("a record went to someone who may not open it")


def test_leads_see_their_programs_reports_and_exports_only(
    live_server, programs, staff, _password_hash, work_jobs
):
    ct, md = programs["ct-dental"], programs["md-hmo"]
    mine, theirs = _record(ct), _record(md)
    _person("ct.lead@plan.example", ["supervisor"], [ct], _password_hash)
    session = live_login(live_server, "ct.lead@plan.example", PASSWORD)
    export = exported(session, work_jobs, base=live_server)
    assert export.status_code == 200
    assert mine.reference in export.text and theirs.reference not in export.text
    report = session.get(f"{live_server}/admin/reports/daily?program=md-hmo")
    assert report.status_code == 400 and "is not one of yours; choose from ct-dental" in (
        report.text.replace("&#39;", "'")
    )
    assert session.get(f"{live_server}/admin/reports/daily?program=ct-dental").status_code == 200
    # A director reads every program without listing any.
    director = live_login(live_server, "director@staff.test", PASSWORD)
    User.objects(email="director@staff.test").update_one(set__programs=[])
    everything = director.get(f"{live_server}/admin/grievance/").text
    assert mine.reference in everything and theirs.reference in everything


def test_an_account_serving_no_program_sees_no_record_and_is_told_why(
    live_server, programs, staff, _password_hash
):
    _record(programs["ct-dental"])
    nobody = _person("nobody@plan.example", ["csr"], [], _password_hash)
    assert nobody.programs == []
    session = live_login(live_server, "nobody@plan.example", PASSWORD)
    home = session.get(f"{live_server}/admin/").text
    assert "Your account serves no program yet" in home
    assert "details/?id=" not in session.get(f"{live_server}/admin/grievance/").text


def test_provider_relations_see_the_members_name_not_how_to_reach_them(
    live_server, programs, staff, sign_in
):
    record = _record(programs["ct-dental"])
    csr = sign_in("csr")
    page = csr.get(f"/admin/grievance/details/?id={record.pk}")
    assert all(value in page.text for value in PRIVATE)
    # A CSR corrects the member's phone: the history keeps before and after.
    corrected = csr.post(
        f"/admin/grievance/act/correct/?id={record.pk}",
        data={
            "correct-reason": "The member called with a new number",
            "correct-member__phone": "860-555-0199",
            "correct-member__email": "ana.member@mail.example",
            "correct-member__address": "12 Elm Street\nHartford CT 06101",
            "correct-caller__phone": "555-0199",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert corrected.status_code == 302, corrected.text
    assert Grievance.objects.get(pk=record.pk).member.phone == "860-555-0199"

    session = live_login(live_server, "provider_relations@staff.test", PASSWORD)
    shown = session.get(f"{live_server}/admin/grievance/details/?id={record.pk}").text
    assert "Ana Quintero" in shown and "adult" in shown
    for private in (*PRIVATE, "860-555-0199", "1961"):
        assert private not in shown, private
    assert "(withheld)" in shown  # the correction's values
    assert 'name="correct-member__phone"' not in shown
    assert 'name="correct-provider_npi"' in shown  # the office's facts are theirs to fix
    assert session.get(f"{live_server}/admin/letters/").status_code == 403
    try:
        verbs.correct(
            record,
            by=staff["provider_relations"],
            now=utcnow(),
            reason="x",
            **{"member.phone": "1"},
        )
    except verbs.ActionError as exc:
        assert "staff who contact members" in str(exc)
    else:
        raise AssertionError("provider relations changed the member's phone")
