"""Every URL the app registers, for every role and for anonymous visitors, method by method,
against a table of what each should get. Each role's walk prints its figures: requests made,
unauthorised answers (must be 0) and server errors (must be 0)."""

from datetime import UTC, datetime

import pytest

from portal.access import ROLES
from portal.models import (
    AuditEvent,
    CompletenessResult,
    ExportRun,
    ImportRun,
    Outbox,
    Provider,
    User,
)
from portal.services import api_clients
from portal.services.grievances.intake import Intake, submit
from portal.services.mail import letters
from tests.helpers import COMPLAINT, csrf_token

ALL = frozenset(ROLES)
WORKERS = ALL - {"auditor"}
LEADS = frozenset({"supervisor", "manager", "director", "admin"})

# view endpoint -> (who may see it, who may change it)
TABLE = {
    "admin": (ALL, frozenset()),
    # No edit form: records change only through the actions (grievance.act below).
    "grievance": (ALL, frozenset()),
    "intake": (WORKERS, WORKERS),
    # Members' names and postal addresses: not for provider relations (minimum necessary).
    "letters": (WORKERS - {"provider_relations"}, WORKERS - {"provider_relations"}),
    "help": (ALL, frozenset()),
    "training": (LEADS | {"auditor"}, frozenset({"manager", "director", "admin"})),
    "procedures": (ALL, frozenset({"admin"})),
    "provider": (ALL, frozenset({"provider_relations", "manager", "admin"})),
    "program": (ALL, frozenset({"admin"})),
    "user": (frozenset({"admin"}), frozenset({"admin"})),
    "api_client": (frozenset({"admin"}), frozenset({"admin"})),
    "outbox": (frozenset({"manager", "director", "admin"}), frozenset()),
    "completeness": (LEADS | {"auditor"}, frozenset()),
    "audit": (frozenset({"auditor", "director", "admin"}), frozenset()),
    "jobs": (frozenset({"manager", "director", "admin"}), frozenset({"manager", "admin"})),
    "reports": (LEADS | {"auditor"}, frozenset({"manager", "director"})),
    "import": (frozenset({"manager", "admin"}), frozenset({"manager", "admin"})),
    "exports": (LEADS | {"auditor"}, frozenset()),
}
# One row per record with member names: not for supervisors.
UNIVERSE_READERS = frozenset({"manager", "director", "auditor", "admin"})
EXPORTERS = LEADS | {"auditor"}
# Files on records hold member data.
FILE_READERS = LEADS | {"auditor"}


# POST endpoints outside the model views: who may post. Public ones answer everyone.
POSTERS = {
    "grievance.act": WORKERS,
    # Saved views of the list: anyone who reads the list keeps their own.
    "grievance.save_view": ALL,
    "grievance.forget_view": ALL,
    "intake.take": WORKERS,
    "letters.posted": WORKERS - {"provider_relations"},
    "procedures.draft": frozenset({"admin"}),
    "training.record": frozenset({"manager", "director", "admin"}),
    "procedures.approve": frozenset({"admin"}),
    "procedures.publish": frozenset({"admin"}),
    "import.index": frozenset({"manager", "admin"}),
    "jobs.retry": frozenset({"manager", "admin"}),
    "reports.quarterly": frozenset({"manager", "director"}),
    "reports.trend": frozenset({"manager", "director"}),
}
PUBLIC = {"home", "static", "complaint.form", "complaint.status", "complaint.received"}
API = "api_v1."  # /api/v1: a key in the Authorization header, never the session's cookie
CREATABLE = ("provider", "user", "api_client")  # model views with a create form
UNEDITABLE = ("api_client",)  # a key is revoked and made again, never edited
SIGN_IN = {"auth.login"}  # open to anyone: the way in
SIGNED_IN = {"auth.logout", "auth.change_password", "auth.two_factor"}  # any signed-in role


