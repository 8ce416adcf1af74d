"""Reports from a known quarter: every figure of the quarterly report in JSON and in the
XLSX cells, the pages and their permissions, and the trend page in a browser."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from portal.domain.reports import Quarter
from portal.models import AuditEvent, MemberMonths
from portal.services.grievances.intake import Intake, submit
from portal.services.reporting.reports import set_member_months
from tests.conftest import PASSWORD

NY = ZoneInfo("America/New_York")

# (local New York time received, type, level, adult/child)
Q3 = [
    (datetime(2026, 7, 1, 0, 30), "Provider Access", "I", "adult"),  # first minutes of Q3
    (datetime(2026, 7, 14, 10), "Provider Access", "I", "adult"),
    (datetime(2026, 8, 3, 15), "Provider Access", "II", "child"),
    (datetime(2026, 8, 20, 9), "Quality of Provider Service", "I", "adult"),
    (datetime(2026, 9, 2, 11), "Quality of Provider Service", "III", "child"),
    (datetime(2026, 9, 30, 23, 30), "Other", "I", "adult"),  # October in UTC, Q3 in Hartford
]
Q2 = [
    (datetime(2026, 4, 2, 10), "Provider Access", "I", "adult"),
    (datetime(2026, 5, 5, 10), "Provider Access", "I", "adult"),
    (datetime(2026, 6, 1, 10), "Other", "I", "child"),
    (datetime(2026, 6, 30, 23, 30), "Other", "I", "adult"),  # July in UTC, Q2 in Hartford
]


@pytest.fixture
def known_quarter(programs):
    ct = programs["ct-dental"]
    for local, kind, level, age in Q3 + Q2:
        received = local.replace(tzinfo=NY).astimezone(UTC)
        submit(ct, Intake(description="x", type=kind, level=level, age_group=age), received)
    # Outside both quarters, and another program's record inside Q3: neither counts.
    submit(ct, Intake(description="x", type="Other", level="I"), datetime(2026, 10, 2, tzinfo=UTC))
    submit(programs["md-hmo"], Intake(description="x"), datetime(2026, 8, 2, 15, tzinfo=UTC))
    set_member_months(ct, Quarter.parse("2026Q2"), 10_000, None, datetime(2026, 7, 2, tzinfo=UTC))
    return ct


EXPECTED = {
    "grievances": 6,
    "member_months": 12_000,
    "rate_per_1000_member_months": 0.5,
    "by_type": {
        "Provider Access": 3,
        "Quality of Provider Service": 2,
        "Quality of ASO Service": 0,
        "Other": 1,
    },
    "by_level": {"I": 4, "II": 1, "III": 1},
    "by_age_group": {"adult": 4, "child": 2},
}
EXPECTED_PREVIOUS = {
    "grievances": 4,
    "member_months": 10_000,
    "rate_per_1000_member_months": 0.4,
    "by_type": {
        "Provider Access": 2,
        "Quality of Provider Service": 0,
        "Quality of ASO Service": 0,
        "Other": 2,
    },
    "by_level": {"I": 4, "II": 0, "III": 0},
    "by_age_group": {"adult": 3, "child": 1},
}


def test_quarterly_report_json_from_the_definition(known_quarter, portal_cli):
    result = portal_cli(
        *("report", "quarterly", "--program", "ct-dental", "--quarter", "2026Q3"),
        *("--member-months", "12000", "--format", "json"),
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["quarter"] == "2026Q3" and report["previous_quarter"] == "2026Q2"
    assert report["current"] == EXPECTED
    assert report["previous"] == EXPECTED_PREVIOUS
    change = report["change"]
    assert change["grievances"] == {"difference": 2, "percent": 50.0}
    assert change["rate_per_1000_member_months"] == {"difference": 0.1, "percent": 25.0}
    assert change["member_months"] == {"difference": 2000, "percent": 20.0}
    assert change["by_type"]["Other"] == {"difference": -1, "percent": -50.0}
    assert change["by_level"]["III"] == {"difference": 1, "percent": None}  # from zero
    # The member months given are stored for the quarter, and the export is audited.
    assert MemberMonths.objects.get(quarter="2026Q3").value == 12_000
    assert AuditEvent.objects(action="report exported", target="quarterly").count() == 1


def test_connecticuts_published_quarter_reads_0_0858_per_thousand(programs, portal_cli):
    """Seed 000's table: 202 grievances over 2,354,933 member months, by type and level."""
    loaded = portal_cli("seed", "ct-2014q4")
    assert loaded.exit_code == 0 and "202 records added" in loaded.stdout, loaded.stdout
    again = portal_cli("seed", "ct-2014q4")
    assert "0 records added" in again.stdout  # loading twice adds nothing
    result = portal_cli(
        *("report", "quarterly", "--program", "ct-dental", "--quarter", "2014Q4"),
        *("--member-months", "2354933", "--format", "json"),
    )
    assert result.exit_code == 0, result.stderr
    current = json.loads(result.stdout)["current"]
    assert current["grievances"] == 202
    assert current["rate_per_1000_member_months"] == 0.0858  # two decimals said 0.09
    assert current["by_type"] == {
        "Provider Access": 0,
        "Quality of Provider Service": 191,
        "Quality of ASO Service": 0,
        "Other": 11,
    }
    assert current["by_level"] == {"I": 197, "II": 5, "III": 0}


