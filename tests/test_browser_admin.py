"""A manager in a real browser: sign in, filter, open a record, log a call, resolve it."""

from datetime import timedelta

from portal.models import Grievance
from portal.services.grievances.clocks import refresh_overdue
from portal.services.grievances.intake import Intake, submit

PASSWORD = "correct horse battery"


def test_manager_works_a_record_in_the_browser(live_server, programs, staff, browser, shots, clock):
    now = clock.now()  # the overdue flags below are set at this instant, not by the server
    late = submit(
        programs["ct-dental"],
        Intake(
            description="<img src=x onerror=alert(1)> The front desk was rude.",
            member_name="Browser Member",
            level="I",
        ),
        now - timedelta(days=120),
    )
    fresh = submit(programs["ct-dental"], Intake(description="fresh"), now)
    refresh_overdue(now)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs, refused = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # The Content-Security-Policy allows no inline script: anything it blocks is a bug.
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto(f"{live_server}/admin/")
    assert "/login" in page.url
    page.fill("#email", "manager@staff.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=What needs you now")
    shots(page, "home")

    page.click("text=Overdue, all open records")
    page.wait_for_selector(f"text={late.reference}")
    assert fresh.reference not in page.content()
    shots(page, "overdue-list")

    page.click(f"a:has-text('{late.reference}')")
    page.wait_for_selector("text=Work this record")
    assert page.locator("text=<img src=x onerror=alert(1)> The front desk was rude.").count()
    shots(page, "record")

    # The summary first, the work beside it: each action opens where it is listed.
    assert (
        page.locator(".record-summary >> text=Overdue").count()
        or page.locator(".record-summary .badge-danger").count()
    )
    page.click("summary:has-text('Record a contact attempt')")
    contact = page.locator("form.action-contact")
    contact.locator("select[name='contact-with_whom']").select_option("member")
    contact.locator("select[name='contact-channel']").select_option("phone")
    contact.locator("select[name='contact-outcome']").select_option("reached")
    contact.locator("input[name='contact-note']").fill("Apologised; will follow up.")
    contact.locator("button[type=submit]").click()
    page.wait_for_selector("text=Contact attempt recorded.")
    shots(page, "contact-recorded")

    page.click("summary:has-text('Resolve')")
    resolve = page.locator("form.action-resolve")
    resolve.locator("textarea[name='resolve-summary']").fill("Spoke with the office manager.")
    resolve.locator("input[value='yes']").check()
    resolve.locator("button[type=submit]").click()
    page.wait_for_selector("text=Resolved; the resolution notice is")
    shots(page, "resolved")

    stored = Grievance.objects.get(pk=late.pk)
    assert stored.status == "resolved" and stored.contact_attempts[0].outcome == "reached"
    assert dialogs == []  # the member's markup never ran

    # A phone complaint, taken from the admin: the reference to read back.
    page.goto(f"{live_server}/admin/intake/")
    page.click("text=Connecticut dental plan")
    page.fill("#caller_name", "Rosa Quill")
    page.fill("#caller_phone", "860-555-0142")
    page.fill("#member_name", "Browser Caller")
    page.fill("#description", "The office cancelled twice without calling.")
    page.select_option("#type", "Provider Access")
    shots(page, "new-complaint")
    page.click("button:has-text('Save the complaint')")
    page.wait_for_selector("text=Read the reference back to the caller.")
    taken = Grievance.objects.get(caller__name="Rosa Quill")
    assert taken.reference in page.content() and taken.intake_source == "phone"
    shots(page, "new-complaint-saved")
    page.goto(f"{live_server}/admin/grievance/?flt0_level_equals=I")
    rows = page.locator("table.filters tr").count()
    page.click("text=Add Filter")
    page.click(".dropdown-menu.show >> text=Status")
    assert page.locator("table.filters tr").count() == rows + 1  # filters still work
    page.goto(f"{live_server}/complaint")
    page.wait_for_selector("text=File a complaint")
    # Flask-Admin's href="javascript:void(0)" menu links are refused as navigations (no-ops
    # either way); no script of any kind may be.
    assert [m for m in refused if not m.startswith("Running the JavaScript URL")] == []
    page.close()
