"""Working a record from its screen: each action a small form, each through its service."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from portal.models import Grievance
from portal.services.grievances.intake import Intake, submit
from tests.helpers import csrf_token, offered_actions


def _act(client, grievance, action, **fields):
    # One token per session; the login page has it even when the record offers no form.
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-csrf_token"] = csrf_token(client.get("/login").text)
    return client.post(
        f"/admin/grievance/act/{action}/?id={grievance.pk}", data=data, follow_redirects=True
    )


def _details(client, grievance) -> str:
    return client.get(f"/admin/grievance/details/?id={grievance.pk}").text


def _work_forms(page: str) -> set[str]:
    """The actions the record page offers: one form (class action-NAME) for each."""
    return offered_actions(page)


def test_a_manager_takes_a_record_from_received_to_closed(sign_in, programs, staff, clock):
    received = clock.now() - timedelta(hours=3)
    grievance = submit(
        programs["ct-dental"],
        Intake(
            description="<script>alert(1)</script> The office was dirty.", member_name="M. Member"
        ),
        received,
    )
    manager = sign_in("manager")
    page = _details(manager, grievance)
    assert {"assign", "contact", "resolve", "escalate", "withdraw"} <= _work_forms(page)
    for label in ("Record a contact attempt", "Escalate", "Withdraw"):
        assert label in page
    assert "<script>alert(1)</script>" not in page

    done = _act(manager, grievance, "assign", assignee=str(staff["csr"].pk))
    assert "Assigned to Test csr." in done.text
    done = _act(manager, grievance, "classify", level="I", type="Other")
    assert "Saved." in done.text
    done = _act(
        manager,
        grievance,
        "contact",
        with_whom="member",
        channel="phone",
        outcome="reached",
        note="Spoke with the member",
    )
    assert "Contact attempt recorded." in done.text and "acknowledgment met" in done.text
    done = _act(
        manager,
        grievance,
        "note",
        kind="investigation",
        text="Called the office; they will clean.",
    )
    assert "Note added." in done.text
    done = _act(
        manager,
        grievance,
        "resolve",
        summary="Office cleaned; member satisfied.",
        substantiated="yes",
    )
    assert "Resolved; the resolution notice is" in done.text
    done = _act(manager, grievance, "close", reason="Member told by phone")
    assert "Closed." in done.text

    stored = Grievance.objects.get(pk=grievance.pk)
    assert (stored.status, stored.is_open, stored.assignee.pk) == ("closed", False, staff["csr"].pk)
    assert stored.substantiated is True
    assert [h.action for h in stored.history] == [
        "received",
        "assigned",
        "classified",
        "contact attempt",
        "event",
        "narrative added",
        "resolved",
        "event",
        "closed",
    ]
    assert all(h.by.pk == staff["manager"].pk for h in stored.history[1:])
    details = manager.get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert "Reopen" in details and "Record a contact attempt" not in details
    done = _act(manager, grievance, "reopen", reason="member called back")
    assert "Reopened." in done.text
    done = _act(manager, grievance, "event", event="state referral")
    assert "Recorded: state referral." in done.text
    last = Grievance.objects.get(pk=grievance.pk).history[-1]
    assert (last.action, last.detail.split(" on ")[0]) == ("step", "state referral")


def test_bad_action_input_gets_a_message_and_changes_nothing(sign_in, programs, staff, clock):
    received = clock.now() - timedelta(hours=3)
    grievance = submit(programs["ct-dental"], Intake(description="x"), received)
    manager = sign_in("manager")
    future = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = _act(
        manager,
        grievance,
        "contact",
        with_whom="member",
        channel="phone",
        outcome="reached",
        when=future,
    )
    assert "That time is in the future." in answer.text
    answer = _act(manager, grievance, "resolve", summary="", substantiated="yes")
    assert "Write the resolution." in answer.text
    answer = _act(manager, grievance, "close", reason="early")
    assert answer.status_code == 403  # close is offered only once resolved
    answer = _act(
        manager,
        grievance,
        "extend",
        clock="resolution",
        rule="2 fortnights",
        reason="why not",
    )
    assert "cannot read the rule" in answer.text
    answer = _act(
        manager, grievance, "extend", clock="resolution", rule="30 calendar days", reason="x"
    )
    assert "at most 14 calendar days (42 CFR 438.408(c))" in answer.text
    answer = _act(
        manager,
        grievance,
        "contact",
        with_whom="the moon",
        channel="phone",
        outcome="reached",
    )
    assert answer.status_code == 200 and "Not a valid choice" in answer.text
    stored = Grievance.objects.get(pk=grievance.pk)
    assert stored.contact_attempts == [] and stored.status == "received"
    assert [h.action for h in stored.history] == ["received"]


def test_actions_follow_the_roles(sign_in, programs, staff, clock):
    grievance = submit(
        programs["ct-dental"], Intake(description="x"), clock.now() - timedelta(hours=1)
    )
    auditor = sign_in("auditor")
    page = auditor.get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert "Work this record" not in page
    assert _act(auditor, grievance, "note", kind="note", text="x").status_code == 403
    csr = sign_in("csr")
    assert _act(csr, grievance, "withdraw", reason="asked").status_code == 403
    assert "Withdraw" not in csr.get(f"/admin/grievance/details/?id={grievance.pk}").text
    assert _act(csr, grievance, "nonsense").status_code == 404
    assert Grievance.objects.get(pk=grievance.pk).history[-1].action == "received"


def test_an_action_without_its_token_is_refused(sign_in, programs, staff, clock):
    grievance = submit(
        programs["ct-dental"], Intake(description="x"), clock.now() - timedelta(hours=1)
    )
    manager = sign_in("manager")
    answer = manager.post(
        f"/admin/grievance/act/note/?id={grievance.pk}",
        data={"note-kind": "note", "note-text": "sneaky"},
    )
    assert answer.status_code == 400
    assert not re.search("sneaky", str(Grievance.objects.get(pk=grievance.pk).narratives))


def test_pause_resume_and_extend_from_the_screen(sign_in, programs, staff, clock):
    grievance = submit(
        programs["md-hmo"], Intake(description="x"), clock.now() - timedelta(hours=1)
    )
    manager = sign_in("manager")
    details = f"/admin/grievance/details/?id={grievance.pk}"
    assert "Resume a clock" not in manager.get(details).text
    done = _act(
        manager,
        grievance,
        "pause",
        clock="final response",
        reason="member sending records",
    )
    assert "final response paused." in done.text
    assert "Resume a clock" in manager.get(details).text
    done = _act(manager, grievance, "resume", clock="final response")
    assert "final response resumed." in done.text
    before = next(
        c for c in Grievance.objects.get(pk=grievance.pk).clocks if c.name == "resolution"
    ).due_at
    done = _act(
        manager,
        grievance,
        "extend",
        clock="resolution",
        rule="14 calendar days",
        reason="notice sent to the member",
    )
    assert "resolution extended; the member must be told why within 2 days." in done.text
    stored = Grievance.objects.get(pk=grievance.pk)
    after = next(c for c in stored.clocks if c.name == "resolution").due_at
    notice = next(c for c in stored.clocks if c.name == "extension notice")
    assert notice.met_by == "extension notice" and notice.rule == "2 calendar days"
    # As staff read it: 14 days later on Maryland's calendar (in UTC a clock change between
    # the two makes it 13 days 23 hours, or 14 days 1 hour).
    zone = ZoneInfo(programs["md-hmo"].timezone)
    assert after.astimezone(zone).date() - before.astimezone(zone).date() == timedelta(days=14)
    assert after.astimezone(zone).time() == before.astimezone(zone).time()


def test_legal_hold_by_a_manager_only(sign_in, programs, staff, clock):
    grievance = submit(
        programs["ct-dental"], Intake(description="x"), clock.now() - timedelta(hours=1)
    )
    supervisor = sign_in("supervisor")
    assert _act(supervisor, grievance, "hold", reason="x").status_code == 403
    manager = sign_in("manager")
    done = _act(manager, grievance, "hold", reason="Litigation request 2026-114")
    assert "Legal hold on." in done.text
    assert Grievance.objects.get(pk=grievance.pk).legal_hold
    done = _act(manager, grievance, "hold", reason="Matter closed")
    assert "Legal hold lifted." in done.text
    assert [h.action for h in Grievance.objects.get(pk=grievance.pk).history][-2:] == [
        "legal hold on",
        "legal hold lifted",
    ]


def test_extra_posted_fields_change_nothing(sign_in, programs, staff, clock):
    """An action changes what the lifecycle table says it changes, whatever else is posted;
    the old edit form is gone for everyone."""
    grievance = submit(
        programs["ct-dental"], Intake(description="x"), clock.now() - timedelta(hours=1)
    )
    before = Grievance.objects.get(pk=grievance.pk).to_mongo().to_dict()
    manager = sign_in("manager")
    assert manager.get(f"/admin/grievance/edit/?id={grievance.pk}").status_code == 403
    hostile = {
        "status": "closed",
        "reference": "G-1999-000001",
        "legal_hold": "y",
        "retain_until": "2000-01-01",
        "history": "[]",
        "is_open": "",
    }
    answer = manager.post(
        f"/admin/grievance/edit/?id={grievance.pk}",
        data={"csrf_token": csrf_token(manager.get("/login").text), **hostile},
    )
    assert answer.status_code == 403
    done = _act(manager, grievance, "classify", level="II", **hostile)
    assert "Saved." in done.text
    stored = Grievance.objects.get(pk=grievance.pk).to_mongo().to_dict()
    changed = {k for k in stored.keys() | before.keys() if stored.get(k) != before.get(k)}
    # The classification and what follows from it (clocks, history), and nothing else.
    assert changed <= {"level", "clocks", "next_due_at", "history", "updated_at"}, changed
    assert stored["level"] == "II" and stored["status"] == "received"
