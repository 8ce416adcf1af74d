"""Issue 19: the search box finds any reference as stored (case and dashes ignored), its
beginning or its number, a member ID, and names without regard to accents, each from an
index (portal.domain.search)."""

from datetime import timedelta

from portal.clock import utcnow
from portal.domain.search import record_keys, term_keys
from portal.models import Grievance
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import add_search_keys


def _found(client, term: str) -> str:
    return client.get("/admin/grievance/", query_string={"search": term}).text


def test_the_keys_of_a_record_and_of_a_term():
    keys = record_keys("G-2026-000123", "Ana María Hernández", "ab-77", ("Elm Dental", None))
    assert {"r:G2026000123", "r:G2026", "r:G20260001", "n:123", "i:AB77"} <= set(keys)
    assert {"w:hernandez", "w:maria", "w:elm", "w:dental"} <= set(keys)
    assert term_keys(" g-2026-0001 ") == (["i:G20260001", "r:G20260001"], [])
    assert term_keys("000123") == (["i:000123", "n:123", "r:000123"], [])
    assert term_keys("Hernández  ana") == (["r:HERNANDEZANA"], ["w:hernandez", "w:ana"])
    assert term_keys("Kim") == ([], ["w:kim"])


def test_staff_find_a_record_however_they_type_it(sign_in, programs, staff):
    now = utcnow()
    record = submit(
        programs["ct-dental"],
        Intake(
            description="x",
            member_name="José Hernández",
            member_id="CT-55-1",
            provider_name="Río Dental",
        ),
        now - timedelta(days=1),
    )
    other = submit(programs["ct-dental"], Intake(description="y", member_name="Bo Lund"), now)
    imported = Grievance(
        reference="CT-OLD-0003",
        program=programs["ct-dental"],
        received_at=now - timedelta(days=900),
        created_at=now,
        status="closed",
        is_open=False,
    )
    imported.member.name = "Ann Old"
    imported.save()
    client = sign_in("manager")
    number = str(int(record.reference.rsplit("-", 1)[1]))
    for term in (
        record.reference,
        record.reference.lower(),
        record.reference.replace("-", ""),
        number,  # the number alone
        "ct551",  # the member ID, dashes and case aside
        "Hernandez",
        "hernández jose",
        "rio dental",
    ):
        page = _found(client, term)
        assert f"id={record.pk}" in page, term
        assert f"id={other.pk}" not in page, term
    # The beginning of a reference finds every record it begins.
    beginning = _found(client, f"  {record.reference[:-1]}")
    assert f"id={record.pk}" in beginning and f"id={other.pk}" in beginning
    for term in ("CT-OLD-0003", "ct old 0003", "ctold", "CT-OLD"):
        assert f"id={imported.pk}" in _found(client, term), term
    assert "details/?id=" not in _found(client, "Hernandezz")
    # The search is an indexed equality, never a pattern over every record.
    assert "$regex" not in str(Grievance.objects(search_keys="w:hernandez")._query)


def test_records_from_before_the_keys_get_them(programs):
    record = submit(programs["ct-dental"], Intake(description="x", member_name="Zoë Kim"), utcnow())
    Grievance.objects(pk=record.pk).update_one(unset__search_keys=True)
    assert not Grievance.objects(search_keys="w:zoe")
    assert add_search_keys() == 1
    assert Grievance.objects(search_keys="w:zoe").count() == 1
    assert add_search_keys() == 0


def test_the_list_opens_on_open_records_and_closed_ones_come_a_month_at_a_time(
    sign_in, programs, staff, clock
):
    """Issue 22: the list as it opens reads the open records (an indexed equality), not the
    history; a month of receipt is a filter the index answers."""
    from datetime import UTC, datetime

    from portal.services.grievances.verbs import add_received_months

    ct = programs["ct-dental"]
    # 18:30 on 31 October in Hartford is already 1 November in UTC: the office's month counts.
    late_october = datetime(2026, 10, 31, 22, 30, tzinfo=UTC)
    closed = submit(ct, Intake(description="x", member_name="Oona Closedcase"), late_october)
    closed.update(set__is_open=False, set__status="closed")
    still_open = submit(ct, Intake(description="y", member_name="Ida Openfile"), clock.now())
    assert Grievance.objects.get(pk=closed.pk).received_month == "2026-10"

    manager = sign_in("manager")
    opened = manager.get("/admin/grievance/").text
    assert still_open.reference in opened and closed.reference not in opened
    assert "Open records. For closed ones" in opened
    october = manager.get("/admin/grievance/", query_string={"flt0_received_in_equals": "2026-10"})
    assert closed.reference in october.text and "Open records. For closed" not in october.text
    # A search still reaches the whole history.
    assert closed.reference in _found(manager, "closedcase")

    # Records from before the month was kept get it once.
    Grievance.objects(pk=closed.pk).update_one(unset__received_month=True)
    assert add_received_months() == 1 and add_received_months() == 0
    assert Grievance.objects.get(pk=closed.pk).received_month == "2026-10"
