"""Property-based fuzzing (hypothesis) of the three ways data gets in: the public complaint
form and the admin's record actions through the app (Flask's test client), and the import of
Excel/CSV logs. Over 10,000 generated payloads a run; each test prints its figures.

Must be 0: answers of 500, crashes, stored records holding a MongoDB operator (a `$` key, or
a dict where text was sent), and pages where stored markup came back as markup."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import Grievance
from tests.helpers import csrf_token

pytestmark = pytest.mark.slow


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same payloads on every run: a failure in CI is one to reproduce
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What attackers and accidents send: operators in both spellings, markup, formulas, control
# characters, very long text, and plain text that must simply be stored.
NASTY = st.sampled_from(
    [
        '{"$ne": null}',
        '{"$gt": ""}',
        "$where: sleep(1000)",
        "'; db.dropDatabase(); //",
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "</textarea><b>bold</b>",
        '=HYPERLINK("http://evil.example")',
        "+1-555-0100",
        "\x00\x1b[31m",
        "A" * 30_000,
        "G-2026-000001",
        "1234567893",
        "1970-01-01",
        "2026-02-30",
        "",
        " ",
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=300), st.text(alphabet="<>$&\"'{}[]=;", max_size=40))
FIELDS = [
    "program",
    "filed_by",
    "caller_name",
    "caller_phone",
    "caller_relationship",
    "member_name",
    "member_id",
    "birth_date",
    "age_group",
    "phone",
    "email",
    "preferred_contact",
    "contact_times",
    "provider_name",
    "provider_city",
    "provider_npi",
    "incident_date",
    "description",
    "desired_resolution",
    "consent",
    "website",
]
GOOD = {
    "program": "ct-dental",
    "filed_by": "member",
    "member_name": "Fuzz Member",
    "age_group": "adult",
    "phone": "860-555-0100",
    "description": "The office was closed.",
    "consent": "y",
}


def operators_in(value) -> int:
    """Keys that start with '$' anywhere in a stored document."""
    if isinstance(value, dict):
        return sum(k.startswith("$") + operators_in(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(operators_in(v) for v in value)
    return 0


def text_fields_holding_dicts(doc: dict) -> int:
    member = doc.get("member") or {}
    values = [doc.get(k) for k in ("provider_name", "provider_city", "type", "level")]
    values += [member.get(k) for k in ("name", "member_id", "phone", "contact_times")]
    return sum(isinstance(v, (dict, list)) for v in values)


def interpreted_operators() -> int:
    return sum(
        operators_in(doc) + text_fields_holding_dicts(doc)
        for doc in Grievance._get_collection().find({})
    )


def markup_shown_as_markup(session, limit: int = 60) -> tuple[int, int]:
    """Open the record page of stored records whose text holds markup; count pages where
    that text appears unescaped. Returns (pages checked, interpreted)."""
    checked = interpreted = 0
    for doc in Grievance._get_collection().find({}):
        texts = [n.get("text", "") for n in doc.get("narratives", [])]
        texts.append((doc.get("member") or {}).get("name") or "")
        texts.append(doc.get("provider_name") or "")
        risky = [t for t in texts if "<" in t and html.escape(t) != t]
        if not risky:
            continue
        page = session.get(f"/admin/grievance/details/?id={doc['_id']}").text
        checked += 1
        interpreted += any(t in page and len(t) > 3 for t in risky)
        if checked >= limit:
            break
    return checked, interpreted


def test_fuzz_the_public_form(client, sign_in, programs, many_complaints):
    figures = Counter()
    session = client
    token = csrf_token(session.get("/complaint").text)

    @fuzz(4000)
    @given(
        fields=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=8),
        bracketed=st.lists(st.sampled_from(["member_id[$ne]", "email[$gt]", "$where"]), max_size=2),
        start_good=st.booleans(),
    )
    def submit(fields, bracketed, start_good):
        data = {**(GOOD if start_good else {}), **fields, "csrf_token": token}
        data.update({key: "1" for key in bracketed})
        answer = session.post("/complaint", data=data)
        figures["payloads"] += 1
        figures[f"{answer.status_code // 100}xx"] += 1
        figures["500s"] += answer.status_code >= 500
        assert answer.status_code < 500, (answer.status_code, data)
        assert "Traceback" not in answer.text

    submit()
    manager = sign_in("manager")
    figures["stored"] = Grievance.objects.count()
    figures["operators interpreted"] = interpreted_operators()
    figures["pages checked for markup"], figures["markup interpreted"] = markup_shown_as_markup(
        manager
    )
    print("\npublic form fuzz: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.items())))
    assert figures["payloads"] >= 4000 and figures["500s"] == 0
    assert figures["stored"] > 100 and figures["4xx"] > 1000  # both paths were exercised
    assert figures["operators interpreted"] == 0 and figures["markup interpreted"] == 0
    assert figures["pages checked for markup"] > 0


CELL = st.one_of(
    NASTY,
    st.text(max_size=60),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["I", "II", "III", "yes", "no", "2026-03-02", "2026-03-02T10:00", "45000"]),
)
IMPORT_COLUMNS = [
    "reference",
    "received_at",
    "type",
    "level",
    "member_name",
    "member_id",
    "narrative",
    "status",
    "resolved_at",
    "substantiated",
    "$where",
    "member.name",
]


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def test_fuzz_the_import(app, programs):
    from portal.services.imports import ImportFileError, import_file

    figures = Counter()
    ct = programs["ct-dental"]
    now = datetime(2026, 11, 23, 15, tzinfo=UTC)

    @fuzz(3000)
    @given(
        header=st.lists(st.sampled_from(IMPORT_COLUMNS), min_size=1, max_size=8, unique=True),
        rows=st.lists(st.lists(CELL, max_size=9), max_size=4),
        mangle=st.sampled_from(["csv", "csv-bytes", "xlsx-name"]),
    )
    def attempt(header, rows, mangle):
        if "received_at" not in header and rows:
            header = [*header, "received_at"]
            rows = [[*r[: len(header) - 1], "2026-03-02T10:00"] for r in rows]
        content = _csv(header, rows)
        name = "log.csv"
        if mangle == "csv-bytes":
            content = content[: max(1, len(content) // 2)] + b"\xff\xfe\x00"
        elif mangle == "xlsx-name":
            name = "log.xlsx"  # CSV bytes under an Excel name: must be refused, not crash
        figures["payloads"] += 1
        try:
            report = import_file(name, content, ct, now)
        except ImportFileError as exc:  # the import's own "cannot read this file" answer
            figures["refused whole file"] += 1
            assert str(exc)
            return
        if report.problems:
            figures["refused with row messages"] += 1
            assert report.imported == 0
            assert all(p["reason"] for p in report.problems)
        else:
            figures["imported"] += 1

    attempt()
    figures["operators interpreted"] = interpreted_operators()
    print("\nimport fuzz: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.items())))
    assert figures["payloads"] >= 3000 and figures["operators interpreted"] == 0
    assert figures["imported"] > 0 and figures["refused with row messages"] > 0


ACTION_FIELDS = {
    "assign": ["assignee"],
    "contact": ["when", "with_whom", "channel", "outcome", "note"],
    "event": ["event", "when"],
    "note": ["kind", "text"],
    "classify": ["level", "priority", "type", "category"],
    "escalate": ["to", "reason"],
    "pause": ["clock", "reason"],
    "resume": ["clock"],
    "extend": ["clock", "rule", "reason"],
    "resolve": ["summary", "substantiated", "reason"],
    "close": ["reason"],
    "withdraw": ["reason"],
    "reopen": ["reason"],
    "hold": ["reason"],
    "correct": ["reason", "member__phone", "incident_date", "provider_npi", "desired_resolution"],
}
GOOD_VALUES = st.sampled_from(
    ["I", "II", "III", "member", "phone", "reached", "note", "yes", "no", "acknowledgment",
     "2026-11-23T10:00", "14 calendar days", "resolution", "Called the office."]
)  # fmt: skip
# Most payloads are a valid action with one hostile value, so the services' own paths run.
VALID = {
    "contact": ["", "member", "phone", "reached", ""],
    "note": ["note", ""],
    "escalate": ["", ""],
    "resolve": ["", "yes", ""],
    "withdraw": [""],
    "reopen": [""],
    "hold": [""],
    "classify": ["II", "", "", ""],
    "correct": ["A new number", "", "", "", ""],
}


def test_fuzz_the_admin_actions(sign_in, programs, staff, clock):
    from portal.services.grievances.intake import Intake, submit

    # The payloads carry fixed times (2026-11-23T10:00): the clock reads after them, so that
    # "in the future" does not refuse the valid ones.
    clock.set(datetime(2026, 11, 25, 15, tzinfo=UTC))
    records = [
        submit(programs[slug], Intake(description="x"), datetime(2026, 11, 2, 15, tzinfo=UTC))
        # Several of each: one withdrawn or closed early leaves others to work on.
        for slug in ("ct-dental", "md-hmo", "ct-dental", "co-cma", "md-hmo", "ct-dental")
    ]
    ids = [str(r.pk) for r in records] + ["000000000000000000000000", "not-an-id", "$ne"]
    manager = sign_in("manager")
    page = manager.get(f"/admin/grievance/details/?id={records[0].pk}")
    token = csrf_token(page.text)
    figures = Counter()

    @fuzz(3200)
    @given(
        action=st.sampled_from([*ACTION_FIELDS, "drop", "../edit"]),
        record=st.sampled_from(ids),
        values=st.lists(st.one_of(GOOD_VALUES, TEXT), min_size=5, max_size=5),
        hostile=st.tuples(st.integers(0, 4), TEXT),
        mostly_valid=st.booleans(),
    )
    def act(action, record, values, hostile, mostly_valid):
        if mostly_valid and action in VALID:
            values = [*VALID[action]] + [""] * 5
            slot = hostile[0] % len(VALID[action])
            values[slot] = hostile[1] if values[slot] == "" else values[slot]
        fields = dict(zip(ACTION_FIELDS.get(action, ["x"]), values, strict=False))
        if action == "assign":
            fields["assignee"] = str(staff["csr"].pk) if values[0] == "I" else values[0]
        answer = manager.post(
            f"/admin/grievance/act/{action}/",
            query_string={"id": record},
            # Each action's form is prefixed with its name, as on the record page.
            data={f"{action}-{k}": v for k, v in {**fields, "csrf_token": token}.items()},
        )
        figures["payloads"] += 1
        figures[f"{answer.status_code // 100}xx"] += 1
        figures["500s"] += answer.status_code >= 500
        assert answer.status_code < 500, (action, record, fields)

    act()
    figures["operators interpreted"] = interpreted_operators()
    figures["history entries written"] = sum(
        len(d.get("history", [])) for d in Grievance._get_collection().find({})
    )
    from portal.services.grievances.history import first_broken

    figures["broken histories"] = sum(first_broken(g) is not None for g in Grievance.objects)
    figures["pages checked for markup"], figures["markup interpreted"] = markup_shown_as_markup(
        manager
    )
    print("\nadmin action fuzz: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.items())))
    assert figures["payloads"] >= 3200 and figures["500s"] == 0
    assert figures["operators interpreted"] == 0 and figures["markup interpreted"] == 0
    assert figures["broken histories"] == 0
    assert figures["history entries written"] > 100  # the actions were taken, not just refused
