"""Small helpers for talking to the app: through Flask's test client (most tests) or over
HTTP to a live server (the few tests where the process is what is tested)."""

from __future__ import annotations

import re
import time

import requests

# What the public form needs and nothing more.
COMPLAINT = {
    "program": "ct-dental",
    "filed_by": "member",
    "member_name": "Pat Member",
    "age_group": "adult",
    "phone": "860-555-0100",
    "description": "The instruments did not look clean.",
    "consent": "y",
}


def wait_until_listening(port: int, process, what: str, seconds: float = 30) -> None:
    """Return once something accepts on 127.0.0.1:`port`; raise if the server process ends
    or time runs out."""
    import socket

    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


def wait_until_serving(url: str, process, what: str, seconds: float = 60) -> None:
    """Return once `url` answers; raise if the server process ends or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except (requests.ConnectionError, requests.Timeout):
            # A server still starting may accept and answer late (seen under a loaded CI).
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.1)


# Any form's token (prefixed forms name it e.g. 'assign-csrf_token'): one per session.
_CSRF = re.compile(
    r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="[\w-]*csrf_token"'
)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str, *, follow_redirects: bool = False, **query):
    """Sign in through the sign-in page with the test client; the answer (302 when right)."""
    page = client.get("/login")
    return client.post(
        "/login",
        query_string=query,
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        follow_redirects=follow_redirects,
    )


# What the public form needs for one complaint a member files in full.
FULL_COMPLAINT = {
    **COMPLAINT,
    "member_name": "Canary Zebediah Quill",
    "member_id": "CANARY123456",
    "email": "member@example.org",
    "provider_name": "Bright Smile Dental",
}


def file_complaint(client, path: str = "/complaint", **fields):
    """File FULL_COMPLAINT (with `fields` over it) through the form; the answer page."""
    page = client.get(path)
    data = {**FULL_COMPLAINT, "csrf_token": csrf_token(page.text), **fields}
    return client.post(path, data=data, follow_redirects=True)


def live_login(base_url: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/login")
    response = session.post(
        f"{base_url}/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def live_file_complaint(base_url: str, **fields) -> tuple[requests.Response, requests.Session]:
    """file_complaint over HTTP to a live server."""
    session = requests.Session()
    page = session.get(f"{base_url}/complaint")
    data = {**FULL_COMPLAINT, "csrf_token": csrf_token(page.text), **fields}
    return session.post(f"{base_url}/complaint", data=data), session


def one_time_password(html: str, email: str) -> str:
    """The one-time password the Users screen shows for a new account."""
    found = re.search(rf"One-time password for {re.escape(email)}: <code[^>]*>(\S+)</code>", html)
    assert found, f"no one-time password for {email} on the page"
    return found.group(1)


def create_account(admin, email: str, roles: list[str], programs=(), **fields):
    """An administrator's client fills in the Users screen's form for a new account; the
    answer (it shows the one-time password)."""
    page = admin.get("/admin/user/new/")
    data = {
        "email": email,
        "name": email.split("@")[0].title(),
        "roles": roles,
        "programs": [str(p.pk) for p in programs],
        "active": "y",
        "csrf_token": csrf_token(page.text),
        **fields,
    }
    return admin.post("/admin/user/new/", data=data)


def offered_actions(page: str) -> set[str]:
    """The actions a record's page offers: one form (class action-NAME) for each."""
    return set(re.findall(r'<form [^>]*class="[^"]*\baction-(\w+)"', page))


def exported(client, work_jobs, kind: str = "csv", *, base: str = "", **args):
    """Ask for an export of the list as staff do (Export on the list), let a worker write
    it, and download it from the exports page: the answer to the download, or the refusal
    to ask. `client` is a test client, or a requests session with `base` the live server."""
    from portal.models import ExportRun

    asked = (
        client.get(f"{base}/admin/grievance/export/{kind}/", query_string=args)
        if not base
        else (
            client.get(f"{base}/admin/grievance/export/{kind}/", params=args, allow_redirects=False)
        )
    )
    if asked.status_code != 302:
        return asked
    assert asked.headers["Location"].endswith("/admin/exports/")
    work_jobs()
    run = ExportRun.objects.order_by("-id").first()
    page = client.get(f"{base}/admin/exports/")
    link = f"/admin/exports/{run.pk}/download"
    assert link in (page.text if base else page.get_data(as_text=True)), run.status
    return client.get(f"{base}{link}")
