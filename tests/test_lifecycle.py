"""One lifecycle: staff take phone complaints; the record page offers exactly what the
lifecycle table allows; nothing posted outside the lifecycle or a program's lists changes a
record or a report; and random sequences of allowed and refused actions keep every record
consistent (a hypothesis state machine over the services' verbs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from portal.access import ROLES
from portal.domain import lifecycle
from portal.domain.reports import Quarter
from portal.models import Grievance, Outbox, User
from portal.services.grievances import history
from portal.services.grievances import verbs as grievances
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import ActionError
from portal.services.reporting.reports import quarterly as quarterly_report
from tests.helpers import csrf_token, offered_actions

PROGRAMS = ("ct-dental", "ia-escalations", "co-cma", "md-hmo")


def _take_call(client, slug: str, **fields):
    """A phone complaint through the admin's New complaint screen, as a CSR types it."""
    page = client.get(f"/admin/intake/{slug}/")
    assert page.status_code == 200, page.status_code
    data = {
        "csrf_token": csrf_token(page.text),
        "filed_by": "representative",
        "caller_name": "Marta Quill",
        "caller_relationship": "daughter",
        "caller_phone": "860-555-0199",
        "member_name": "Ana Quill",
        "member_id": "M-5531",
        "age_group": "adult",
        "description": "The office cancelled my appointment three times.",
        "caller_told": "We will call you back within 2 business days.",
        "state_route_offered": "y",
        "intake_source": "phone",
        **fields,
    }
    return client.post(f"/admin/intake/{slug}/", data=data, follow_redirects=True)


@pytest.mark.parametrize("slug", PROGRAMS)
def test_a_csr_takes_a_phone_complaint_and_reads_back_the_reference(
    sign_in, programs, staff, client, clock, slug
):
    program = programs[slug]
    csr = sign_in("csr")
    source = "call center" if slug == "ia-escalations" else "phone"
    answer = _take_call(csr, slug, intake_source=source)
    assert answer.status_code == 200
    reference = re.search(r"Recorded (G-\d{4}-\d{6})\. Read the reference back", answer.text)
    assert reference, answer.text[:3000]
    taken = Grievance.objects.get(reference=reference.group(1))
    assert taken.intake_source == source and taken.filed_by == "representative"
    assert (taken.caller.name, taken.caller.phone) == ("Marta Quill", "860-555-0199")
    assert taken.caller_told == "We will call you back within 2 business days."
    assert taken.state_form_offered is (True if program.member_routes else None)
    assert taken.history[0].by == staff["csr"] and taken.narratives[0].kind == "intake"
    # The same clocks as the same complaint filed on the web.
    web = submit(
        program,
        Intake(description="The office cancelled."),
        clock.now(),
        received_at=taken.received_at,
    )
    assert [c.name for c in taken.clocks] == [c.name for c in web.clocks]
    assert [c.due_at for c in taken.clocks] == [c.due_at for c in web.clocks]
    # It is on the dashboard's lists at once.
    home = csr.get("/admin/").text
    assert re.search(r"Unassigned, open</a></td><td class=\"text-right\">2<", home), home[-3000:]
    listed = csr.get("/admin/grievance/", query_string={"flt0_open_equals": "1"}).text
    assert taken.reference in listed


def test_a_level_three_phone_complaint_alerts_senior_management(sign_in, programs, staff):
    answer = _take_call(
        sign_in("dhcs"), "ct-dental", description="The dentist hit me and I bled a lot."
    )
    assert answer.status_code == 200
    taken = Grievance.objects.get(caller__name="Marta Quill")
    assert taken.level == "III" and taken.needs_review
    alerts = Outbox.objects(kind="alert").order_by("recipient")
    assert [a.recipient for a in alerts] == ["director@staff.test", "provider_relations@staff.test"]
    assert not any("hit me" in a.text for a in alerts)


def test_intake_outside_the_program_lists_is_refused_and_says_why(sign_in, programs, staff):
    csr = sign_in("csr")
    for field, value in (
        ("level", "ZZZ"),
        ("type", "made up type"),
        ("intake_source", "carrier pigeon"),
        ("priority", "urgent"),
    ):
        answer = _take_call(csr, "co-cma", **{field: value})
        assert answer.status_code == 400, field
        text = answer.text.replace("&#39;", "'")
        assert f"'{value}' is not one of this program's" in text, field
        assert "nothing was saved" in text
    assert Grievance.objects.count() == 0
    # Choices name the allowed values: Colorado has no levels at all.
    answer = _take_call(csr, "co-cma", level="I")
    assert "(it has none)" in answer.text.replace("&#39;", "'")
    # The service refuses it from any door, naming the allowed values.
    from portal.domain.vocabulary import VocabularyError

    with pytest.raises(VocabularyError, match="Provider Access"):
        submit(programs["ct-dental"], Intake(description="x", type="made up type"), _NOW)
    assert sign_in("auditor").get("/admin/intake/ct-dental/").status_code == 403


