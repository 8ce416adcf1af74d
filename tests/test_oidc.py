"""Issue 21: staff sign in through the plan's identity provider. A real, certified OpenID
Connect provider (panva/oidc-provider on Node, tests/oidc/) runs on loopback; a `portal serve`
of its own is its client; the test is the browser, filling in the provider's pages.

A good login, an unverified e-mail, an expired ID token (the provider's clock an hour behind,
by libfaketime), a code issued to another client (wrong audience), and the portal's second
factor, asked unless the provider vouches for one."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
import requests

from portal.models import AuditEvent, User
from tests.conftest import free_port
from tests.helpers import wait_until_serving

OIDC = Path(__file__).parent / "oidc"
SECRET = "portal-client-secret-for-tests"  # noqa: S105
ACCOUNTS = {
    "manager": {"email": "manager@staff.test", "email_verified": True},
    "unverified": {"email": "csr@staff.test", "email_verified": False},
    "stranger": {"email": "nobody@elsewhere.example", "email_verified": True},
    "admin": {"email": "admin@staff.test", "email_verified": True},
    "admin-mfa": {"email": "admin@staff.test", "email_verified": True, "amr": ["pwd", "mfa"]},
}


class Provider:
    """oidc-provider on a free port; started again (e.g. with its clock moved) on the same
    port, so the portal's configuration holds."""

    def __init__(self, port: int, portal: str, log: Path):
        self.port, self.log = port, log
        self.url = f"http://127.0.0.1:{port}"
        callback = f"{portal}/login/sso/callback"
        self.env = {
            **os.environ,
            "PORT": str(port),
            "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
            "OIDC_CLIENTS": json.dumps(
                [
                    {"client_id": "portal", "client_secret": SECRET, "redirect_uris": [callback]},
                    # Someone else's application at the same provider, which registered the
                    # portal's callback too.
                    {"client_id": "other-app", "client_secret": "x" * 32,
                     "redirect_uris": [callback]},
                ]
            ),
        }  # fmt: skip
        self.process = None

    def start(self, clock_offset_seconds: int = 0) -> None:
        node = shutil.which("node")
        assert node, "node is missing: Debian's nodejs runs the test identity provider"
        assert (OIDC / "node_modules" / "oidc-provider").exists(), (
            "tests/oidc/node_modules is missing: `make test` installs it (npm ci)"
        )
        env = dict(self.env)
        if clock_offset_seconds:
            import libfaketime

            # Behind the clock every other process keeps (which `make test-at` moves too).
            moved = int(os.environ.get("FAKETIME") or 0) + clock_offset_seconds
            env.update(libfaketime.get_reload_information()[1])
            env.update(FAKETIME=f"{moved:+d}", FAKETIME_DONT_FAKE_MONOTONIC="1")
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [node, "provider.mjs"], cwd=OIDC, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until_serving(f"{self.url}/.well-known/openid-configuration", self.process, "provider")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def oidc(portal_env, staff, tmp_path):
    """The provider and a portal that signs staff in through it."""
    provider_port, portal_port = free_port(), free_port()
    portal = f"http://127.0.0.1:{portal_port}"
    provider = Provider(provider_port, portal, tmp_path / "provider.log")
    provider.start()
    env = {
        **portal_env,
        "OIDC_ISSUER": provider.url,
        "OIDC_CLIENT_ID": "portal",
        "OIDC_CLIENT_SECRET": SECRET,
        "OIDC_NAME": "Plan sign-in",
        "PUBLIC_BASE_URL": portal,
    }
    log = tmp_path / "portal.log"
    with log.open("a") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--port", str(portal_port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until_serving(f"{portal}/login", server, "portal serve")
    yield portal, provider
    server.terminate()
    server.wait(timeout=15)
    provider.stop()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def through_the_provider(portal: str, provider: Provider, login: str, rewrite=None):
    """A browser from the portal's "sign in with" link through the provider's own pages
    (any password) and back: the browser, and the portal's answer to the callback."""
    browser = requests.Session()
    start = browser.get(f"{portal}/login/sso", allow_redirects=False)
    assert start.status_code == 302 and start.headers["Location"].startswith(provider.url)
    step = start.headers["Location"]
    if rewrite:
        step = rewrite(step)
    posted = None
    for _ in range(20):
        if posted:
            answer = browser.post(step, data=posted, allow_redirects=False, timeout=30)
        else:
            answer = browser.get(step, allow_redirects=False, timeout=30)
        posted = None
        location = answer.headers.get("Location")
        if location:
            step = provider.url + location if location.startswith("/") else location
            if step.startswith(portal):
                return browser, browser.get(step, allow_redirects=False, timeout=30)
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', answer.text, re.S)
        assert form, f"the provider answered {answer.status_code}: {answer.text[:500]}"
        inputs = re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2))
        posted = {m.group(1): html.unescape(m.group(2)) for m in inputs}
        if 'name="login"' in form.group(2):
            posted.update(login=login, password="whatever the provider checks")
        action = form.group(1)
        step = provider.url + action if action.startswith("/") else action
    raise AssertionError("the provider never sent the browser back")


