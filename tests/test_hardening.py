"""Issue 18: inputs that gave a 500 now get a plain answer, over HTTP against the running app
where they were seen that way."""

import re

import requests

from tests.helpers import create_account, csrf_token, one_time_password


def test_json_bodies_on_the_form_pages_get_a_plain_answer(live_server, programs):
    for path, body in (
        ("/complaint/status", {"reference": {"$ne": 1}, "last_name": ["x"]}),
        ("/login", {"email": {"$gt": ""}, "password": ["x"]}),
        ("/complaint", {"program": {"a": 1}, "description": ["x"]}),
    ):
        # With a good token in the header, as a script would send it: the CSRF check passes
        # and the body reaches the page.
        session = requests.Session()
        token = csrf_token(session.get(f"{live_server}/login", timeout=10).text)
        answer = session.post(
            f"{live_server}{path}", json=body, headers={"X-CSRFToken": token}, timeout=10
        )
        assert answer.status_code == 415, (path, answer.status_code)
        assert "Please use the form" in answer.text and "Traceback" not in answer.text


def test_a_users_form_with_an_empty_or_made_up_manager_is_answered(sign_in, programs):
    admin = sign_in("admin")
    page = admin.get("/admin/user/new/")
    form = {
        "name": "M",
        "roles": ["csr"],
        "programs": [str(programs["ct-dental"].pk)],
        "active": "y",
        "csrf_token": csrf_token(page.text),
    }
    empty = admin.post(
        "/admin/user/new/",
        data={**form, "email": "m1@plan.example", "manager": ""},
        follow_redirects=True,
    )
    assert empty.status_code == 200 and "One-time password for m1@plan.example" in empty.text
    made_up = admin.post(
        "/admin/user/new/",
        data={**form, "email": "m2@plan.example", "manager": "zzz"},
        follow_redirects=True,
    )
    assert made_up.status_code == 200
    assert "Not a valid choice: choose one from the list." in made_up.text
    from portal.models import User

    assert not User.objects(email="m2@plan.example").first()  # nothing half-saved


def test_a_new_accounts_one_time_password_is_shown_once_and_kept_out_of_the_cookie(
    app, sign_in, programs
):
    admin = sign_in("admin")
    created = create_account(admin, "fresh@plan.example", ["csr"], [programs["ct-dental"]])
    # Answered at once, not through a redirect and a flash message kept in the session.
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    temporary = one_time_password(created.text, "fresh@plan.example")
    cookie = admin.get_cookie(app.config["SESSION_COOKIE_NAME"])
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert temporary not in repr(session)
    assert temporary not in (created.headers.get("Set-Cookie") or "")
    # The next page does not show it again.
    listed = admin.get("/admin/user/")
    assert temporary not in listed.text


def test_the_enrolment_key_stays_on_the_server(app, sign_in, staff):
    """The authenticator key being enrolled used to sit in the session cookie (signed, not
    encrypted): now the account keeps it until the first code confirms it."""
    csr = sign_in("csr")
    page = csr.get("/account/two-factor")
    key = re.search(r"Or type this key: <code>([A-Z2-7]+)</code>", page.text).group(1)
    cookie = csr.get_cookie(app.config["SESSION_COOKIE_NAME"])
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert key not in repr(session)
    from portal.models import User

    assert User.objects.get(pk=staff["csr"].pk).totp_pending_secret == key