_NOW = datetime(2026, 11, 18, 15, tzinfo=UTC)


def _records(programs, staff) -> dict[str, Grievance]:
    """One record in each state the lifecycle tells apart, in Connecticut and Colorado."""
    lead, csr = staff["manager"], staff["csr"]
    made = {}

    def new(slug: str, what: str) -> Grievance:
        grievance = submit(programs[slug], Intake(description=what), _NOW - timedelta(days=3))
        made[f"{slug} {what}"] = grievance
        return grievance

    for slug in ("ct-dental", "co-cma"):
        new(slug, "received")
        grievances.assign(new(slug, "in progress"), csr, by=lead, now=_NOW)
        grievances.escalate(new(slug, "escalated"), by=csr, now=_NOW, reason="asked")
        top = new(slug, "with a manager")
        grievances.escalate(top, by=csr, now=_NOW, reason="asked")
        grievances.escalate(top, by=lead, now=_NOW, reason="still upset")
        paused = new(slug, "clock paused")
        grievances.pause_clock(paused, paused.clocks[-1].name, by=lead, now=_NOW, reason="x")
        grievances.resolve(new(slug, "resolved"), by=lead, now=_NOW, summary="Done.")
        closed = new(slug, "closed")
        grievances.resolve(closed, by=lead, now=_NOW, summary="Done.")
        grievances.close(closed, by=lead, now=_NOW)
        grievances.withdraw(new(slug, "withdrawn"), by=lead, now=_NOW, reason="by phone")
        grievances.set_legal_hold(new(slug, "on hold"), on=True, by=lead, now=_NOW, reason="court")
    return made


def _offered(page: str) -> set[str]:
    return offered_actions(page)


@pytest.mark.parametrize("role", ROLES)
def test_the_screen_offers_exactly_what_the_table_allows_and_refuses_the_rest(
    sign_in, programs, staff, role
):
    records = _records(programs, staff)
    client = sign_in(role)
    token = csrf_token(client.get("/login").text)
    refused = 0
    for what, grievance in records.items():
        grievance.reload()
        allowed = set(lifecycle.available(grievances.state_of(grievance), {role}))
        page = client.get(f"/admin/grievance/details/?id={grievance.pk}").text
        assert _offered(page) == allowed, (role, what)
        before = grievance.to_mongo().to_dict()
        for action in set(lifecycle.ACTIONS) - allowed:
            answer = client.post(
                f"/admin/grievance/act/{action}/?id={grievance.pk}",
                data={f"{action}-csrf_token": token, f"{action}-reason": "because"},
            )
            assert answer.status_code == 403, (role, what, action)
            assert "Not done:" in answer.text, (role, what, action)
            refused += 1
        assert Grievance.objects.get(pk=grievance.pk).to_mongo().to_dict() == before
    print(f"role {role}: {len(records)} record states, {refused} refused posts, 0 changes")


# Values outside the lifecycle or a program's lists, for every action's fields.
HOSTILE = {
    "classify": [{"level": "ZZZ"}, {"type": "made up type"}, {"priority": "x"}, {"category": "y"}],
    "assign": [{"assignee": "auditor"}, {"assignee": "000000000000000000000000"}],
    "contact": [{"with_whom": "the moon", "channel": "phone", "outcome": "reached"}],
    "event": [{"event": "party"}],
    "note": [{"kind": "secret", "text": "x"}, {"kind": "note", "text": " "}],
    "correct": [{"reason": "", "member__phone": "1"}, {"reason": "x", "incident_date": "soon"}],
    "escalate": [{"reason": ""}],
    "pause": [{"clock": "no such clock"}],
    "resume": [{"clock": "no such clock"}],
    "extend": [{"clock": "resolution", "rule": "30 calendar days"}, {"clock": "nope"}],
    "resolve": [
        {"summary": "", "substantiated": "yes"},
        {"summary": "ok", "substantiated": "yes", "reason": "not one of them"},
    ],
    "close": [{"reason": ""}],
    "withdraw": [{"reason": ""}],
    "reopen": [{"reason": ""}],
    "hold": [{"reason": ""}],
}
EDIT_FORM = {"status": "closed", "level": "ZZZ", "type": "made up type", "resolution": ""}


