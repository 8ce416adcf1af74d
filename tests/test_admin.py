"""The staff admin: closed to anonymous visitors, open to staff by role."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests

from portal.services.grievances.intake import Intake, submit
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, live_login, login


def _admin_urls(app):
    """Every GET URL under /admin, with a made-up id where a rule needs one."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and "GET" in rule.methods:
            urls.add(
                rule.rule.replace("<path:filename>", "x.css").replace("<", "").replace(">", "")
            )
    for view in ("grievance", "provider", "program", "user", "outbox", "completeness"):
        urls.update(
            {
                f"/admin/{view}/edit/?id=000000000000000000000000",
                f"/admin/{view}/details/?id=000000000000000000000000",
                f"/admin/{view}/new/",
            }
        )
    return sorted(u for u in urls if "/static/" not in u)


def test_anonymous_visitors_get_the_login_page_from_every_admin_url(app, client, programs):
    grievance = submit(
        programs["ct-dental"],
        Intake(description="secret text", member_name="Hidden Person"),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    urls = _admin_urls(app) + [f"/admin/grievance/details/?id={grievance.pk}"]
    assert len(urls) > 15
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", url
        assert "Hidden Person" not in response.text and "secret text" not in response.text
        # Only the path travels in ?next=: a query string may hold member details.
        assert "search" not in location.query
    for url in ("/admin/grievance/edit/?id=" + str(grievance.pk), "/admin/grievance/new/"):
        assert client.post(url, data={"status": "closed"}).status_code in (302, 400)
    grievance.reload()
    assert grievance.status == "received"


@pytest.mark.parametrize(
    ("role", "url", "expected"),
    [
        ("csr", "/admin/grievance/", 200),
        ("auditor", "/admin/grievance/", 200),
        ("csr", "/admin/user/", 403),
        ("manager", "/admin/user/", 403),
        ("admin", "/admin/user/", 200),
        ("csr", "/admin/outbox/", 403),
        ("manager", "/admin/outbox/", 200),
        ("csr", "/admin/completeness/", 403),
        ("manager", "/admin/completeness/", 200),
        ("director", "/admin/", 200),
    ],
)
def test_roles_see_what_they_need(sign_in, staff, role, url, expected):
    assert sign_in(role).get(url).status_code == expected


def test_search_by_reference_is_exact(sign_in, programs, staff):
    moment = datetime(2026, 3, 2, 15, tzinfo=UTC)
    first = submit(programs["ct-dental"], Intake(description="a"), moment)
    second = submit(programs["ct-dental"], Intake(description="b"), moment)
    session = sign_in("manager")
    page = session.get("/admin/grievance/", query_string={"search": first.reference})
    assert first.reference in page.text and second.reference not in page.text
    lowered = session.get("/admin/grievance/", query_string={"search": first.reference.lower()})
    assert first.reference in lowered.text


def test_edit_screen_shows_narratives_as_text(sign_in, programs, staff):
    grievance = submit(
        programs["ct-dental"],
        Intake(description="<b>bold</b><script>x()</script>"),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    session = sign_in("manager")
    details = session.get(f"/admin/grievance/details/?id={grievance.pk}")
    assert details.status_code == 200
    assert "<script>x()</script>" not in details.text
    assert "&lt;script&gt;x()&lt;/script&gt;" in details.text
    # Stored in UTC (15:00), shown in the program's timezone.
    assert "2026-03-02 10:00 EST" in details.text
    # No edit form at all: narratives are append-only, added by an action; every other
    # change is an action of the lifecycle too.
    assert session.get(f"/admin/grievance/edit/?id={grievance.pk}").status_code == 403


def test_wrong_password_and_unsafe_next_are_refused(client, staff):
    session = client
    bad = login(session, "manager@staff.test", "wrong")
    assert bad.status_code == 200 and "do not match" in bad.text
    for target in (
        "http://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "http://localhost\\@evil.example",
    ):
        response = login(session, "manager@staff.test", PASSWORD, next=target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/admin/", target
        session.post(
            "/logout",
            data={"csrf_token": csrf_token(session.get("/admin/").text)},
        )


def test_fifty_concurrent_requests_all_answer(live_server, programs, staff):
    """The running app (the process is what is tested) on the embedded store from many
    threads: no error."""
    session = live_login(live_server, "manager@staff.test", PASSWORD)
    cookies = session.cookies.get_dict()

    def fetch(i):
        url = ("/admin/grievance/", "/complaint", "/admin/")[i % 3]
        return requests.get(f"{live_server}{url}", cookies=cookies, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(fetch, range(50)))
    print(f"50 concurrent requests: {codes.count(200)} answered 200")
    assert codes == [200] * 50


def test_home_counts_link_to_filtered_lists(sign_in, programs, staff):
    import html
    import re
    from datetime import timedelta

    from portal.services.grievances.clocks import refresh_overdue

    received = datetime(2026, 3, 2, 15, tzinfo=UTC)
    late = submit(programs["ct-dental"], Intake(description="a", level="III"), received)
    fresh = submit(programs["ct-dental"], Intake(description="b"), received + timedelta(days=200))
    refresh_overdue(received + timedelta(days=100))
    session = sign_in("manager")
    home = session.get("/admin/")
    links = dict(
        (label.strip(), html.unescape(href))
        for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a></td>', home.text)
    )
    overdue = session.get(links["Overdue, all open records"]).text
    assert late.reference in overdue and fresh.reference not in overdue
    level3 = session.get(links["Level III, open"]).text
    assert late.reference in level3 and fresh.reference not in level3
    unassigned = session.get(links["Unassigned, open"]).text
    assert late.reference in unassigned and fresh.reference in unassigned
    assert 'id="weekly-chart"' in home.text and "chart.umd.min.js" in home.text
    with session.get("/static/vendor/chartjs/chart.umd.min.js") as script:
        assert script.status_code == 200


def test_every_grievance_filter_answers(app, sign_in, programs, staff):
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "grievance")
    session = sign_in("manager")
    for index, flt in enumerate(view._filters):
        arg = f"flt0_{view.get_filter_arg(index, flt)}"
        for value in ("1", "III", "received", "x' or 1=1", '{"$ne": null}'):
            response = session.get("/admin/grievance/", query_string={arg: value})
            assert response.status_code == 200, (arg, value)


def test_the_record_shows_each_clock_with_its_state_and_why(sign_in, programs, staff):
    from datetime import timedelta

    from portal.services.grievances.verbs import record_contact

    received = datetime(2026, 3, 2, 15, tzinfo=UTC)
    grievance = submit(programs["co-cma"], Intake(description="x"), received)
    record_contact(
        grievance,
        by=staff["csr"],
        now=received + timedelta(hours=2),
        at=received + timedelta(hours=2),
        with_whom="member",
        channel="phone",
        outcome="reached",
    )
    session = sign_in("supervisor")
    page = session.get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert "initial response" in page and "2 business days" in page
    assert "done on time: a contact that reaches the member" in page
    # The resolution clock is long overdue by the real clock: said plainly, with its reasons.
    assert "overdue by" in page and "waiting for the resolution" in page
    assert "How the due time was set" in page
    assert "The day of receipt, Mon 2026-03-02, does not count." in page
    assert "contact attempt" in page  # the history


def test_a_bad_program_edit_is_refused_with_its_reason(sign_in, programs, staff):
    session = sign_in("admin")
    program = programs["co-cma"]
    url = f"/admin/program/edit/?id={program.pk}"
    form = session.get(url).text
    token = csrf_token(form)
    base = {
        "csrf_token": token,
        "name": program.name,
        "timezone": "Mars/Olympus",
        "office_hours": '{"mon": ["07:30-17:00"]}',
        "warning_hours": "24",
        "retention_years": "10",
        "repeat_threshold": "3",
        "repeat_window_days": "90",
        "active": "y",
    }
    refused = session.post(url, data=base)
    assert refused.status_code == 200
    assert "unknown timezone" in refused.text
    backwards = session.post(
        url, data={**base, "timezone": "America/Denver", "office_hours": '{"mon": ["17:00-07:30"]}'}
    )
    assert "ends before it starts" in backwards.text
    program.reload()
    assert program.timezone == "America/Denver"
    assert program.office_hours["mon"] == ["07:30-17:00"]
    accepted = session.post(
        url,
        data={**base, "timezone": "America/Denver", "office_hours": '{"mon": ["08:00-16:00"]}'},
    )
    assert accepted.status_code == 302
    program.reload()
    assert program.office_hours == {"mon": ["08:00-16:00"]}


def test_search_finds_member_name_or_id_and_provider_name_or_npi(sign_in, programs, staff):
    from portal.models import Provider

    moment = datetime(2026, 3, 2, 15, tzinfo=UTC)
    office = Provider(name="Harbor Family Dentistry", npi="1987654321").save()
    first = submit(
        programs["ct-dental"],
        Intake(description="a", member_name="Ana Quintero", member_id="CT44556"),
        moment,
    )
    second = submit(
        programs["ct-dental"],
        Intake(description="b", member_name="Bo Lund", provider_name="Elm Street Clinic"),
        moment,
    )
    second.provider = office
    second.save()
    session = sign_in("csr")

    def found(term):
        page = session.get("/admin/grievance/", query_string={"search": term}).text
        return {r for r in (first.reference, second.reference) if r in page}

    assert found("ct44556") == {first.reference}
    assert found("quintero") == {first.reference}
    assert found("1987654321") == {second.reference}
    assert found("harbor family") == {second.reference}
    assert found("elm street") == {second.reference}
    assert found('{"$ne": null}') == set()
    assert found("(unclosed[") == set()


def test_my_records_filter(sign_in, programs, staff):
    from portal.services.grievances.verbs import assign

    moment = datetime(2026, 3, 2, 15, tzinfo=UTC)
    mine = submit(programs["ct-dental"], Intake(description="a"), moment)
    theirs = submit(programs["ct-dental"], Intake(description="b"), moment)
    assign(mine, staff["csr"], by=staff["manager"], now=moment)
    assign(theirs, staff["dhcs"], by=staff["manager"], now=moment)
    session = sign_in("csr")
    page = session.get("/admin/grievance/", query_string={"flt0_assigned_to_me_is": "1"}).text
    assert mine.reference in page and theirs.reference not in page


def test_provider_page_lists_its_grievances_and_open_caps(sign_in, programs, staff):
    from portal.models import Provider

    office = Provider(name="Summit Dental Arts", npi="1112223334").save()
    grievance = submit(
        programs["ct-dental"],
        Intake(description="x", level="II"),
        datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    grievance.provider = office
    from portal.services.grievances.verbs import record_event

    record_event(
        grievance,
        "site visit",
        by=staff["provider_relations"],
        now=datetime(2026, 3, 4, 15, tzinfo=UTC),
    )
    session = sign_in("provider_relations")
    page = session.get(f"/admin/provider/details/?id={office.pk}").text
    assert grievance.reference in page
    assert "1 open corrective action plan;" in page


def test_program_filter(sign_in, programs, staff):
    moment = datetime(2026, 3, 2, 15, tzinfo=UTC)
    ct = submit(programs["ct-dental"], Intake(description="a"), moment)
    co = submit(programs["co-cma"], Intake(description="b"), moment)
    session = sign_in("csr")
    page = session.get("/admin/grievance/", query_string={"flt0_program_is": "co-cma"}).text
    assert co.reference in page and ct.reference not in page


def test_the_record_shows_what_the_member_told_us_and_the_triage(sign_in, programs, staff):
    from datetime import date

    received = datetime(2026, 11, 2, 15, tzinfo=UTC)
    grievance = submit(
        programs["ct-dental"],
        Intake(
            description="He threatened me at the front desk.",
            member_name="Ivy <b>Stone</b>",
            birth_date=date(2010, 5, 1),
            member_phone="860-555-0111",
            preferred_contact="phone",
            contact_times="after 3pm",
            caller_name="Joan Stone",
            caller_relationship="mother",
            provider_name="Elm Dental",
            provider_city="New Haven",
            incident_date=date(2026, 10, 30),
            desired_resolution="Another dentist.",
            filed_by="representative",
        ),
        received,
    )
    session = sign_in("csr")
    home = session.get("/admin/")
    assert 'Flagged at intake, to review now</a></td><td class="text-right">1<' in home.text
    listed = session.get("/admin/grievance/?flt0_needs_review_equals=1")
    assert grievance.reference in listed.text
    page = session.get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert "Ivy &lt;b&gt;Stone&lt;/b&gt;" in page  # member text is text
    for shown in (
        "2010-05-01 (child)",
        "860-555-0111",
        "phone; after 3pm",
        "Joan Stone (mother)",
        "Elm Dental, New Haven",
        "2026-10-30",
        "Another dentist.",
        "review now",
        "words suggest: violence.",
    ):
        assert shown in page, shown


def test_the_list_shows_program_provider_and_assignee_of_each_row(sign_in, programs, staff):
    from portal.models import Provider
    from portal.services.grievances.verbs import assign

    office = Provider(name="Birch Dental Group", npi="1234567893").save()
    received = datetime(2026, 11, 2, 15, tzinfo=UTC)
    for n in range(3):
        grievance = submit(programs["ct-dental"], Intake(description=f"r{n}"), received)
        grievance.update(set__provider=office)
        assign(grievance, staff["liaison"], by=staff["manager"], now=received)
    submit(programs["md-hmo"], Intake(description="u", provider_name="Typed Office"), received)
    session = sign_in("manager")
    page = session.get("/admin/grievance/").text
    assert page.count("Birch Dental Group") == 3 and page.count("Test liaison") >= 3
    assert "Typed Office" in page and "Maryland HMO quality of care" in page


def test_type_priority_and_category_filters_offer_the_programs_words(sign_in, programs):
    import json
    import re

    page = sign_in("csr").get("/admin/grievance/").text
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>([^<]+)<', page).group(1))
    offered = {
        name: {o[0] for o in filters[0]["options"] or []} for name, filters in groups.items()
    }
    assert "Provider Access" in offered["Type"] and "IME escalated callback" in offered["Type"]
    assert {"high", "escalated"} <= offered["Priority"]
    assert offered["Level"] == {"I", "II", "III"}
    assert "in progress" not in offered["Status"] and "in_progress" in offered["Status"]
