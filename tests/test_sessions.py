"""Issue 18, sessions: revocable on the server. Each finding as it was seen, over HTTP against
the running app: a cookie copied before sign-out, a second session after a password change
or after the second factor was turned on, a deactivated account, an administrator's "sign out
everywhere"; and a new administrator who could never finish signing in."""

import re

import pyotp
import requests

from portal.models import AuditEvent, User
from tests.conftest import PASSWORD
from tests.helpers import create_account, csrf_token, live_login, login, one_time_password


def _opens_records(base: str, cookies) -> bool:
    answer = requests.get(
        f"{base}/admin/grievance/", cookies=cookies, allow_redirects=False, timeout=10
    )
    return answer.status_code == 200


def _copy(session: requests.Session) -> dict:
    return {c.name: c.value for c in session.cookies}


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(live_server, staff):
    session = live_login(live_server, "csr@staff.test", PASSWORD)
    copied = _copy(session)
    assert _opens_records(live_server, copied)
    page = session.get(f"{live_server}/admin/")
    session.post(f"{live_server}/logout", data={"csrf_token": csrf_token(page.text)})
    assert not _opens_records(live_server, copied)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(live_server, staff):
    first = live_login(live_server, "csr@staff.test", PASSWORD)
    second = live_login(live_server, "csr@staff.test", PASSWORD)
    page = first.get(f"{live_server}/account/password")
    changed = first.post(
        f"{live_server}/account/password",
        data={
            "current": PASSWORD,
            "new": "a brand new passphrase",
            "confirm": "a brand new passphrase",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "any other session of yours has ended" in changed.text
    assert _opens_records(live_server, _copy(first))  # the one that changed it stays
    assert not _opens_records(live_server, _copy(second))


def test_turning_on_the_second_factor_ends_password_only_sessions(app, staff, clock):
    # Through the test client: the code is counted on the app's own clock, which the live
    # server (a process of its own) does not share with the test.
    first, other = app.test_client(), app.test_client()
    for client in (first, other):
        login(client, "csr@staff.test", PASSWORD)
    page = first.get("/account/two-factor")
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page.text).group(1)
    turned = first.post(
        "/account/two-factor",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )
    assert "The second factor is on" in turned.text
    assert first.get("/admin/grievance/").status_code == 200
    assert other.get("/admin/grievance/").status_code == 302  # back to sign in


def test_deactivation_and_sign_out_everywhere_end_every_session(live_server, staff, sign_in):
    csr = live_login(live_server, "csr@staff.test", PASSWORD)
    dhcs = live_login(live_server, "dhcs@staff.test", PASSWORD)
    admin = sign_in("admin")
    page = admin.get("/admin/user/")
    ended = admin.post(
        "/admin/user/action/",
        data={
            "action": "sign_out",
            "rowid": [str(staff["csr"].pk)],
            "csrf_token": csrf_token(page.text),
        },
        follow_redirects=True,
    )
    assert "Every session of 1 account(s) has ended." in ended.text
    assert not _opens_records(live_server, _copy(csr))
    assert _opens_records(live_server, _copy(dhcs))  # only the chosen account
    assert AuditEvent.objects(action="signed out everywhere").count() == 1
    from portal.clock import utcnow
    from portal.services.accounts import users

    dhcs_user = User.objects.get(email="dhcs@staff.test")
    users.update(
        dhcs_user,
        by=staff["admin"],
        now=utcnow(),
        email=dhcs_user.email,
        name=dhcs_user.name,
        roles=dhcs_user.roles,
        team=None,
        manager=None,
        programs=dhcs_user.programs,
        active=False,
    )
    assert not _opens_records(live_server, _copy(dhcs))


def test_a_new_administrator_sets_a_password_then_a_second_factor(app, sign_in, clock):
    created = create_account(sign_in("admin"), "newadmin@plan.example", ["admin"])
    temporary = one_time_password(created.text, "newadmin@plan.example")
    client = app.test_client()
    page = client.get("/login")
    signed = client.post(
        "/login",
        data={
            "email": "newadmin@plan.example",
            "password": temporary,
            "csrf_token": csrf_token(page.text),
        },
        follow_redirects=True,
    )
    # The password first (it used to bounce to the second factor and back, forever).
    assert "Change your password" in signed.text
    form = client.get("/account/password")
    assert form.status_code == 200
    changed = client.post(
        "/account/password",
        data={
            "current": temporary,
            "new": "the new admin passphrase",
            "confirm": "the new admin passphrase",
            "csrf_token": csrf_token(form.text),
        },
        follow_redirects=True,
    )
    assert changed.status_code == 200
    enrol = client.get("/admin/", follow_redirects=True)
    assert "/account/two-factor" in enrol.request.path
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", enrol.text).group(1)
    done = client.post(
        "/account/two-factor",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "csrf_token": csrf_token(enrol.text)},
        follow_redirects=True,
    )
    assert "The second factor is on" in done.text
    assert client.get("/admin/grievance/").status_code == 200