def refusal(portal: str, provider: Provider, login: str, rewrite=None) -> str:
    """Through the provider as `login`: the portal's message on its sign-in page."""
    browser, answer = through_the_provider(portal, provider, login, rewrite)
    return refused_with(browser, answer, portal)


def refused_with(browser, answer, portal: str) -> str:
    """The portal sent the browser back to its sign-in page with a message; nobody is in."""
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login"), (
        answer.status_code,
        answer.headers.get("Location"),
    )
    page = browser.get(f"{portal}/login", timeout=30).text
    assert browser.get(f"{portal}/admin/", allow_redirects=False).status_code == 302
    found = re.search(r'class="flash[^"]*error[^"]*"[^>]*>(.*?)<', page, re.S) or re.search(
        r"(?s)<li[^>]*>(.*?)</li>", page
    )
    return html.unescape(found.group(1)).strip() if found else page


def test_a_staff_member_signs_in_through_the_provider(oidc, staff):
    portal, provider = oidc
    login_page = requests.get(f"{portal}/login", timeout=30).text
    assert "sign in with Plan sign-in" in login_page
    browser, answer = through_the_provider(portal, provider, "manager")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/")
    home = browser.get(f"{portal}/admin/", allow_redirects=False)
    assert home.status_code == 200 and "Test manager" in home.text
    login = AuditEvent.objects(action="login", actor=staff["manager"]).get()
    assert login.detail == {"second_factor": False, "via": "sso"}
    # The account keeps its role: a manager's pages open, an administrator's do not.
    assert browser.get(f"{portal}/admin/user/", allow_redirects=False).status_code == 403


def test_an_unverified_or_unknown_e_mail_signs_nobody_in(oidc, staff):
    portal, provider = oidc
    said = refusal(portal, provider, "unverified")
    assert "has not verified your e-mail address" in said, said
    said = refusal(portal, provider, "stranger")
    assert "No active account here has that e-mail address" in said, said
    assert AuditEvent.objects(action="login").count() == 0
    assert AuditEvent.objects(action="sso refused").count() == 2


def test_an_expired_id_token_is_refused(oidc, staff):
    portal, provider = oidc
    provider.stop()
    provider.start(clock_offset_seconds=-3600)  # its tokens expired 50 minutes ago
    said = refusal(portal, provider, "manager")
    assert "could not be accepted" in said, said
    audited = AuditEvent.objects(action="sso refused").get()
    assert "Expired" in audited.detail["why"], audited.detail
    assert AuditEvent.objects(action="login").count() == 0


def test_a_code_issued_to_another_application_is_refused(oidc, staff):
    """Another application at the same provider (it registered the portal's callback) gets a
    code for its own audience and slips it into the portal's sign-in: the portal redeems it
    as itself, and the provider and the portal refuse it."""
    portal, provider = oidc

    def as_other_app(url: str) -> str:
        return url.replace("client_id=portal", "client_id=other-app")

    said = refusal(portal, provider, "manager", rewrite=as_other_app)
    assert "could not be accepted" in said, said
    assert AuditEvent.objects(action="login").count() == 0
    assert AuditEvent.objects(action="sso refused").count() == 1


def test_the_portals_second_factor_is_asked_unless_the_provider_vouches_for_one(oidc, staff):
    portal, provider = oidc
    admin = User.objects.get(email="admin@staff.test")
    admin.update(set__totp_enabled=True, set__totp_secret=pyotp.random_base32())
    browser, answer = through_the_provider(portal, provider, "admin")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/code")
    assert browser.get(f"{portal}/admin/", allow_redirects=False).status_code == 302
    # The provider says it used a second factor (amr "mfa"): in at once.
    browser, answer = through_the_provider(portal, provider, "admin-mfa")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/")
    assert browser.get(f"{portal}/admin/", allow_redirects=False).status_code == 200
    login = AuditEvent.objects(action="login").get()
    assert login.detail == {"second_factor": True, "via": "sso"}