@pytest.mark.parametrize("role", ROLES)
def test_values_outside_the_lifecycle_or_the_program_change_nothing(sign_in, programs, staff, role):
    records = {
        slug: submit(programs[slug], Intake(description="x"), _NOW - timedelta(days=3))
        for slug in ("co-cma", "ct-dental")
    }
    before_records = {s: g.to_mongo().to_dict() for s, g in records.items()}
    quarter = Quarter.of(_NOW.date())
    before_reports = {s: quarterly_report(programs[s], quarter) for s in records}
    client = sign_in(role)
    token = csrf_token(client.get("/login").text)
    answers = 0
    for slug, grievance in records.items():
        edit = client.post(
            f"/admin/grievance/edit/?id={grievance.pk}", data={"csrf_token": token, **EDIT_FORM}
        )
        assert edit.status_code == 403
        for action, payloads in HOSTILE.items():
            for payload in payloads:
                values = dict(payload)
                if values.get("assignee") == "auditor":
                    values["assignee"] = str(staff["auditor"].pk)
                data = {f"{action}-{k}": v for k, v in values.items()}
                data[f"{action}-csrf_token"] = token
                answer = client.post(
                    f"/admin/grievance/act/{action}/?id={grievance.pk}",
                    data=data,
                    follow_redirects=True,
                )
                answers += 1
                text = answer.text.replace("&#39;", "'")
                said_why = answer.status_code in (400, 403) or any(
                    marker in text
                    for marker in ("invalid-feedback", "text-danger", "alert-danger", "Not done")
                )
                assert said_why, (role, slug, action, payload, answer.status_code)
                stored = Grievance.objects.get(pk=grievance.pk).to_mongo().to_dict()
                assert stored == before_records[slug], (role, slug, action, payload)
    for slug in records:
        assert quarterly_report(programs[slug], quarter) == before_reports[slug]
    print(f"role {role}: {answers} hostile posts, 0 records or reports changed")


class Lifecycle(RuleBasedStateMachine):
    """Records of every program; each step one verb by someone of some role, allowed or not.
    A refused step changes nothing; after every step the record is consistent."""

    @initialize(slug=st.sampled_from(PROGRAMS))
    def file(self, slug):
        self.program = self.programs[slug]
        self.now = _NOW - timedelta(days=30)
        self.record = submit(self.program, Intake(description="x"), self.now)
        self.steps = self.refused = 0

    def tick(self) -> datetime:
        self.now += timedelta(hours=5)
        return self.now

    def attempt(self, verb, role, **kwargs):
        before = Grievance.objects.get(pk=self.record.pk).to_mongo().to_dict()
        try:
            verb(self.record, by=self.staff[role], now=self.tick(), **kwargs)
        except (ActionError, ValueError):
            self.refused += 1
            self.record = Grievance.objects.get(pk=self.record.pk)
            assert self.record.to_mongo().to_dict() == before, verb.__name__
        self.record = Grievance.objects.get(pk=self.record.pk)
        self.steps += 1

    roles = st.sampled_from(ROLES)

    @rule(role=roles, to=roles)
    def assign(self, role, to):
        self.attempt(lambda g, **k: grievances.assign(g, self.staff[to], **k), role)

    @rule(role=roles, level=st.sampled_from(["I", "II", "III", "ZZZ", None]))
    def classify(self, role, level):
        self.attempt(grievances.classify, role, level=level)

    @rule(role=roles)
    def escalate(self, role):
        self.attempt(grievances.escalate, role, reason="asked")

    @rule(role=roles, summary=st.sampled_from(["Found and fixed.", " "]))
    def resolve(self, role, summary):
        self.attempt(grievances.resolve, role, summary=summary)

    @rule(role=roles)
    def close(self, role):
        self.attempt(grievances.close, role)

    @rule(role=roles)
    def withdraw(self, role):
        self.attempt(grievances.withdraw, role, reason="by phone")

    @rule(role=roles)
    def reopen(self, role):
        self.attempt(grievances.reopen, role, reason="called back")

    @rule(role=roles)
    def pause(self, role):
        running = [c.name for c in self.record.clocks if c.met_at is None and not c.paused]
        self.attempt(grievances.pause_clock, role, clock=(running or ["none"])[0], reason="records")

    @rule(role=roles)
    def resume(self, role):
        paused = [c.name for c in self.record.clocks if c.met_at is None and c.paused]
        self.attempt(grievances.resume_clock, role, clock=(paused or ["none"])[0])

    @rule(role=roles)
    def note(self, role):
        self.attempt(grievances.add_note, role, kind="note", text="A call.")

    @invariant()
    def consistent(self):
        record = self.record
        assert record.status in lifecycle.STATUSES
        assert record.is_open == (record.status in lifecycle.OPEN)
        if record.status in ("resolved", "closed"):
            assert record.resolution and record.resolved_at is not None
        if record.is_open:
            waiting = [c.due_at for c in record.clocks if c.met_at is None and not c.paused]
            assert record.next_due_at == (min(waiting) if waiting else None)
        else:
            assert record.next_due_at is None and not record.overdue
        assert history.first_broken(record) is None


def test_random_sequences_keep_every_record_consistent(programs, staff):
    extra = User(email="lead2@staff.test", name="Second manager", roles=["manager"]).save()
    assert extra.pk
    Lifecycle.programs, Lifecycle.staff = programs, staff
    runs = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    Lifecycle.TestCase.settings = runs
    Lifecycle.TestCase().runTest()
