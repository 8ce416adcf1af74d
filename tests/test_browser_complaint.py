"""A member on a phone, in English and in Spanish: fill the form, make a mistake, send it,
keep the reference number, check the status; the accessibility checker runs on every page."""

import re

import pytest

from portal.models import Grievance
from tests.browser import phone_context, serious_accessibility_problems

WORDS = {
    "en": {
        "heading": "File a complaint",
        "summary": "Please check these answers",
        "missing": "Please tell us what happened.",
        "thanks": "Thank you. We have your complaint.",
        "next": "We will confirm in writing that we received your complaint by",
        "stage": "Received",
    },
    "es": {
        "heading": "Presentar una queja",
        "summary": "Revise estas respuestas",
        "missing": "Cuéntenos qué pasó.",
        "thanks": "Gracias. Hemos recibido su queja.",
        "next": "Le confirmaremos por escrito que recibimos su queja a más tardar el",
        "stage": "Recibida",
    },
}


def _accessible(page, where: str) -> None:
    problems = serious_accessibility_problems(page)
    assert not problems, f"{where}: " + "; ".join(problems)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_member_files_on_a_phone_and_checks_the_status(
    live_server,
    programs,
    browser,
    shots,
    lang,
):
    words = WORDS[lang]
    context = phone_context(browser, locale="en-US")
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    page.goto(f"{live_server}/complaint/ct-dental")
    if lang == "es":
        # The member chooses Spanish with the link every member page carries.
        page.click("a[hreflang=es]")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == words["heading"]
    _accessible(page, "empty form")
    shots(page, f"{lang}-form")

    # A first try with the story left out: the summary names it, what was typed stays.
    page.fill("#member_name", "Rosa María Quintero")
    page.fill("#birth_date", "1980-03-25")
    page.fill("#phone", "860-555-0142")
    page.fill("#email", "rosa@example.org")
    page.click("button[type=submit]")
    summary = page.locator("#error-summary")
    assert words["summary"] in summary.inner_text()
    assert words["missing"] in summary.inner_text()
    assert page.input_value("#member_name") == "Rosa María Quintero"
    _accessible(page, "form with errors")
    shots(page, f"{lang}-errors")
    # The summary's link takes the member to the field.
    summary.locator("a", has_text=words["missing"]).click()
    assert page.url.endswith("#description")

    page.fill("#provider_name", "Bright Smile Dental")
    page.fill("#provider_city", "Hartford")
    page.fill("#description", "The hygienist did not change gloves between patients.")
    page.fill("#incident_date", "2026-11-02")
    page.fill("#desired_resolution", "Someone should check the office.")
    page.check("#consent")
    page.click("button[type=submit]")

    page.wait_for_selector("#reference")
    assert words["thanks"] in page.locator("h1").inner_text()
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"G-\d{4}-\d{6}", reference)
    assert words["next"] in page.locator(".steps").inner_text()
    assert "Connecticut" in page.locator(".routes").inner_text()
    _accessible(page, "confirmation")
    shots(page, f"{lang}-received")

    stored = Grievance.objects.get(reference=reference)
    assert stored.language == lang
    assert stored.member.age_group == "adult"
    assert str(stored.incident_date) == "2026-11-02"

    page.goto(f"{live_server}/complaint/status")
    _accessible(page, "status form")
    page.fill("#reference", reference.lower())
    page.fill("#last_name", "QUINTERO")
    page.click("button[type=submit]")
    assert page.locator("#stage").inner_text() == words["stage"]
    _accessible(page, "status answer")
    shots(page, f"{lang}-status")
    assert not refused, refused
    context.close()
