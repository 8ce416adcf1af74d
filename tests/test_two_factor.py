"""The second factor: available to all staff, required for administrators."""

import re

import pyotp

from portal.models import AuditEvent, User
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, login


def _password_step(app, email):
    session = app.test_client()
    return session, login(session, email, PASSWORD)


def _code(secret: str, clock) -> str:
    """The authenticator app's code at the portal's clock."""
    return pyotp.TOTP(secret).at(clock.now())


def test_an_administrator_must_turn_it_on_and_then_use_it(app, staff, clock):
    staff["admin"].update(set__totp_exempt=False)
    session, answer = _password_step(app, "admin@staff.test")
    assert answer.status_code == 302
    landing = session.get("/admin/user/")
    assert landing.headers["Location"].endswith("/account/two-factor")
    page = session.get("/account/two-factor").text
    assert "data:image/svg+xml;base64," in page
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    wrong = session.post(
        "/account/two-factor", data={"code": "000000", "csrf_token": csrf_token(page)}
    )
    assert "That code does not match." in wrong.text
    right = session.post(
        "/account/two-factor",
        data={"code": _code(secret, clock), "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "The second factor is on." in right.text
    assert User.objects.get(email="admin@staff.test").totp_enabled

    # Next time: the password alone does not sign in.
    fresh, answer = _password_step(app, "admin@staff.test")
    assert answer.headers["Location"].endswith("/login/code")
    assert fresh.get("/admin/").status_code == 302
    form = fresh.get("/login/code").text
    bad = fresh.post("/login/code", data={"code": "123456", "csrf_token": csrf_token(form)})
    assert "That code is not right." in bad.text
    # The code that enrolled the app is used: the next sign-in takes the next code.
    assert bad.status_code == 200
    clock.move(seconds=30)
    good = fresh.post(
        "/login/code",
        data={"code": _code(secret, clock), "csrf_token": csrf_token(form)},
    )
    assert good.status_code == 302
    # Single use: the same code in a second sign-in is refused (it was accepted twice).
    again, _answer = _password_step(app, "admin@staff.test")
    form = again.get("/login/code").text
    reused = again.post(
        "/login/code", data={"code": _code(secret, clock), "csrf_token": csrf_token(form)}
    )
    assert reused.status_code == 200 and "That code is not right." in reused.text
    assert again.get("/admin/").status_code == 302
    assert fresh.get("/admin/user/").status_code == 200
    login = AuditEvent.objects(action="login", actor=staff["admin"]).order_by("-at").first()
    assert login.detail == {"second_factor": True, "via": "password"}
    assert AuditEvent.objects(action="code failed").count() == 2  # the wrong one, the reused one


def test_staff_may_turn_it_on_and_are_not_forced(app, staff, clock):
    session, _ = _password_step(app, "csr@staff.test")
    assert session.get("/admin/").status_code == 200
    page = session.get("/account/two-factor")
    assert page.status_code == 200 and "Administrators sign in" not in page.text


def test_wrong_codes_are_throttled(app, staff, clock):
    secret = pyotp.random_base32()
    staff["csr"].update(set__totp_secret=secret, set__totp_enabled=True)
    AuditEvent.objects.insert(
        [AuditEvent(at=clock.now(), action="code failed", actor=staff["csr"]) for _ in range(20)]
    )
    session, _ = _password_step(app, "csr@staff.test")
    form = session.get("/login/code").text
    blocked = session.post(
        "/login/code",
        data={"code": _code(secret, clock), "csrf_token": csrf_token(form)},
    )
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.text
