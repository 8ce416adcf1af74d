"""What each program's own rules owe, item by item (seeds 000-004): each obligation met by its
own event and missed without it, with a frozen clock, and shown where staff look for it."""

from datetime import UTC, datetime, timedelta

from portal.models import Outbox
from portal.services.grievances.clocks import is_late
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import classify, record_event

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