def test_the_quarterly_commentary_is_kept_with_who_wrote_it(sign_in, known_quarter, portal_cli):
    from tests.helpers import csrf_token

    manager = sign_in("manager")
    url = "/admin/reports/quarterly?program=ct-dental&quarter=2026Q3"
    page = manager.get(url)
    saved = manager.post(
        url,
        data={
            "commentary": "Access complaints rose after the Hartford office closed.",
            "csrf_token": csrf_token(page.text),
        },
        follow_redirects=True,
    )
    assert "Commentary on 2026Q3 saved" in saved.text
    assert "Written by Test manager" in saved.text
    report = json.loads(
        portal_cli("report", "quarterly", "--program", "ct-dental", "--quarter", "2026Q3").stdout
    )
    assert report["commentary"]["text"].startswith("Access complaints rose")
    assert report["commentary"]["written_by"] == "Test manager"
    assert AuditEvent.objects(action="quarterly commentary written").count() == 1


def test_quarterly_report_xlsx_cells(known_quarter, portal_cli, tmp_path, clock):
    set_member_months(known_quarter, Quarter.parse("2026Q3"), 12_000, None, clock.now())
    out = tmp_path / "q3.xlsx"
    result = portal_cli(
        *("report", "quarterly", "--program", "ct-dental", "--quarter", "2026Q3"),
        *("--format", "xlsx", "--out", str(out)),
    )
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert cells[0] == [None, "2026Q3", "2026Q2", "Change", "Change %"]
    assert cells[1] == ["Grievances", 6, 4, 2, 50.0]
    assert cells[2] == ["Member months", 12000, 10000, 2000, 20.0]
    assert cells[3] == ["Rate per 1,000 member months", 0.5, 0.4, 0.1, 25.0]
    rows = {row[0]: row[1:3] for row in cells if row[0]}
    assert rows["Provider Access"] == [3, 2]
    assert rows["Quality of Provider Service"] == [2, 0]
    assert rows["Other"] == [1, 2]
    assert rows["I"] == [4, 4] and rows["II"] == [1, 0] and rows["III"] == [1, 0]
    assert rows["adult"] == [4, 3] and rows["child"] == [2, 1]


