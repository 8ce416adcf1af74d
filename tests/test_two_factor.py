"""The second factor: available to all staff, required for administrators."""

import re
from datetime import UTC, datetime

import pyotp
import requests

from portal.models import AuditEvent, User
from tests.helpers import csrf_token

PASSWORD = "correct horse battery"


def _password_step(base, email):
    session = requests.Session()
    page = session.get(f"{base}/login")
    answer = session.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )
    return session, answer


def test_an_administrator_must_turn_it_on_and_then_use_it(live_server, staff):
    staff["admin"].update(set__totp_exempt=False)
    session, answer = _password_step(live_server, "admin@staff.test")
    assert answer.status_code == 302
    landing = session.get(f"{live_server}/admin/user/", allow_redirects=False)
    assert landing.headers["Location"].endswith("/account/two-factor")
    page = session.get(f"{live_server}/account/two-factor").text
    assert "data:image/svg+xml;base64," in page
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    wrong = session.post(
        f"{live_server}/account/two-factor", data={"code": "000000", "csrf_token": csrf_token(page)}
    )
    assert "That code does not match." in wrong.text
    right = session.post(
        f"{live_server}/account/two-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)},
    )
    assert "The second factor is on." in right.text
    assert User.objects.get(email="admin@staff.test").totp_enabled

    # Next time: the password alone does not sign in.
    fresh, answer = _password_step(live_server, "admin@staff.test")
    assert answer.headers["Location"].endswith("/login/code")
    assert fresh.get(f"{live_server}/admin/", allow_redirects=False).status_code == 302
    form = fresh.get(f"{live_server}/login/code").text
    bad = fresh.post(
        f"{live_server}/login/code", data={"code": "123456", "csrf_token": csrf_token(form)}
    )
    assert "That code is not right." in bad.text
    good = fresh.post(
        f"{live_server}/login/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(form)},
        allow_redirects=False,
    )
    assert good.status_code == 302
    assert fresh.get(f"{live_server}/admin/user/").status_code == 200
    login = AuditEvent.objects(action="login", actor=staff["admin"]).order_by("-at").first()
    assert login.detail == {"second_factor": True}
    assert AuditEvent.objects(action="code failed").count() == 1


def test_staff_may_turn_it_on_and_are_not_forced(live_server, staff):
    session, _ = _password_step(live_server, "csr@staff.test")
    assert session.get(f"{live_server}/admin/").status_code == 200
    page = session.get(f"{live_server}/account/two-factor")
    assert page.status_code == 200 and "Administrators sign in" not in page.text


def test_wrong_codes_are_throttled(live_server, staff):
    secret = pyotp.random_base32()
    staff["csr"].update(set__totp_secret=secret, set__totp_enabled=True)
    AuditEvent.objects.insert(
        [
            AuditEvent(at=datetime.now(UTC), action="code failed", actor=staff["csr"])
            for _ in range(20)
        ]
    )
    session, _ = _password_step(live_server, "csr@staff.test")
    form = session.get(f"{live_server}/login/code").text
    blocked = session.post(
        f"{live_server}/login/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(form)},
    )
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.text