def _post_urls(app, ids):
    """(url, endpoint) for each rule that takes POST."""
    out = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = (
            rule.rule.replace("<action>", "note")
            .replace("<slug>", "ct-dental")
            .replace("<letter_id>", str(ids.get("letters")))
        )
        view, _, name = rule.endpoint.partition(".")
        if name in ("edit_view", "delete_view", "ajax_update") or rule.endpoint == "grievance.act":
            url += f"?id={ids.get(view, '000000000000000000000000')}"
        out.append((url, rule.endpoint))
    return sorted(out)


def _may_post(role, endpoint) -> bool:
    """Whether this role (None: anonymous) may post here at all."""
    view, _, name = endpoint.partition(".")
    if endpoint in PUBLIC or endpoint in SIGN_IN:
        return True
    if endpoint.startswith(API):
        return False  # a key opens the API, never a session
    if role is None:
        return False
    if endpoint in SIGNED_IN:
        return True
    if endpoint == "auth.code":
        return False  # only in the middle of a sign-in: anyone else is sent to sign in
    if endpoint in POSTERS:
        return role in POSTERS[endpoint]
    readers, changers = TABLE[view]
    if name == "delete_view":
        return False  # nothing is hard-deleted
    if name == "create_view":
        return view in CREATABLE and role in changers
    if view in UNEDITABLE and name in ("edit_view", "ajax_update"):
        return False
    return role in changers


def _urls(app, ids):
    """(url, view, kind) for each GET rule under /admin."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        if "static" in rule.endpoint or rule.endpoint.endswith(("ajax_lookup", "api_file_view")):
            continue
        view, _, name = rule.endpoint.partition(".")
        url = (
            rule.rule.replace("<export_type>", "csv")
            .replace("<run_id>", str(ids.get("import")))
            .replace("<export_id>", str(ids.get("exports")))
            .replace("<id>/<key>", f"{ids.get('grievance')}/{'0' * 32}")
            .replace("<slug>", "ct-dental")
            .replace("<letter_id>", str(ids.get("letters")))
        )
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
        if view in CREATABLE and name == "create_view":
            return 200 if role in changers else 403
        if name == "create_view":
            return 403  # records come in through intake, seeds and the admin's own screens
        return 200 if role in changers and view not in UNEDITABLE else 403
    if name == "export":
        return 200 if view == "grievance" and role in EXPORTERS else 403
    if name == "details_view" and view == "audit":
        return 403
    if view == "exports" and name == "download":
        return 404  # another person's file: only the one who asked downloads it
    if view == "grievance" and name == "file":
        return 404 if role in FILE_READERS else 403  # no such file on the record
    if view == "reports" and name in ("universe", "iowa_log"):
        return 200 if role in UNIVERSE_READERS else 403
    return 200


def _records(programs, staff):
    """One record of each kind, so every URL with an id has something to point at."""
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
    letter = letters.write(
        "ack:x", "acknowledgment", grievance, "s", "t", event.at, event="acknowledged"
    )
    client, _key = api_clients.create(
        "Partner CRM", [programs["ct-dental"]], True, None, datetime(2026, 3, 1, tzinfo=UTC)
    )
    someone = User(email="someone.else@staff.test", name="Someone Else", roles=["manager"]).save()
    export = ExportRun(
        by=someone,
        format="csv",
        query="{}",
        status="done",
        file_name="grievances.csv",
        created_at=event.at,
        expires_at=datetime(2099, 1, 1, tzinfo=UTC),
    ).save()
    return {
        "exports": export.pk,
        "api_client": client.pk,
        "letters": letter.pk,
        "grievance": grievance.pk,
        "program": programs["ct-dental"].pk,
        "user": staff["csr"].pk,
        "outbox": message.pk,
        "provider": provider.pk,
        "completeness": result.pk,
        "audit": event.pk,
        "import": upload.pk,
    }


def _session(app, sign_in, role):
    """A test client signed in as the role's test account; anonymous for None."""
    return app.test_client() if role is None else sign_in(role)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_admin_url_answers_as_the_table_says(app, sign_in, programs, staff, role):
    ids = _records(programs, staff)
    session = _session(app, sign_in, role)
    wrong = []
    for url, view, name in _urls(app, ids):
        if view not in TABLE:
            wrong.append((url, "not in the table"))
            continue
        got = session.get(url).status_code
        want = _expected(role, view, name)
        if got != want and not (want == 200 and got == 302 and name == "export"):
            wrong.append((url, got, want))
    print(
        f"role {role}: {len(_urls(app, ids))} URLs, unauthorised answers: "
        f"{sum(1 for w in wrong if len(w) == 3 and w[2] != 200)}"
    )
    # Method by method: every POST with a valid CSRF token and an empty form.
    posts = _post_urls(app, ids)
    refused_ok = unauthorised = server_errors = 0
    for url, endpoint in posts:
        # A fresh token each time: some answers (a stale second step) clear the session.
        token = csrf_token(session.get("/complaint").text)
        answer = session.post(url, data={"csrf_token": token})
        server_errors += answer.status_code >= 500
        to_login = answer.status_code == 302 and "/login" in answer.headers.get("Location", "")
        refused = answer.status_code == 403 or (
            to_login and (role is None or endpoint == "auth.code")
        )
        refused = refused or (endpoint.startswith(API) and answer.status_code == 401)
        if _may_post(role, endpoint):
            if refused or answer.status_code >= 500:
                wrong.append((f"POST {url}", answer.status_code, "allowed"))
        elif refused:
            refused_ok += 1
        else:
            unauthorised += 1
            wrong.append((f"POST {url}", answer.status_code, "refused"))
    print(
        f"role {role}: POST {len(posts)} URLs, refused as the table says {refused_ok}, "
        f"unauthorised answers {unauthorised}, server errors {server_errors}"
    )
    assert wrong == [], "\n".join(map(str, wrong))
    assert unauthorised == 0 and server_errors == 0
    if role is not None:
        assert AuditEvent.objects(action="denied").count() == sum(
            1 for _u, v, n in _urls(app, ids) if _expected(role, v, n) == 403
        ) + sum(
            1
            for _u, e in posts
            if not _may_post(role, e) and e != "auth.code" and not e.startswith(API)
        )