def test_bad_report_input_gets_one_line(programs, portal_cli):
    for args, message in (
        (("--program", "ct-dental", "--quarter", "2026Q5"), "YYYYQn"),
        (("--program", "nowhere", "--quarter", "2026Q3"), "choose from"),
        (("--program", "ct-dental", "--quarter", "2026Q3", "--member-months", "0"), "0"),
    ):
        result = portal_cli("report", "quarterly", *args)
        assert result.exit_code == 2, result.stdout
        assert message in result.stderr and "Traceback" not in result.stderr


def test_report_pages_for_managers_not_for_front_line_staff(sign_in, known_quarter, staff):
    manager = sign_in("manager")
    url = "/admin/reports/quarterly?program=ct-dental&quarter=2026Q3"
    page = manager.get(url)
    assert page.status_code == 200 and "Rate per 1,000 member months" in page.text
    from tests.helpers import csrf_token

    saved = manager.post(
        url,
        data={"member_months": "12,000", "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "<td>0.5</td>" in saved.text
    xlsx = manager.get(url + "&format=xlsx")
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert manager.get("/admin/reports/quarterly?quarter=nope").status_code == 400
    for name in ("trend", "timeliness", "daily"):
        answer = manager.get(f"/admin/reports/{name}?program=ct-dental&quarter=2026Q3")
        assert answer.status_code == 200, name
    csr = sign_in("csr")
    assert csr.get(url).status_code == 403
    auditor = sign_in("auditor")
    universe = auditor.get("/admin/reports/universe.xlsx?program=ct-dental&quarter=2026Q3")
    assert universe.status_code == 200
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(universe.data)).active
    header = [c.value for c in sheet[1]]
    assert header[:8] == [
        "reference",
        "covered_person",
        "member_id",
        "date_received",
        "reason",
        "dates_of_review",
        "resolution",
        "date_of_resolution",
    ]
    assert sheet.max_row == 7  # the header and Q3's six records
    supervisor = sign_in("supervisor")
    assert supervisor.get("/admin/reports/universe.xlsx").status_code == 403


def test_the_trend_page_draws_its_charts_and_keeps_what_people_write(
    live_server, known_quarter, staff, browser, shots
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server}/login")
    page.fill("#email", "manager@staff.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server}/admin/reports/trend?program=ct-dental&quarter=2026Q3")
    page.wait_for_selector("canvas#trend-types[data-drawn=yes]")
    assert page.locator("canvas[data-drawn=yes]").count() == 3
    page.fill("#reasons", "More access complaints after the Hartford office closed.")
    page.fill("#plan_of_action", "Recruit two offices in Hartford by March.")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Last written by Test manager")
    assert page.input_value("#reasons").startswith("More access complaints")
    page.click("button:has-text('Mark delivered')")
    page.wait_for_selector("text=delivered 20")
    shots(page, "trend")
    assert not refused, refused
    page.close()


def test_the_iowa_inquiry_log_keeps_its_excel_columns(sign_in, programs, staff):
    import io

    ia = programs["ia-escalations"]
    submit(
        ia,
        Intake(
            description="Member cannot reach the MCO",
            member_name="Dee Fox",
            type="MCO member issue",
            priority="high",
            caller_name="Ombudsman office",
            caller_phone="515-555-0100",
            intake_source="ombudsman",
            mco="Iowa Total Care",
            provider_npi="1234567893",
        ),
        datetime(2026, 8, 4, 15, tzinfo=UTC),
    )
    manager = sign_in("manager")
    answer = manager.get("/admin/reports/iowa-log.xlsx?program=ia-escalations&quarter=2026Q3")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "date received",
        "source",
        "member or provider",
        "caller",
        "phone",
        "NPI",
        "issue",
        "priority",
        "MCO",
        "liaison",
        "updates",
        "resolution",
        "date resolved",
    ]
    assert rows[1][1:9] == [
        "ombudsman",
        "member",
        "Ombudsman office",
        "515-555-0100",
        "1234567893",
        "Member cannot reach the MCO",
        "high",
        "Iowa Total Care",  # the MCO column, from the program's list
    ]
