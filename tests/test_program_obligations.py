"""What each program's own rules owe, item by item (seeds 000-004): each obligation met by its
own event and missed without it, with a frozen clock, and shown where staff look for it."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.models import Grievance, Outbox
from portal.services.grievances import clocks as clocks_service
from portal.services.grievances.clocks import is_late
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import (
    ActionError,
    approve_callback,
    classify,
    record_contact,
    record_event,
    report_to_department,
)
from tests.helpers import offered_actions

RECEIVED = datetime(2026, 3, 2, 15, tzinfo=UTC)  # Monday 10:00 in New York


def _clock(grievance, name):
    grievance.reload()
    return next(c for c in grievance.clocks if c.name == name)


def _names(grievance):
    grievance.reload()
    return {c.name for c in grievance.clocks}


# --- Connecticut (seed 000) --------------------------------------------------------------


def test_level_three_alerts_provider_relations_and_senior_management_at_once(app, programs, staff):
    from portal.runtime import runtime

    grievance = submit(programs["ct-dental"], Intake(description="x", level="I"), RECEIVED)
    with app.app_context():
        classify(grievance, by=staff["csr"], now=RECEIVED, runtime=runtime(), level="III")
    recipients = sorted(m.recipient for m in Outbox.objects(kind="alert"))
    assert recipients == ["director@staff.test", "provider_relations@staff.test"]
    # Colorado names no Provider Relations: its senior management alone.
    co = submit(programs["co-cma"], Intake(description="x"), RECEIVED)
    co.update(set__needs_review=True)
    from portal.services.mail import alerts

    with app.app_context():
        alerts.alert_level3(co.reload(), RECEIVED, runtime())
    assert [m.recipient for m in Outbox.objects(kind="alert", grievance=co)] == [
        "director@staff.test"
    ]


def test_level_three_referral_to_dss_has_its_own_clock_after_the_facts(programs, staff):
    grievance = submit(programs["ct-dental"], Intake(description="x", level="III"), RECEIVED)
    assert "DSS referral" not in _names(grievance)  # not before the facts are gathered
    manager = staff["manager"]
    record_event(grievance, "office contacted", by=manager, now=RECEIVED)
    facts = RECEIVED + timedelta(days=2)  # Wednesday
    said = record_event(grievance, "facts gathered", by=manager, now=facts)
    assert any(s.startswith("DSS referral started") for s in said), said
    referral = _clock(grievance, "DSS referral")
    assert referral.met_by == "state referral"
    # Missed without the referral: a business day on, it is late.
    assert referral.due_at == datetime(2026, 3, 5, 22, tzinfo=UTC)  # Thursday's close, 17:00
    assert is_late(referral, referral.due_at + timedelta(minutes=1))
    # Met by it.
    record_event(grievance, "state referral", by=manager, now=facts + timedelta(hours=3))
    assert _clock(grievance, "DSS referral").met_at is not None


def test_a_level_two_office_still_deficient_after_follow_up_prompts_the_referral(programs, staff):
    grievance = submit(programs["ct-dental"], Intake(description="x", level="II"), RECEIVED)
    manager = staff["manager"]
    record_event(grievance, "site visit", by=manager, now=RECEIVED + timedelta(days=3))
    record_event(grievance, "cap received", by=manager, now=RECEIVED + timedelta(days=8))
    # A follow-up that found the office fine: no referral.
    fine = submit(programs["ct-dental"], Intake(description="y", level="II"), RECEIVED)
    record_event(fine, "site visit", by=manager, now=RECEIVED + timedelta(days=3))
    record_event(fine, "follow up", by=manager, now=RECEIVED + timedelta(days=30))
    assert "DSS referral" not in _names(fine)
    # Still deficient: the follow-up is met, and the referral's clock starts.
    followed = RECEIVED + timedelta(days=30)
    said = record_event(grievance, "office still deficient", by=manager, now=followed)
    assert "follow-up visit met" in said
    referral = _clock(grievance, "DSS referral")
    assert referral.started_at == followed
    assert is_late(referral, referral.due_at + timedelta(minutes=1))
    record_event(grievance, "state referral", by=manager, now=followed + timedelta(days=1))
    assert _clock(grievance, "DSS referral").met_at is not None


# --- Maryland (seed 004, COMAR .11 G) ---------------------------------------------------


def _referred(programs):
    return submit(
        programs["md-hmo"],
        Intake(description="x", intake_source="department referral", category="Bad outcome"),
        RECEIVED,
    )


def test_a_final_department_report_has_its_three_parts_and_meets_both_clocks(
    programs, staff, sign_in
):
    grievance = _referred(programs)
    manager = staff["manager"]
    thirty = _clock(grievance, "department report")
    assert is_late(thirty, thirty.due_at + timedelta(minutes=1))  # missed without a report
    day = RECEIVED + timedelta(days=20)
    with pytest.raises(ActionError, match="policy changes, prevention"):
        report_to_department(grievance, by=manager, now=day, kind="final", results="Found.")
    said = report_to_department(
        grievance,
        by=manager,
        now=day,
        kind="final",
        results="The office skipped the follow-up call.",
        policy_changes="none",
        prevention="A checklist at discharge.",
    )
    assert "department report met" in said and "department final report met" in said
    stored = Grievance.objects.get(pk=grievance.pk)
    (report,) = stored.department_reports
    assert (report.kind, report.prevention) == ("final", "A checklist at discharge.")
    page = sign_in("manager").get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert "Method of prevention" in page and "A checklist at discharge." in page


def test_an_interim_report_meets_the_30_day_clock_and_the_60_day_one_runs_on(programs, staff):
    grievance = _referred(programs)
    manager = staff["manager"]
    day = RECEIVED + timedelta(days=29)
    with pytest.raises(ActionError, match="day 60"):
        report_to_department(
            grievance,
            by=manager,
            now=day,
            kind="interim",
            summary="Records requested.",
            expected_completion=(RECEIVED + timedelta(days=61)).date(),
        )
    with pytest.raises(ActionError, match="expected date of completion"):
        report_to_department(grievance, by=manager, now=day, kind="interim", summary="x")
    said = report_to_department(
        grievance,
        by=manager,
        now=day,
        kind="interim",
        summary="Records requested.",
        expected_completion=(RECEIVED + timedelta(days=50)).date(),
    )
    assert said == ["department report met"]
    final = _clock(grievance, "department final report")
    assert final.met_at is None  # stays until the final report
    assert is_late(final, final.due_at + timedelta(minutes=1))
    report_to_department(
        grievance,
        by=manager,
        now=RECEIVED + timedelta(days=45),
        kind="final",
        results="r",
        policy_changes="none",
        prevention="p",
    )
    assert _clock(grievance, "department final report").met_at is not None


def test_only_a_referred_complaint_is_reported_to_the_department(programs, staff, sign_in):
    plain = submit(programs["md-hmo"], Intake(description="x"), RECEIVED)
    with pytest.raises(ActionError, match="only a complaint the Department referred"):
        report_to_department(plain, by=staff["manager"], now=RECEIVED, kind="final")
    page = sign_in("manager").get(f"/admin/grievance/details/?id={_referred(programs).pk}").text
    assert "report" in offered_actions(page)
    plain_page = sign_in("manager").get(f"/admin/grievance/details/?id={plain.pk}").text
    assert "report" not in offered_actions(plain_page)


# --- Colorado (seed 003) ----------------------------------------------------------------

DENVER = ZoneInfo("America/Denver")


def _co(programs, when, provider, member, staff_named=None):
    return submit(
        programs["co-cma"],
        Intake(
            description="x",
            provider_name=provider,
            member_id=member,
            staff_involved=staff_named,
        ),
        when.replace(tzinfo=DENVER).astimezone(UTC),
    )


def test_the_trend_analysis_says_what_rose_and_fell_by_contractor_individual_and_staff(
    programs, portal_cli
):
    q2, q3 = datetime(2026, 5, 4, 10), datetime(2026, 8, 3, 10)
    _co(programs, q2, "North Home Care", "M1", "J. Ortiz")
    _co(programs, q2, "North Home Care", "M1", "J. Ortiz")
    _co(programs, q2, "South Supports", "M2")
    _co(programs, q3, "South Supports", "M2", "A. Lee")
    _co(programs, q3, "South Supports", "M3", "A. Lee")
    _co(programs, q3, "South Supports", "M3")
    result = portal_cli("report", "trend", "--program", "co-cma", "--quarter", "2026Q3")
    assert result.exit_code == 0, result.stderr
    compared = json.loads(result.stdout)["compared"]
    assert compared["total"] == {"previous": 3, "current": 3, "change": 0}
    assert compared["by_provider"]["rose"] == [
        {"name": "South Supports", "previous": 1, "current": 3, "change": 2}
    ]
    assert compared["by_provider"]["fell"] == [
        {"name": "North Home Care", "previous": 2, "current": 0, "change": -2}
    ]
    assert [m["name"] for m in compared["by_individual"]["rose"]] == ["M3"]
    assert [m["name"] for m in compared["by_individual"]["fell"]] == ["M1"]
    # The staff member complained about, a field of its own; not who worked the record.
    assert compared["by_staff"]["rose"][0] == {
        "name": "A. Lee",
        "previous": 0,
        "current": 2,
        "change": 2,
    }
    assert compared["by_staff"]["fell"][0]["name"] == "J. Ortiz"


def test_a_late_trend_analysis_shows_on_the_home_page_of_those_who_write_it(
    programs, staff, sign_in, clock
):
    from portal.domain.reports import Quarter
    from portal.services.reporting.reports import deliver_trend_analysis

    # 2026Q3's analysis is due October 15: on the 16th it is late.
    clock.set(datetime(2026, 10, 16, 15, tzinfo=UTC))
    home = sign_in("manager").get("/admin/").text
    assert "The trend analysis of 2026Q3 for Colorado case management agency" in home
    assert "is late" in home
    assert "late-trend" not in sign_in("csr").get("/admin/").text  # not theirs to write
    assert "The trend analysis of 2026Q2" in home  # the quarter before, never delivered
    for quarter in ("2026Q2", "2026Q3"):
        deliver_trend_analysis(
            programs["co-cma"], Quarter.parse(quarter), staff["manager"], clock.now()
        )
    assert "late-trend" not in sign_in("manager").get("/admin/").text
    # The day before it is due, nothing shows.
    clock.set(datetime(2027, 1, 14, 15, tzinfo=UTC))
    assert "2026Q4" not in sign_in("manager").get("/admin/").text


# --- Iowa (seed 002) ----------------------------------------------------------------------

CHICAGO = ZoneInfo("America/Chicago")
MONDAY_9 = datetime(2026, 3, 2, 9, tzinfo=CHICAGO).astimezone(UTC)


def _iowa(programs, kind, priority, **values):
    return submit(
        programs["ia-escalations"],
        Intake(description="x", type=kind, priority=priority, **values),
        MONDAY_9,
    )


def _reach(grievance, by, with_whom, at):
    return record_contact(
        grievance, by=by, now=at, at=at, with_whom=with_whom, channel="phone", outcome="reached"
    )


def test_a_high_member_issue_is_met_by_the_liaisons_contact_not_the_mcos(programs, staff):
    grievance = _iowa(programs, "MCO member issue", "high")
    liaison = staff["liaison"]
    clock = _clock(grievance, "liaison contact")
    assert clock.rule == "2-4 business hours"
    # Reaching the MCO does not meet the liaison's contact with the member.
    _reach(grievance, liaison, "MCO", MONDAY_9 + timedelta(hours=1))
    assert _clock(grievance, "liaison contact").met_at is None
    assert _clock(grievance, "MCO report").met_at is not None  # the liaison chased the MCO
    # A range: at risk from the lower bound, due at the upper; missed without the contact.
    rows = {r["name"]: r for r in clocks_service.rows(grievance.reload(), MONDAY_9)}
    assert rows["liaison contact"]["state"] == "running"
    later = {
        r["name"]: r
        for r in clocks_service.rows(grievance, MONDAY_9 + timedelta(hours=2, minutes=5))
    }
    assert later["liaison contact"]["state"] == "at_risk"
    assert is_late(clock, MONDAY_9 + timedelta(hours=4, minutes=1))
    # The liaison reaches the member (or whoever raised it): met.
    _reach(grievance, liaison, "caller", MONDAY_9 + timedelta(hours=3))
    assert _clock(grievance, "liaison contact").met_at == MONDAY_9 + timedelta(hours=3)
    # The MCO's own contact with the member is reported by the end of the day.
    mco_contact = _clock(grievance, "MCO contact")
    assert mco_contact.due_at == datetime(2026, 3, 2, 17, tzinfo=CHICAGO)
    record_event(grievance, "mco reached originator", by=liaison, now=MONDAY_9 + timedelta(hours=6))
    assert _clock(grievance, "MCO contact").met_at is not None


def test_each_iowa_standard_has_its_own_clock(programs):
    expected = {
        ("MCO member issue", "escalated"): {"MSA/ESR contact": "1 business day"},
        ("MCO provider issue", "high"): {
            "liaison contact": "1-2 business days",
            "MCO contact": "1-2 business days",
            "MCO report": "2 business days",
        },
        ("MCO provider issue", "escalated"): {
            "MSA/ESR contact": "3-4 business days",
            "MCO contact": "3-5 business days",
            "MCO report": "5 business days",
        },
    }
    for (kind, priority), rules in expected.items():
        grievance = _iowa(programs, kind, priority)
        for name, rule in rules.items():
            assert _clock(grievance, name).rule == rule, (kind, priority, name)


def test_portal_due_reads_a_range(portal_cli, programs):
    result = portal_cli(
        "due",
        "--program",
        "ia-escalations",
        "--received",
        "2026-03-02T09:00-06:00",
        "--rule",
        "2-4 business hours",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["due"] == "2026-03-02T13:00:00-06:00"
    assert answer["at_risk_from"] == "2026-03-02T11:00:00-06:00"
    refused = portal_cli(
        "due",
        "--program",
        "ia-escalations",
        "--received",
        "2026-03-02T09:00-06:00",
        "--rule",
        "4-2 business hours",
    )
    assert refused.exit_code == 2 and "from a smaller number to a larger one" in refused.stderr


def test_a_callback_needs_a_unit_leads_approval(programs, staff, sign_in):
    grievance = _iowa(programs, "IME escalated callback", None)
    approval = _clock(grievance, "callback approval")
    assert is_late(approval, approval.due_at + timedelta(minutes=1))  # missed without it
    with pytest.raises(ActionError, match="your role may not approve the callback"):
        approve_callback(grievance, by=staff["csr"], now=MONDAY_9)
    page = sign_in("supervisor").get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert "approve" in offered_actions(page)
    said = approve_callback(grievance, by=staff["supervisor"], now=MONDAY_9 + timedelta(hours=1))
    assert said == ["callback approval met"]
    stored = Grievance.objects.get(pk=grievance.pk)
    assert stored.callback_approved_by == staff["supervisor"]
    assert stored.callback_approved_at == MONDAY_9 + timedelta(hours=1)
    with pytest.raises(ActionError, match="no callback waiting for approval"):
        approve_callback(stored, by=staff["supervisor"], now=MONDAY_9 + timedelta(hours=2))


def test_a_member_not_in_an_mco_goes_to_member_escalations_for_a_callback(programs, staff, sign_in):
    grievance = _iowa(programs, "MCO member issue", "high", mco="not enrolled")
    assert grievance.team == "Member escalations"
    names = _names(grievance)
    assert "unit lead callback" in names
    assert not {"liaison contact", "MCO contact", "MCO report"} & names  # no MCO to wait on
    listed = (
        sign_in("supervisor")
        .get("/admin/grievance/", query_string={"flt0_team_equals": "Member escalations"})
        .text
    )
    assert grievance.reference in listed
    # An MCO outside the program's list is refused, and says which are allowed.
    with pytest.raises(ActionError, match="Iowa Total Care"):
        classify(grievance, by=staff["liaison"], now=MONDAY_9, mco="Acme Health")
    # Found not to be enrolled after intake: to the queue, the MCO clocks stop and the
    # unit lead's callback starts.
    other = _iowa(programs, "MCO member issue", "high")
    classify(other, by=staff["liaison"], now=MONDAY_9, mco="not enrolled")
    assert Grievance.objects.get(pk=other.pk).team == "Member escalations"
    names = _names(other)
    assert "unit lead callback" in names and "liaison contact" not in names