def _stored(ids):
    """What a refused request must leave untouched: every collection's size and the record."""
    from portal.models import ALL_DOCUMENTS, Grievance

    sizes = {model.__name__: model.objects.count() for model in ALL_DOCUMENTS}
    return sizes, Grievance.objects.get(pk=ids["grievance"]).to_mongo().to_dict()


@pytest.mark.parametrize("role", [None, "manager", "admin"])
def test_every_state_changing_request_needs_a_csrf_token(app, sign_in, programs, staff, role):
    """Every rule that takes POST refuses a request without the token: 400 with a page that
    says to reload, or, on the public forms, the form again (what was typed kept) with that
    message; nothing saved."""
    ids = _records(programs, staff)
    session = _session(app, sign_in, role)
    before = _stored(ids)
    wrong = []
    posts = _post_urls(app, ids)
    for url, endpoint in posts:
        public_form = endpoint in ("complaint.form", "complaint.status")
        data = COMPLAINT if endpoint == "complaint.form" else {"status": "closed"}
        answer = session.post(url, data=data)
        if endpoint.startswith(API):
            # No cookie opens the API (a key does), so a forged cross-site post has nothing
            # to ride on: it is refused for want of a key.
            ok = answer.status_code == 401
        elif public_form:
            ok = answer.status_code == 400 and "was open for a long time" in answer.text
        else:
            ok = answer.status_code == 400 and "reload it and send it again" in answer.text
        if not ok:
            wrong.append((url, answer.status_code))
    print(f"role {role}: POST without a CSRF token to {len(posts)} URLs, accepted {len(wrong)}")
    assert wrong == []
    # Nothing stored, but the refused API calls, each audited as every API call is.
    after = _stored(ids)
    api_posts = sum(1 for _u, e in posts if e.startswith(API))
    assert after[0]["AuditEvent"] == before[0]["AuditEvent"] + api_posts
    assert AuditEvent.objects(action="api call", detail__status=401).count() == api_posts
    after[0]["AuditEvent"] = before[0]["AuditEvent"]
    assert after == before
