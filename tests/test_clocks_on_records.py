"""Clocks on real records in the store: started, met, chained, recomputed, paused, extended."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.models import Grievance, Outbox, Provider
from portal.services.grievances import clocks, history
from portal.services.grievances.clocks import ClockError
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import (
    ActionError,
    classify,
    escalate,
    record_contact,
    record_event,
    resolve,
)

RECEIVED = datetime(2026, 3, 2, 15, tzinfo=UTC)  # Mon 10:00 in New York


def _clock(grievance, name):
    return next(c for c in grievance.clocks if c.name == name)


def _names(grievance):
    return sorted(c.name for c in grievance.clocks)


def test_each_program_starts_the_clocks_its_seed_calls_for(programs):
    ct = submit(programs["ct-dental"], Intake(description="x", level="II"), RECEIVED)
    assert _names(ct) == ["acknowledgment", "resolution", "site visit"]
    ia = submit(
        programs["ia-escalations"], Intake(description="x", type="IME escalated callback"), RECEIVED
    )
    assert "callback" in _names(ia)
    assert _clock(ia, "callback").due_at == datetime(2026, 3, 4, 23, tzinfo=UTC)  # Wed 17:00 CST
    co = submit(programs["co-cma"], Intake(description="x"), RECEIVED)
    assert "initial response" in _names(co)
    md = submit(
        programs["md-hmo"], Intake(description="x", intake_source="department referral"), RECEIVED
    )
    assert {"final response", "department report"} <= set(_names(md))
    iowa_high = submit(
        programs["ia-escalations"],
        Intake(description="x", type="MCO member issue", priority="high"),
        RECEIVED,
    )
    # Seed 002: the liaison reaches the member in 2-4 business hours: at risk after 2.
    liaison = _clock(iowa_high, "liaison contact")
    assert liaison.due_at == RECEIVED + timedelta(hours=4)
    assert liaison.at_risk_from == RECEIVED + timedelta(hours=2)
    for record in (ct, ia, co, md):
        assert all(c.steps and c.steps[-1].startswith("Due ") for c in record.clocks)


def test_a_contact_that_reaches_the_member_meets_its_clocks(programs, staff):
    grievance = submit(programs["co-cma"], Intake(description="x"), RECEIVED)
    csr = staff["csr"]
    record_contact(
        grievance,
        by=csr,
        now=RECEIVED + timedelta(hours=3),
        at=RECEIVED + timedelta(hours=3),
        with_whom="member",
        channel="phone",
        outcome="no answer",
    )
    assert _clock(grievance, "initial response").met_at is None
    said = record_contact(
        grievance,
        by=csr,
        now=RECEIVED + timedelta(hours=5),
        at=RECEIVED + timedelta(hours=5),
        with_whom="member",
        channel="phone",
        outcome="reached",
    )
    grievance.reload()
    assert _clock(grievance, "initial response").met_at == RECEIVED + timedelta(hours=5)
    assert _clock(grievance, "acknowledgment").met_at is not None
    assert "initial response met" in said
    assert grievance.next_due_at == _clock(grievance, "resolution").due_at


def test_the_callback_is_complete_after_two_misses_and_a_letter(programs, staff):
    grievance = submit(
        programs["ia-escalations"], Intake(description="x", type="IME escalated callback"), RECEIVED
    )
    liaison = staff["liaison"]
    for hours, channel, outcome in [(1, "phone", "no answer"), (3, "phone", "voicemail")]:
        record_contact(
            grievance,
            by=liaison,
            now=RECEIVED + timedelta(hours=hours),
            at=RECEIVED + timedelta(hours=hours),
            with_whom="caller",
            channel=channel,
            outcome=outcome,
        )
        assert _clock(grievance, "callback").met_at is None
    record_contact(
        grievance,
        by=liaison,
        now=RECEIVED + timedelta(hours=4),
        at=RECEIVED + timedelta(hours=4),
        with_whom="caller",
        channel="letter",
        outcome="letter sent",
    )
    assert _clock(grievance, "callback").met_at == RECEIVED + timedelta(hours=4)


def test_a_site_visit_meets_its_clock_and_starts_the_chained_ones(programs, staff):
    grievance = submit(programs["ct-dental"], Intake(description="x", level="II"), RECEIVED)
    visit = RECEIVED + timedelta(days=3)
    said = record_event(grievance, "site visit", by=staff["provider_relations"], now=visit)
    grievance.reload()
    assert _clock(grievance, "site visit").met_at == visit
    follow_up = _clock(grievance, "follow-up visit")
    # 30 calendar days after Thu 2026-03-05: Sat 2026-04-04, 23:59:59 EDT.
    assert follow_up.due_at == datetime(2026, 4, 5, 3, 59, 59, tzinfo=UTC)
    assert _clock(grievance, "corrective action plan").met_by == "cap received"
    assert any("follow-up visit started" in s for s in said)


def test_changing_the_level_recomputes_open_clocks_and_says_so(programs, staff, app):
    grievance = submit(programs["ct-dental"], Intake(description="x", level="I"), RECEIVED)
    said = classify(grievance, by=staff["manager"], now=RECEIVED + timedelta(hours=1), level="II")
    assert said == "clocks recomputed: started site visit"
    assert "site visit" in _names(Grievance.objects.get(pk=grievance.pk))
    said = classify(grievance, by=staff["manager"], now=RECEIVED + timedelta(hours=2), level="I")
    assert said == "clocks recomputed: stopped site visit"
    actions = [h.action for h in Grievance.objects.get(pk=grievance.pk).history]
    assert actions == [
        "received",
        "classified",
        "clocks recomputed",
        "classified",
        "clocks recomputed",
    ]


def test_level_three_alerts_senior_management_without_member_data(programs, staff, app):
    from portal.runtime import runtime

    grievance = submit(
        programs["ct-dental"],
        Intake(description="The hygienist hit me", member_name="Private Person", level="I"),
        RECEIVED,
    )
    with app.app_context():
        classify(grievance, by=staff["csr"], now=RECEIVED, runtime=runtime(), level="III")
    alert = Outbox.objects.get(kind="alert", recipient=staff["director"].email)
    assert grievance.reference in alert.text
    assert "Private Person" not in alert.text and "hygienist" not in alert.text
    assert {"senior management alert", "office contact"} <= set(_names(grievance))


def test_pause_and_resume_move_the_due_time_by_the_office_time_paused(programs, staff):
    grievance = submit(programs["co-cma"], Intake(description="x"), RECEIVED)
    before = _clock(grievance, "initial response").due_at
    start = RECEIVED + timedelta(hours=1)  # Mon 09:00 Denver
    clocks.pause(grievance, "initial response", "waiting for the member", staff["csr"], start)
    assert grievance.next_due_at != before
    with pytest.raises(ClockError, match="paused already"):
        clocks.pause(grievance, "initial response", "again", staff["csr"], start)
    clocks.resume(grievance, "initial response", staff["csr"], start + timedelta(days=1))
    after = _clock(grievance, "initial response").due_at
    calendar = programs["co-cma"].calendar()
    assert calendar.business_between(before, after) == calendar.business_between(
        start, start + timedelta(days=1)
    )
    assert "Paused for" in _clock(grievance, "initial response").steps[-1]


def test_an_extension_moves_due_by_its_rule_and_keeps_the_reason(programs, staff):
    grievance = submit(programs["md-hmo"], Intake(description="x"), RECEIVED)
    before = _clock(grievance, "resolution").due_at
    clocks.extend(
        grievance,
        "resolution",
        "14 calendar days",
        "member sending records",
        staff["manager"],
        RECEIVED + timedelta(days=80),
    )
    clock = _clock(grievance, "resolution")
    assert (clock.due_at - before).days == 14
    assert clock.extensions[0].reason == "member sending records"
    with pytest.raises(ClockError, match="needs a reason"):
        clocks.extend(grievance, "resolution", "14 calendar days", "", staff["manager"], RECEIVED)
    with pytest.raises(ClockError, match="no clock 'nope'"):
        clocks.extend(grievance, "nope", "1 business day", "r", staff["manager"], RECEIVED)


def test_the_resolution_is_extended_by_14_calendar_days_at_most(programs, staff):
    """42 CFR 438.408(c): up to 14 calendar days; "30 calendar days" used to be accepted."""
    grievance = submit(programs["md-hmo"], Intake(description="x"), RECEIVED)
    before = _clock(grievance, "resolution").due_at
    for rule in ("30 calendar days", "15 business days", "15 calendar days"):
        with pytest.raises(ClockError, match=r"at most 14 calendar days \(42 CFR 438.408"):
            clocks.extend(grievance, "resolution", rule, "records", staff["manager"], RECEIVED)
    assert _clock(grievance, "resolution").due_at == before
    assert _clock(grievance, "resolution").extensions == []
    # A program's own step is not the federal resolution: its extension is the program's call.
    ct = submit(programs["ct-dental"], Intake(description="x", level="II"), RECEIVED)
    site_visit = _clock(ct, "site visit").due_at
    clocks.extend(ct, "site visit", "30 calendar days", "office closed", staff["manager"], RECEIVED)
    assert (_clock(ct, "site visit").due_at - site_visit).days >= 29


def test_escalation_climbs_the_tiers_and_records_who_and_when(programs, staff):
    grievance = submit(programs["co-cma"], Intake(description="x"), RECEIVED)
    assert (
        escalate(
            grievance, by=staff["csr"], now=RECEIVED, reason="member upset", to=staff["supervisor"]
        )
        == "supervisor"
    )
    assert (
        escalate(
            grievance,
            by=staff["supervisor"],
            now=RECEIVED + timedelta(hours=1),
            reason="needs the manager",
            to=staff["manager"],
        )
        == "manager"
    )
    with pytest.raises(ActionError, match="last tier"):
        escalate(grievance, by=staff["manager"], now=RECEIVED, reason="again")
    stored = Grievance.objects.get(pk=grievance.pk)
    assert [(e.tier, e.by.pk) for e in stored.escalations] == [
        ("supervisor", staff["csr"].pk),
        ("manager", staff["supervisor"].pk),
    ]
    assert stored.assignee == staff["manager"] and stored.status == "escalated"


def test_repeat_level_one_complaints_flag_the_provider_and_its_records(programs, staff, app):
    from portal.runtime import runtime

    provider = Provider(name="Bright Smile", npi="1234567890").save()
    records = []
    for day in range(3):
        grievance = submit(
            programs["ct-dental"],
            Intake(description="rude", level="I"),
            RECEIVED + timedelta(days=day),
        )
        grievance.provider = provider
        grievance.save()
        records.append(grievance)
        with app.app_context():
            classify(
                grievance,
                by=staff["csr"],
                now=RECEIVED + timedelta(days=day),
                runtime=runtime(),
                type="Other",
            )
            from portal.services.grievances.verbs import after_classification

            after_classification(
                grievance, RECEIVED + timedelta(days=day), runtime(), level_changed=False
            )
    provider.reload()
    assert provider.review_flag
    assert "3 Level I records in 90 days" in provider.review_flag_reason
    assert all(Grievance.objects.get(pk=r.pk).repeat_flag for r in records)


def test_resolution_meets_clocks_and_sets_retention_from_the_longest_rule(programs, staff):
    grievance = submit(programs["md-hmo"], Intake(description="x"), RECEIVED)
    resolved = RECEIVED + timedelta(days=30)
    resolve(grievance, by=staff["manager"], now=resolved, summary="Fixed.", substantiated=True)
    stored = Grievance.objects.get(pk=grievance.pk)
    assert stored.status == "resolved" and not stored.is_open and stored.next_due_at is None
    assert _clock(stored, "final response").met_at == resolved
    # Maryland's own rule is 5 years; the federal 10 years is longer and wins.
    assert stored.retain_until.year == resolved.year + 10
    with pytest.raises(ActionError, match="the record is resolved"):
        resolve(grievance, by=staff["manager"], now=resolved, summary="Again.")
    other = submit(programs["md-hmo"], Intake(description="y"), RECEIVED)
    with pytest.raises(ActionError, match="resolution summary"):
        resolve(other, by=staff["manager"], now=resolved, summary=" ")


def test_history_is_chained_and_tampering_shows(programs, staff):
    grievance = submit(programs["co-cma"], Intake(description="x"), RECEIVED)
    escalate(grievance, by=staff["csr"], now=RECEIVED, reason="upset")
    stored = Grievance.objects.get(pk=grievance.pk)
    assert history.first_broken(stored) is None
    assert stored.history[-1].hash.startswith(history.KEYED)  # keyed by HISTORY_KEY
    stored.history[0].detail = "through the back door"
    assert history.first_broken(stored) == 0
    # Whoever can write to the database but has no HISTORY_KEY cannot make the chain hold
    # again: hashes recomputed the old way (plain SHA-256) or under another key are caught.
    import hashlib
    import hmac
    import json

    def rewrite(make):
        previous = ""
        for entry in stored.history:
            body = json.dumps(
                {
                    "previous": previous,
                    "at": history._ms(entry.at).isoformat(),
                    "by": str(entry.by.pk) if entry.by else None,
                    "action": entry.action,
                    "detail": entry.detail or "",
                    "changes": entry.changes or {},
                },
                sort_keys=True,
                default=str,
            ).encode()
            entry.hash = make(body)
            previous = entry.hash

    rewrite(lambda body: history.KEYED + hmac.new(b"a guess", body, hashlib.sha256).hexdigest())
    assert history.first_broken(stored) == 0
    rewrite(lambda body: history.KEYED + hashlib.sha256(body).hexdigest())
    assert history.first_broken(stored) == 0
    rewrite(lambda body: hashlib.sha256(body).hexdigest())  # as entries were before the key
    assert history.first_broken(stored) == 0
