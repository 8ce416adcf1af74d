"""Staff accounts: created by an administrator, one-time password changed at first sign-in."""

import re

from portal.models import AuditEvent, User
from tests.helpers import create_account, csrf_token, login, one_time_password


def _change(session, current, new, confirm=None):
    page = session.get("/account/password")
    return session.post(
        "/account/password",
        data={
            "current": current,
            "new": new,
            "confirm": confirm or new,
            "csrf_token": csrf_token(page.text),
        },
        follow_redirects=True,
    )


def test_an_account_made_on_the_command_line_must_change_its_password(client, portal_cli, programs):
    args = ("users", "create", "new.csr@plan.example", "--name", "New Csr", "--role", "csr")
    # Someone who works records serves one or more programs, named by slug.
    nowhere = portal_cli(*args)
    assert nowhere.exit_code == 1 and "List the programs this person serves" in nowhere.stderr
    unknown = portal_cli(*args, "--program", "ct-dentl")
    assert unknown.exit_code == 1 and "No program ct-dentl; choose from co-cma" in unknown.stderr
    result = portal_cli(*args, "--program", "ct-dental")
    assert result.exit_code == 0, result.stderr
    temporary = re.search(r"One-time password: (\S+)", result.stdout).group(1)
    session = client
    assert login(session, "new.csr@plan.example", temporary).status_code == 302
    landing = session.get("/admin/grievance/")
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/account/password")
    weak = _change(session, temporary, "password1234")
    assert "common passwords" in weak.text
    short = _change(session, temporary, "short")
    assert "at least 12 characters" in short.text
    differ = _change(session, temporary, "a long unusual phrase 7", "other one 77")
    assert "The two new passwords differ." in differ.text
    done = _change(session, temporary, "a long unusual phrase 7")
    assert "Your password is changed; any other session of yours has ended." in done.text
    assert session.get("/admin/grievance/").status_code == 200
    assert not User.objects.get(email="new.csr@plan.example").must_change_password
    assert AuditEvent.objects(action="password changed").count() == 1
    again = portal_cli(*args, "--program", "ct-dental")
    assert again.exit_code == 1 and "exists already" in again.stderr
    bad_role = portal_cli("users", "create", "x@plan.example", "--name", "X", "--role", "wizard")
    assert bad_role.exit_code == 1 and "Give one or more roles from" in bad_role.stderr


def test_an_administrator_creates_an_account_on_the_screen(app, sign_in, programs):
    admin = sign_in("admin")
    page = admin.get("/admin/user/new/")
    assert page.status_code == 200
    created = create_account(
        admin, "analyst@plan.example", ["liaison"], [programs["ia-escalations"]]
    )
    assert created.status_code == 200
    temporary = one_time_password(created.text, "analyst@plan.example")
    user = User.objects.get(email="analyst@plan.example")
    assert user.roles == ["liaison"] and user.must_change_password
    assert user.check_password(temporary)
    assert AuditEvent.objects(action="user created").count() == 1
    signed = login(app.test_client(), "analyst@plan.example", temporary, follow_redirects=True)
    assert "Change your password" in signed.text


def test_an_administrator_changes_an_account_through_the_account_service(sign_in, staff):
    admin = sign_in("admin")
    url = f"/admin/user/edit/?id={staff['csr'].pk}"
    token = csrf_token(admin.get(url).text)
    # (the screen validates addresses: ".test" is a reserved name it refuses)
    base = {
        "csrf_token": token,
        "email": "csr@plan.example",
        "name": "Test csr",
        "active": "y",
        "programs": [str(staff["csr"].programs[0].pk)],
    }
    own = {**base, "roles": ["csr"], "manager": str(staff["csr"].pk)}
    refused = admin.post(url, data=own, follow_redirects=True)
    assert "A person cannot be their own manager." in refused.text
    assert User.objects.get(pk=staff["csr"].pk).manager is None
    changed = admin.post(url, data={**base, "roles": ["supervisor"]}, follow_redirects=True)
    assert changed.status_code == 200
    assert User.objects.get(pk=staff["csr"].pk).roles == ["supervisor"]
    (event,) = AuditEvent.objects(action="user changed")
    assert event.actor == staff["admin"] and event.detail["roles"] == ["supervisor"]
