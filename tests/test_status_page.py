"""The member's status page: reference and last name in, stage and expected date out."""

from datetime import UTC, date, datetime

from portal.models import AuditEvent
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import resolve
from tests.helpers import csrf_token


def _check(app, reference, last_name, session=None, birth_date="", address="127.0.0.1"):
    session = session or app.test_client()
    session.environ_base["REMOTE_ADDR"] = address
    page = session.get("/complaint/status")
    return session.post(
        "/complaint/status",
        data={
            "reference": reference,
            "last_name": last_name,
            "birth_date": birth_date,
            "csrf_token": csrf_token(page.text),
        },
    )


def test_the_member_sees_the_stage_and_expected_date_and_nothing_more(app, programs):
    received = datetime(2026, 11, 2, 15, tzinfo=UTC)
    grievance = submit(
        programs["ct-dental"],
        Intake(description="Secret narrative", member_name="Ana María Núñez", member_id="ID9"),
        received,
    )
    answer = _check(app, grievance.reference.lower(), "nunez")
    assert answer.status_code == 200
    assert "Received" in answer.text
    assert "We expect to resolve it by January 31, 2027." in answer.text  # 90 calendar days
    for private in ("Secret narrative", "Ana", "ID9"):
        assert private not in answer.text
    # Once the reference and name match, the program's number to call (issue 17).
    assert "1-855-CT-DENTAL (1-855-283-3682)" in answer.text


def test_resolved_records_say_so(app, programs, staff):
    grievance = submit(
        programs["co-cma"],
        Intake(description="x", member_name="Bo Lund"),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    resolve(grievance, by=staff["csr"], now=datetime(2026, 3, 20, 18, tzinfo=UTC), summary="ok")
    answer = _check(app, grievance.reference, "LUND")
    assert "Resolved on March 20, 2026." in answer.text


def test_wrong_details_get_one_answer_and_guessing_is_throttled(app, programs):
    grievance = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="Bo Lund"),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    wrong_name = _check(app, grievance.reference, "Smith")
    no_such = _check(app, "G-2026-999999", "Lund")
    for answer in (wrong_name, no_such):
        assert answer.status_code == 400
        assert "could not find a complaint with those details" in (
            answer.text.replace("&#39;", "'")
        )
    bad_format = _check(app, "12345", "Lund")
    assert "A reference number looks like G-2026-000123." in bad_format.text
    session = app.test_client()
    for _ in range(8):
        _check(app, grievance.reference, "guess", session)
    blocked = _check(app, grievance.reference, "Lund", session)
    assert blocked.status_code == 429 and "too many tries" in blocked.text
    failed = AuditEvent.objects(action="status check failed")
    assert failed.count() == 10 and "Smith" not in str([e.to_mongo() for e in failed])


def test_guesses_from_many_addresses_never_lock_the_member_out(app, programs):
    """Issue 18: ten wrong guesses from other addresses used to make the member's right
    answer 429. Now the reference asks for both details, which the member has."""
    grievance = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="Bo Lund", birth_date=date(1980, 3, 25)),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    other = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="Al Berg"),
        datetime(2026, 3, 2, 16, tzinfo=UTC),
    )
    for n in range(12):
        guess = _check(app, grievance.reference, f"guess{n}", address=f"10.0.0.{n}")
        assert guess.status_code == 400
    # The member, from their own address, with the name only: asked for both, not refused.
    member = app.test_client()
    name_only = _check(app, grievance.reference, "Lund", member, address="192.0.2.7")
    assert name_only.status_code == 400
    both = "please give both the member's last name and date of birth"
    assert both in name_only.text.replace("&#39;", "'")
    answered = _check(app, grievance.reference, "Lund", member, "03/25/1980", "192.0.2.7")
    assert answered.status_code == 200 and "Received" in answered.text
    # A guesser with the name only learns nothing and spends nothing; one with both wrong
    # is told what anyone is told.
    again = _check(app, grievance.reference, "Lund", address="10.0.1.1")
    assert both in again.text.replace("&#39;", "'") and "Received" not in again.text
    wrong = _check(app, grievance.reference, "Lund", birth_date="01/01/1970", address="10.0.1.2")
    assert wrong.status_code == 400 and "could not find a complaint" in wrong.text
    # A reference nobody has been guessing at still takes the last name alone.
    assert "Received" in _check(app, other.reference, "Berg", address="10.0.1.3").text
    # The same holds for a reference that does not exist: the rule says nothing of that.
    for n in range(10):
        _check(app, "G-2026-999999", f"x{n}", address=f"10.0.2.{n}")
    missing = _check(app, "G-2026-999999", "Lund", address="10.0.2.99")
    assert both in missing.text.replace("&#39;", "'")


def test_the_name_never_travels_in_a_url(app, programs):
    grievance = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="Bo Lund"),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    client = app.test_client()
    page = client.get("/complaint/status").text
    assert '<form method="post"' in page
    # Details in a query string are not read: only a posted form answers.
    answer = client.get(
        "/complaint/status", query_string={"reference": grievance.reference, "last_name": "Lund"}
    )
    assert "Received" not in answer.text and "We expect" not in answer.text


def _check_by(app, **details):
    session = app.test_client()
    page = session.get("/complaint/status")
    return session.post("/complaint/status", data={**details, "csrf_token": csrf_token(page.text)})


def test_the_date_of_birth_works_instead_of_the_last_name(app, programs):
    from datetime import date

    grievance = submit(
        programs["md-hmo"],
        Intake(description="x", member_name="Kim Park", birth_date=date(1990, 7, 4)),
        datetime(2026, 11, 2, 15, tzinfo=UTC),
    )
    ref = grievance.reference
    assert "Received" in _check_by(app, reference=ref, birth_date="1990-07-04").text
    assert "Received" in _check_by(app, reference=ref, birth_date="07/04/1990").text
    # Every detail given must match: the right name cannot carry a wrong date of birth.
    wrong = _check_by(app, reference=ref, last_name="Park", birth_date="1990-07-05")
    assert wrong.status_code == 400 and "could not find a complaint" in wrong.text
    neither = _check_by(app, reference=ref)
    assert neither.status_code == 400
    assert "last name or date of birth" in neither.text.replace("&#39;", "'")
    bad_date = _check_by(app, reference=ref, birth_date="July 4th")
    assert bad_date.status_code == 400 and "month/day/year" in bad_date.text


def test_the_status_answers_in_spanish(app, programs):
    grievance = submit(
        programs["ct-dental"],
        Intake(description="x", member_name="Luz Ortiz"),
        datetime(2026, 11, 2, 15, tzinfo=UTC),
    )
    session = app.test_client()
    session.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9,en;q=0.5"
    answer = _check(app, grievance.reference, "ortiz", session)
    assert '<html lang="es">' in answer.text
    assert "Recibida" in answer.text
    assert "Esperamos resolverla a más tardar el 31 de enero de 2027." in answer.text