def _session_data(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_re_enrolment_needs_the_password_and_a_current_code(app, staff, clock):
    client = app.test_client()
    login(client, "csr@staff.test", PASSWORD)
    page = client.get("/account/two-factor")
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page.text).group(1)
    # The key being enrolled is kept with the account, not in the (signed, readable) cookie.
    assert secret not in str(_session_data(app, client))
    client.post(
        "/account/two-factor",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "csrf_token": csrf_token(page.text)},
    )
    assert User.objects.get(email="csr@staff.test").totp_secret == secret
    # A signed-in session alone cannot move the factor to another app.
    clock.move(seconds=30)
    page = client.get("/account/two-factor")
    assert "confirm it is you" in page.text
    new_secret = re.search(r"<code>([A-Z2-7]{32})</code>", page.text).group(1)
    refused = client.post(
        "/account/two-factor",
        data={
            "code": pyotp.TOTP(new_secret).at(clock.now()),
            "password": "not the password",
            "current_code": pyotp.TOTP(secret).at(clock.now()),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "Your password is not right." in refused.text
    assert User.objects.get(email="csr@staff.test").totp_secret == secret
    moved = client.post(
        "/account/two-factor",
        data={
            "code": pyotp.TOTP(new_secret).at(clock.now()),
            "password": PASSWORD,
            "current_code": pyotp.TOTP(secret).at(clock.now()),
            "csrf_token": csrf_token(page.text),
        },
        follow_redirects=True,
    )
    assert "The second factor is on" in moved.text
    assert User.objects.get(email="csr@staff.test").totp_secret == new_secret


def _attempt(client, email, password, address):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_one_address_trying_many_accounts_is_stopped(app, staff):
    from portal.services.accounts.audit import FAILED_LOGIN_PER_ADDRESS

    client = app.test_client()
    answers = [
        _attempt(client, f"nobody{n}@plan.example", "wrong", "198.51.100.20").status_code
        for n in range(FAILED_LOGIN_PER_ADDRESS + 1)
    ]
    assert answers[:FAILED_LOGIN_PER_ADDRESS] == [200] * FAILED_LOGIN_PER_ADDRESS
    assert answers[-1] == 429
    # The right password from that address waits too; from another it signs in.
    assert _attempt(client, "csr@staff.test", PASSWORD, "198.51.100.20").status_code == 429
    other = app.test_client()
    assert _attempt(other, "csr@staff.test", PASSWORD, "198.51.100.21").status_code == 302


def test_the_answer_time_does_not_tell_which_accounts_exist(app, staff, monkeypatch):
    """With the production hasher (argon2id's defaults, not the test run's cheap profile):
    a wrong password for a real account and any password for no account cost the same."""
    import statistics
    import time

    from argon2 import PasswordHasher

    import portal.models.user as user_module

    monkeypatch.setattr(user_module, "_hasher", PasswordHasher())
    staff["csr"].set_password(PASSWORD)
    staff["csr"].save()
    client = app.test_client()

    def ms(email: str, n: int) -> float:
        started = time.perf_counter()
        _attempt(client, email, f"wrong {n}", f"203.0.113.{n % 40}")
        return (time.perf_counter() - started) * 1000

    ms("csr@staff.test", 0)  # warm up
    # Taken in turns, so that the other test processes' load falls on both alike.
    pairs = [(ms("csr@staff.test", n), ms("nobody@plan.example", n)) for n in range(1, 8)]
    known = statistics.median(p[0] for p in pairs)
    unknown = statistics.median(p[1] for p in pairs)
    print(f"sign-in answer: existing account {known:.0f} ms, no account {unknown:.0f} ms")
    assert unknown > known * 0.6, (known, unknown)  # it was 9 ms against 318 ms


def test_an_administrator_resets_another_accounts_second_factor(app, staff, sign_in):
    csr = staff["csr"]
    csr.update(set__totp_secret=pyotp.random_base32(), set__totp_enabled=True)
    admin = sign_in("admin")
    page = admin.get("/admin/user/")
    done = admin.post(
        "/admin/user/action/",
        data={
            "action": "reset_second_factor",
            "rowid": [str(csr.pk)],
            "csrf_token": csrf_token(page.text),
        },
        follow_redirects=True,
    )
    assert "The second factor of 1 account(s) is reset" in done.text
    csr.reload()
    assert not csr.totp_enabled and csr.totp_secret is None and csr.session_epoch == 1
    (event,) = AuditEvent.objects(action="second factor reset")
    assert event.actor == staff["admin"] and event.target == f"user:{csr.pk}"
    # Only an administrator may.
    manager = sign_in("manager")
    assert manager.get("/admin/user/").status_code == 403


def test_recovery_codes_are_shown_once_kept_hashed_and_good_once(app, staff, clock):
    client = app.test_client()
    login(client, "csr@staff.test", PASSWORD)
    page = client.get("/account/two-factor")
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page.text).group(1)
    shown = client.post(
        "/account/two-factor",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "csrf_token": csrf_token(page.text)},
    )
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", shown.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = User.objects.get(email="csr@staff.test").recovery_codes
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert codes[0] not in str(_session_data(app, client))

    def sign_in_with(code: str):
        fresh = app.test_client()
        login(fresh, "csr@staff.test", PASSWORD)
        form = fresh.get("/login/code")
        return fresh, fresh.post(
            "/login/code", data={"code": code, "csrf_token": csrf_token(form.text)}
        )

    fresh, answer = sign_in_with(codes[3])
    assert answer.status_code == 302 and fresh.get("/admin/grievance/").status_code == 200
    assert AuditEvent.objects(action="recovery code used").count() == 1
    _again, refused = sign_in_with(codes[3])  # good once
    assert refused.status_code == 200 and "That code is not right." in refused.text
    assert len(User.objects.get(email="csr@staff.test").recovery_codes) == 9
