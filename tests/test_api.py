"""Issue 21: /api/v1 for other systems. Complaints filed for each program, twice with one
client reference; keys scoped to programs and to reading or filing; generated bad bodies;
the OpenAPI document validated and fuzzed (schemathesis) against the running server."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate as validate_spec
from schemathesis.checks import not_a_server_error

from portal.models import ApiRequest, AuditEvent, Grievance
from portal.services import api_clients
from portal.services.grievances.intake import Intake, submit

CANARY = "Canary Ombudsperson Wexford"
NOT_INTAKE = ("program", "client_reference")

# One complaint each program accepts, in its own words (Iowa names the member's MCO).
BODIES = {
    "ct-dental": {"intake_source": "phone", "level": "II"},
    "ia-escalations": {"intake_source": "ombudsman", "mco": "not enrolled"},
    "co-cma": {"intake_source": "phone"},
    "md-hmo": {"intake_source": "department referral"},
}


def body(program: str, reference: str, **extra) -> dict:
    return {
        "program": program,
        "client_reference": reference,
        "member_name": CANARY,
        "member_id": "WEX-0042",
        "description": "The office cancelled my appointment three times.",
        **BODIES[program],
        **extra,
    }


def key_for(programs, *slugs: str, write: bool = True, name: str | None = None) -> str:
    from portal.clock import utcnow

    chosen = [programs[s] for s in slugs]
    _client, key = api_clients.create(
        name or f"client {'+'.join(slugs)} {write}", chosen, write, None, utcnow()
    )
    return key


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_each_program_files_once_per_client_reference_with_its_clocks(app, client, programs, clock):
    key = key_for(programs, *BODIES)
    for slug in BODIES:
        first = client.post("/api/v1/grievances", json=body(slug, f"crm-{slug}"), headers=auth(key))
        assert first.status_code == 201, first.get_json()
        again = client.post("/api/v1/grievances", json=body(slug, f"crm-{slug}"), headers=auth(key))
        assert again.status_code == 200, again.get_json()
        answer = first.get_json()
        assert again.get_json() == answer
        assert answer["program"] == slug and answer["client_reference"] == f"crm-{slug}"
        assert Grievance.objects(program=programs[slug]).count() == 1
        stored = Grievance.objects.get(reference=answer["reference"])
        assert stored.intake_source == BODIES[slug]["intake_source"]
        # The same clocks staff intake gives the same complaint at the same moment.
        twin = submit(
            programs[slug],
            Intake(**{k: v for k, v in body(slug, "x").items() if k not in NOT_INTAKE}),
            clock.now(),
        )
        expected = {c.name: c.due_at.replace(tzinfo=None) for c in twin.clocks}
        got = {c["name"]: _naive_utc(c["due_at"]) for c in answer["clocks"]}
        assert got == expected, slug
        assert answer["clocks"] and all(c["state"] == "running" for c in answer["clocks"])
        twin.delete()
    # Every call is audited under the client, without the member's details.
    calls = AuditEvent.objects(action="api call")
    assert calls.count() == 2 * len(BODIES)
    assert all(e.api_client is not None and e.detail["status"] in (200, 201) for e in calls)
    assert CANARY not in str([e.to_mongo() for e in calls])


def _naive_utc(text: str):
    from datetime import UTC, datetime

    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def test_keys_are_scoped_to_programs_and_rights(app, client, programs):
    ct_only = key_for(programs, "ct-dental")
    refused = client.post("/api/v1/grievances", json=body("md-hmo", "crm-1"), headers=auth(ct_only))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "md-hmo" in refused.get_json()["detail"]
    assert Grievance.objects.count() == 0 and ApiRequest.objects.count() == 0

    reader = key_for(programs, "ct-dental", write=False)
    assert (
        client.post(
            "/api/v1/grievances", json=body("ct-dental", "crm-2"), headers=auth(reader)
        ).status_code
        == 403
    )
    filed = client.post(
        "/api/v1/grievances", json=body("ct-dental", "crm-3"), headers=auth(ct_only)
    ).get_json()
    md = key_for(programs, "md-hmo")
    made_md = client.post(
        "/api/v1/grievances", json=body("md-hmo", "crm-4"), headers=auth(md)
    ).get_json()
    # Reading: its own programs' records only; another's is not found.
    read = client.get(f"/api/v1/grievances/{filed['reference']}", headers=auth(reader))
    assert read.status_code == 200 and read.get_json()["stage"] == "Received"
    assert "member_name" not in read.get_json() and CANARY not in read.text
    other = client.get(f"/api/v1/grievances/{made_md['reference']}", headers=auth(reader))
    assert other.status_code == 404
    listed = client.get(
        "/api/v1/grievances",
        query_string={"changed_since": "2000-01-01T00:00:00Z"},
        headers=auth(reader),
    ).get_json()
    assert [r["reference"] for r in listed["records"]] == [filed["reference"]]
    assert (
        client.get(
            "/api/v1/grievances",
            query_string={"changed_since": "2000-01-01T00:00:00Z", "program": "md-hmo"},
            headers=auth(reader),
        ).status_code
        == 403
    )

    # No key, a wrong key, a revoked key: 401 with a problem document.
    from portal.clock import utcnow
    from portal.models import ApiClient

    for headers in ({}, auth("gp_" + "0" * 24 + "_" + "x" * 43), {"Authorization": "Basic x"}):
        answer = client.get(f"/api/v1/grievances/{filed['reference']}", headers=headers)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    api_clients.revoke(ApiClient.objects.get(name="client ct-dental False"), None, utcnow())
    assert (
        client.get(f"/api/v1/grievances/{filed['reference']}", headers=auth(reader)).status_code
        == 401
    )


def test_changes_are_paged_without_skipping_records_changed_in_one_instant(
    app, client, programs, clock
):
    key = key_for(programs, "co-cma")
    for n in range(7):
        client.post("/api/v1/grievances", json=body("co-cma", f"p-{n}"), headers=auth(key))
    since = (clock.now() - timedelta(minutes=1)).isoformat()
    seen, query = [], {"changed_since": since, "limit": 3}
    for _page in range(5):
        page = client.get("/api/v1/grievances", query_string=query, headers=auth(key)).get_json()
        seen += [r["reference"] for r in page["records"]]
        if page["next"] is None:
            break
        query = {**page["next"], "limit": 3}
    assert len(seen) == 7 == len(set(seen))


def test_a_key_is_limited_per_minute(app, client, programs):
    key = key_for(programs, "ct-dental", write=False)
    app.config["API_RATE_LIMIT"] = "5 per minute"
    try:
        answers = [
            client.get("/api/v1/grievances/G-2026-000001", headers=auth(key)).status_code
            for _ in range(7)
        ]
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    assert answers[:5] == [404] * 5 and answers[5:] == [429, 429]


FIELDS = [
    "program", "client_reference", "description", "member_name", "member_id", "member_email",
    "birth_date", "age_group", "provider_npi", "incident_date", "filed_by", "intake_source",
    "type", "level", "priority", "language", "received_at", "mco", "preferred_contact",
]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
NEAR = st.sampled_from(
    ["ct-dental", "md-hmo", "nope", "", "G-2026-000001", "2026-13-45", "2999-01-01T00:00:00Z",
     "12345", "II", "phone", "x" * 300, "\x00", "a@b", "not enrolled", "0001-01-01T00:00:00+00:01"]
)  # fmt: skip
BODY = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), NEAR | JSON, max_size=10),
    st.builds(
        lambda extra: {**body("ct-dental", "fuzz"), **extra},
        st.dictionaries(st.sampled_from(FIELDS), NEAR | JSON, max_size=3),
    ),
    JSON,
)


def test_generated_bad_bodies_get_a_problem_never_a_500(app, programs):
    key = key_for(programs, "ct-dental", "md-hmo")
    client = app.test_client()
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    answers: dict[int, int] = {}

    @settings(
        max_examples=2000,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(BODY)
    def send(sent):
        answer = client.post("/api/v1/grievances", json=sent, headers=auth(key))
        answers[answer.status_code] = answers.get(answer.status_code, 0) + 1
        assert answer.status_code < 500, (sent, answer.text)
        if answer.status_code >= 400:
            problem = answer.get_json()
            assert answer.mimetype == "application/problem+json", answer.text
            assert problem["status"] == answer.status_code and problem["title"]
            if answer.status_code == 422:
                assert problem["errors"] and all(
                    e["field"] and e["reason"] for e in problem["errors"]
                ), problem

    try:
        send()
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    print(f"2,000 generated bodies at POST /api/v1/grievances: answers {sorted(answers.items())}")
    assert sum(answers.values()) >= 2000 and 500 not in answers


def test_the_openapi_document_is_valid(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    validate_spec(answer.get_json())
    paths = answer.get_json()["paths"]
    assert {"/api/v1/grievances", "/api/v1/grievances/{reference}"} <= set(paths)


@pytest.fixture
def api_key(live_server, programs):
    return key_for(programs, *BODIES, name="schemathesis")


@pytest.fixture
def api_schema(live_server, api_key):
    return schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error(case, live_server, api_key):
    """Generated calls from the document, over HTTP to the running server with a good key;
    the one check that matters here: no 5xx."""
    case.call_and_validate(base_url=live_server, headers=auth(api_key), checks=[not_a_server_error])


def test_an_administrator_makes_a_key_sees_it_once_and_revokes_it(app, sign_in, programs):
    import re

    from portal.models import ApiClient
    from tests.helpers import csrf_token

    admin = sign_in("admin")
    page = admin.get("/admin/api_client/new/")
    made = admin.post(
        "/admin/api_client/new/",
        data={
            "name": "Call centre CRM",
            "programs": [str(programs["co-cma"].pk)],
            "may_write": "y",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert made.status_code == 200, made.text[-2000:]
    key = re.search(r'<code class="api-key">(gp_\S+)</code>', made.text).group(1)
    cookie = admin.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert key not in repr(app.session_interface.get_signing_serializer(app).loads(cookie.value))
    assert key not in admin.get("/admin/api_client/").text
    stored = ApiClient.objects.get(name="Call centre CRM")
    assert key not in repr(stored.to_mongo())
    client = app.test_client()
    filed = client.post("/api/v1/grievances", json=body("co-cma", "crm-9"), headers=auth(key))
    assert filed.status_code == 201
    # The same name again is refused with a message; no second client.
    page = admin.get("/admin/api_client/new/")
    again = admin.post(
        "/admin/api_client/new/",
        data={"name": "Call centre CRM", "programs": [str(programs["co-cma"].pk)],
              "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )  # fmt: skip
    assert "exists; choose another name" in again.text.replace("&#39;", "'")
    assert ApiClient.objects(name="Call centre CRM").count() == 1
    # Revoked from the list's action: the key's next call is refused.
    listing = admin.get("/admin/api_client/")
    token = csrf_token(listing.text)
    revoked = admin.post(
        "/admin/api_client/action/",
        data={"action": "revoke", "rowid": [str(stored.pk)], "csrf_token": token},
    )
    assert revoked.status_code == 302
    reference = filed.get_json()["reference"]
    refused = client.get(f"/api/v1/grievances/{reference}", headers=auth(key))
    assert refused.status_code == 401
    assert AuditEvent.objects(action="api client revoked").count() == 1
