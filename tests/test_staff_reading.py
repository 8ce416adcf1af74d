"""What staff can read (issue 17): help written for the people who take the calls, linked from
every action's form, and Colorado's training checklist."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.lifecycle import ACTIONS
from portal.models import AuditEvent, TrainingRecord
from portal.services import training
from portal.services.grievances.intake import Intake, submit
from tests.browser import serious_accessibility_problems
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, offered_actions


def test_the_help_explains_each_program_clock_and_action(sign_in, programs):
    page = sign_in("csr").get("/admin/help/").text
    assert "Any client expression of dissatisfaction is a grievance" in page  # Connecticut
    assert "instruments not sterilized" in page and "Level III" in page
    assert "Responding versus resolving" in page and "Recording a phone complaint" in page
    # Every clock of every program, and what meets it, in words.
    for program in programs.values():
        for rule in program.clock_rules:
            assert rule.rule in page, (program.slug, rule.name)
    assert "the MCO reports it has contacted the member or provider" in page
    # A paragraph for every action of the lifecycle.
    for name in ACTIONS:
        assert f'id="action-{name}"' in page, name


def test_every_action_form_links_to_its_paragraph(sign_in, programs):
    grievance = submit(
        programs["md-hmo"],
        Intake(description="x", intake_source="department referral"),
        datetime(2026, 11, 16, 15, tzinfo=UTC),
    )
    record = sign_in("manager").get(f"/admin/grievance/details/?id={grievance.pk}").text
    offered = offered_actions(record)
    linked = set(re.findall(r'/admin/help/#action-(\w+)"', record))
    assert offered and offered == linked


def test_managers_keep_colorados_training_checklist(sign_in, programs, staff, clock):
    co = programs["co-cma"]
    assert len(co.training_objectives) == 7
    manager = sign_in("manager")
    page = manager.get("/admin/training/?program=co-cma")
    assert page.status_code == 200
    assert "Responding to a complaint vs. resolving a complaint" in page.text
    assert "0 of" in page.text  # nobody has completed everything yet
    token = csrf_token(page.text)
    form = {
        "csrf_token": token,
        "program": "co-cma",
        "user": str(staff["csr"].pk),
        "objective": "Complaint definitions",
        "completed_on": "2026-11-17",
    }
    done = manager.post("/admin/training/record", data=form, follow_redirects=True)
    assert "Test csr completed Complaint definitions on 2026-11-17." in done.text
    record = TrainingRecord.objects.get(user=staff["csr"])
    assert record.recorded_by == staff["manager"] and str(record.completed_on) == "2026-11-17"
    assert AuditEvent.objects(action="training recorded").count() == 1
    refused = manager.post(
        "/admin/training/record", data={**form, "objective": "Juggling"}, follow_redirects=True
    )
    assert "is not one of Colorado case management agency&#39;s training objectives" in refused.text
    with pytest.raises(training.TrainingError, match="still to come"):
        training.record(
            co,
            staff["csr"],
            "Complaint definitions",
            clock.now().date() + timedelta(days=1),
            by=staff["manager"],
            now=clock.now(),
        )
    assert sign_in("csr").get("/admin/training/").status_code == 403


def test_the_help_and_procedure_pages_pass_axe(live_server, programs, staff, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "csr@staff.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/admin/.*"))
    for path in ("/admin/help/", "/complaint/procedure/md-hmo", "/complaint/procedure/ct-dental"):
        page.goto(f"{live_server}{path}")
        assert serious_accessibility_problems(page) == [], path
    context.close()
