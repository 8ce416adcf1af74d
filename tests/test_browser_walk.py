"""Issue 19: a manager, a CSR and an auditor follow every link the staff pages offer them, in
Chromium at 1440 px. No link leads to a 403 or a 404, no page logs a console error, axe-core
finds nothing serious or critical, and each page's screenshot is kept in test-artifacts/."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from portal.models import Grievance
from portal.services.grievances.clocks import refresh_overdue
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import assign, resolve
from portal.services.reporting.completeness import check_month
from tests.browser import serious_accessibility_problems
from tests.conftest import PASSWORD

PAGES_PER_ROLE = 45
# Links that are downloads or actions, not pages to read.
NOT_PAGES = ("/export/", ".xlsx", ".pdf", "format=", "/static/", "/logout", "/admin/static/")


def _key(url: str) -> str:
    """One visit per page and filter set: the same list sorted or paged another way is the
    same page."""
    parts = urlsplit(url)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query) if k not in ("sort", "desc", "page", "url")
    )
    return parts.path + ("?" + urlencode(query) if query else "")


def _records(programs, staff, now):
    ct, ia = programs["ct-dental"], programs["ia-escalations"]
    late = submit(
        ct,
        Intake(description="The office cancelled", member_name="Walk Member", level="I"),
        now - timedelta(days=60),
    )
    assign(late, staff["csr"], by=staff["manager"], now=late.received_at)
    done = submit(ia, Intake(description="Wrong benefits", member_name="Walk Two"), now)
    assign(done, staff["liaison"], by=staff["manager"], now=now)
    resolve(done, by=staff["manager"], now=now, summary="Explained", substantiated=False)
    submit(ct, Intake(description="Rude front desk", member_name="Walk Three"), now)
    refresh_overdue(now)
    check_month(now)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["manager", "csr", "auditor"])
def test_every_link_a_role_is_shown_opens(
    live_server, programs, staff, browser, shots, clock, role
):
    _records(programs, staff, clock.now())
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.goto(f"{live_server}/login")
    page.fill("#email", f"{role}@staff.test")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=What needs you now")

    seen, broken, inaccessible, axed = set(), [], [], set()
    queue = [(f"{live_server}/admin/", "sign-in")]
    record = Grievance.objects.first()
    queue.append((f"{live_server}/admin/grievance/details/?id={record.pk}", "a record"))
    while queue and len(seen) < PAGES_PER_ROLE:
        url, came_from = queue.pop(0)
        if _key(url) in seen:
            continue
        seen.add(_key(url))
        answer = page.goto(url)
        if answer.status in (403, 404) or answer.status >= 500:
            broken.append(f"{answer.status} {url} (linked from {came_from})")
            continue
        path = urlsplit(url).path
        if path not in axed:  # each kind of page once
            axed.add(path)
            inaccessible += [f"{path}: {p}" for p in serious_accessibility_problems(page)]
            shots(page, path.strip("/").replace("/", "-") or "home")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            if (
                href.startswith(live_server)
                and "/admin" in href
                and not any(n in href for n in NOT_PAGES)
            ):
                queue.append((href.split("#")[0], url))
    context.close()
    print(f"{role}: {len(seen)} pages followed, {len(axed)} kinds checked with axe-core")
    assert broken == [], "\n".join(broken)
    assert errors == [], "\n".join(errors)
    assert inaccessible == [], "\n".join(inaccessible)
