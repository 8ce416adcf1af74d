"""Staff accounts: created by an administrator, one-time password changed at first sign-in."""

import re

import requests

from portal.models import AuditEvent, User
from tests.conftest import run_portal
from tests.helpers import csrf_token, login


def _change(session, base, current, new, confirm=None):
    page = session.get(f"{base}/account/password")
    return session.post(
        f"{base}/account/password",
        data={
            "current": current,
            "new": new,
            "confirm": confirm or new,
            "csrf_token": csrf_token(page.text),
        },
    )


def test_an_account_made_on_the_command_line_must_change_its_password(app, portal_env, live_server):
    result = run_portal(
        portal_env, "users", "create", "new.csr@plan.example", "--name", "New Csr", "--role", "csr"
    )
    assert result.returncode == 0, result.stderr
    temporary = re.search(r"One-time password: (\S+)", result.stdout).group(1)
    session = login(live_server, "new.csr@plan.example", temporary)
    landing = session.get(f"{live_server}/admin/grievance/", allow_redirects=False)
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/account/password")
    weak = _change(session, live_server, temporary, "password1234")
    assert "common passwords" in weak.text
    short = _change(session, live_server, temporary, "short")
    assert "at least 12 characters" in short.text
    differ = _change(session, live_server, temporary, "a long unusual phrase 7", "other one 77")
    assert "The two new passwords differ." in differ.text
    done = _change(session, live_server, temporary, "a long unusual phrase 7")
    assert "Your password is changed." in done.text
    assert session.get(f"{live_server}/admin/grievance/").status_code == 200
    assert not User.objects.get(email="new.csr@plan.example").must_change_password
    assert AuditEvent.objects(action="password changed").count() == 1
    again = run_portal(
        portal_env, "users", "create", "new.csr@plan.example", "--name", "X", "--role", "csr"
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    bad_role = run_portal(
        portal_env, "users", "create", "x@plan.example", "--name", "X", "--role", "wizard"
    )
    assert bad_role.returncode == 1 and "Give one or more roles from" in bad_role.stderr


def test_an_administrator_creates_an_account_on_the_screen(live_server, staff):
    admin = login(live_server, "admin@staff.test", "correct horse battery")
    page = admin.get(f"{live_server}/admin/user/new/")
    assert page.status_code == 200
    created = admin.post(
        f"{live_server}/admin/user/new/",
        data={
            "email": "analyst@plan.example",
            "name": "An Analyst",
            "roles": ["liaison"],
            "active": "y",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert created.status_code == 200
    temporary = re.search(
        r"One-time password for analyst@plan.example: (\S+) ", created.text
    ).group(1)
    user = User.objects.get(email="analyst@plan.example")
    assert user.roles == ["liaison"] and user.must_change_password
    assert user.check_password(temporary)
    assert AuditEvent.objects(action="user created").count() == 1
    session = requests.Session()
    page = session.get(f"{live_server}/login")
    signed = session.post(
        f"{live_server}/login",
        data={
            "email": "analyst@plan.example",
            "password": temporary,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "Change your password" in signed.text
