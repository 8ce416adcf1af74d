"""Every admin URL the app registers, for every role and for anonymous visitors, against a
table of what each should get."""

from datetime import UTC, datetime

import pytest

from portal.access import ROLES
from portal.models import AuditEvent, CompletenessResult, ImportRun, Outbox, Provider
from portal.services.intake import Intake, submit

ALL = frozenset(ROLES)
WORKERS = ALL - {"auditor"}
LEADS = frozenset({"supervisor", "manager", "director", "admin"})

# view endpoint -> (who may see it, who may change it)
TABLE = {
    "admin": (ALL, frozenset()),
    "grievance": (ALL, WORKERS),
    "provider": (ALL, frozenset({"provider_relations", "manager", "admin"})),
    "program": (ALL, frozenset({"admin"})),
    "user": (frozenset({"admin"}), frozenset({"admin"})),
    "outbox": (frozenset({"manager", "director", "admin"}), frozenset()),
    "completeness": (LEADS | {"auditor"}, frozenset()),
    "audit": (frozenset({"auditor", "director", "admin"}), frozenset()),
    "jobs": (frozenset({"manager", "director", "admin"}), frozenset({"manager", "admin"})),
    "reports": (LEADS | {"auditor"}, frozenset({"manager", "director"})),
    "import": (frozenset({"manager", "admin"}), frozenset({"manager", "admin"})),
}
# One row per record with member names: not for supervisors.
UNIVERSE_READERS = frozenset({"manager", "director", "auditor", "admin"})
EXPORTERS = LEADS | {"auditor"}


def _urls(app, ids):
    """(url, view, kind) for each GET rule under /admin."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        if "static" in rule.endpoint or rule.endpoint.endswith(("ajax_lookup", "api_file_view")):
            continue
        view, _, name = rule.endpoint.partition(".")
        url = rule.rule.replace("<export_type>", "csv").replace("<run_id>", str(ids.get("import")))
        if name in ("edit_view", "details_view"):
            url += f"?id={ids[view]}" if view in ids else "?id=000000000000000000000000"
        out.append((url, view, name))
    return sorted(out)


def _expected(role, view, name):
    if role is None:
        return 302  # the login page
    readers, changers = TABLE[view]
    if role not in readers:
        return 403
    if name in ("edit_view", "create_view"):
        if view in ("provider", "user") and name == "create_view":
            return 200 if role in changers else 403
        if name == "create_view":
            return 403  # records come in through intake, seeds and the admin's own screens
        return 200 if role in changers else 403
    if name == "export":
        return 200 if view == "grievance" and role in EXPORTERS else 403
    if name == "details_view" and view == "audit":
        return 403
    if view == "reports" and name == "universe":
        return 200 if role in UNIVERSE_READERS else 403
    return 200


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_admin_url_answers_as_the_table_says(app, live_server, programs, staff, role):
    from tests.helpers import login

    grievance = submit(
        programs["ct-dental"], Intake(description="x"), datetime(2026, 3, 2, 15, tzinfo=UTC)
    )
    message = Outbox(
        key="k",
        kind="digest",
        recipient="a@b.example",
        subject="s",
        text="t",
        created_at=datetime(2026, 3, 2, tzinfo=UTC),
    ).save()
    provider = Provider(name="Office", npi="1234567890").save()
    result = CompletenessResult(
        month="2026-02", manager_key="unassigned", computed_at=datetime(2026, 3, 1, tzinfo=UTC)
    ).save()
    event = AuditEvent(at=datetime(2026, 3, 1, tzinfo=UTC), action="seeded").save()
    upload = ImportRun(
        program=programs["ct-dental"], file_name="log.csv", status="done", created_at=event.at
    ).save()
    ids = {
        "grievance": grievance.pk,
        "program": programs["ct-dental"].pk,
        "user": staff["csr"].pk,
        "outbox": message.pk,
        "provider": provider.pk,
        "completeness": result.pk,
        "audit": event.pk,
        "import": upload.pk,
    }
    import requests

    session = (
        login(live_server, f"{role}@staff.test", "correct horse battery")
        if role
        else (requests.Session())
    )
    wrong = []
    for url, view, name in _urls(app, ids):
        if view not in TABLE:
            wrong.append((url, "not in the table"))
            continue
        got = session.get(f"{live_server}{url}", allow_redirects=False).status_code
        want = _expected(role, view, name)
        if got != want and not (want == 200 and got == 302 and name == "export"):
            wrong.append((url, got, want))
    print(
        f"role {role}: {len(_urls(app, ids))} URLs, unauthorised answers: "
        f"{sum(1 for w in wrong if len(w) == 3 and w[2] != 200)}"
    )
    assert wrong == [], "\n".join(map(str, wrong))
    if role is not None:
        assert AuditEvent.objects(action="denied").count() == sum(
            1 for _u, v, n in _urls(app, ids) if _expected(role, v, n) == 403
        )
