"""Settings, read from the environment once by the app factory (never at import)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def default_instance_path() -> Path:
    return Path(os.environ.get("PORTAL_INSTANCE_PATH") or "instance").absolute()


def _secret_key(instance_path: Path, name: str = "SECRET_KEY") -> str:
    """Use the variable `name`, else a random key kept in the instance so all processes
    share it."""
    if os.environ.get(name):
        return os.environ[name]
    path = instance_path / name.lower()
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _whole(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    if not value.strip().isdigit():
        raise SystemExit(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def _mailboxes(text: str) -> dict[str, str]:
    found = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        slug, _, url = item.partition("=")
        if not slug.strip() or not url.strip().startswith(("imap://", "imaps://")):
            raise SystemExit(
                "MAIL_INTAKE is 'slug=imaps://user:password@host/INBOX, ...', not " + repr(item)
            )
        found[slug.strip()] = url.strip()
    return found


# What every instance of a production deployment must share: its own key and files would
# split sessions, records and queues between machines.
PRODUCTION_NEEDS = (
    "SECRET_KEY",
    # Keys the records' history chains: whoever can write to the database cannot rewrite a
    # record's past and recompute the hashes without it.
    "HISTORY_KEY",
    "MONGODB_URI",
    "REDIS_URL",
    "SMTP_URL",
    "PUBLIC_BASE_URL",
)


def _check_production() -> None:
    missing = [name for name in PRODUCTION_NEEDS if not os.environ.get(name)]
    if missing:
        raise SystemExit(
            f"PORTAL_ENV=production needs {', '.join(missing)} set: every instance must share "
            "the same key, store, queue and mail server (see deploy/README.md)"
        )
    if not os.environ["PUBLIC_BASE_URL"].startswith("https://"):
        raise SystemExit("PORTAL_ENV=production needs PUBLIC_BASE_URL to start with https://")


SERVING_AT = "serving-at"  # where this instance's `portal serve` answers, written when it starts


def local_url(instance_path: Path) -> str:
    """Where links point when PUBLIC_BASE_URL is unset: $PORT on this machine, else where
    this instance's web process said it serves (so `portal jobs run` in another shell links
    to the running app), else port 5000."""
    if port := os.environ.get("PORT"):
        return f"http://127.0.0.1:{port}"
    written = instance_path / SERVING_AT
    if written.is_file():
        return written.read_text().strip() or "http://127.0.0.1:5000"
    return "http://127.0.0.1:5000"


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get
    if env("PORTAL_ENV") == "production":
        _check_production()
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "HISTORY_KEY": _secret_key(instance_path, "HISTORY_KEY"),
        "MONGODB_URI": env("MONGODB_URI") or None,
        "REDIS_URL": env("REDIS_URL") or None,
        "SMTP_URL": env("SMTP_URL") or None,
        "MAIL_FROM": env("MAIL_FROM", "grievances@portal.invalid"),
        # Links in e-mail point here; staff reach the admin under it.
        "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL") or local_url(instance_path),
        "PORTAL_ENV": env("PORTAL_ENV", "development"),
        # Administrators need a second factor (TOTP); "0" turns the rule off for a deployment.
        "ADMIN_TOTP_REQUIRED": env("ADMIN_TOTP_REQUIRED", "1") != "0",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Served over HTTPS (as production must be, checked above): the cookie never
        # travels in clear.
        "SESSION_COOKIE_SECURE": env("PUBLIC_BASE_URL", "").startswith("https://"),
        "REMEMBER_COOKIE_DURATION": 0,
        "PERMANENT_SESSION_LIFETIME": 30 * 60,
        "WTF_CSRF_TIME_LIMIT": 3600,
        # Bounded request bodies: the public form is the one page anyone can reach.
        "MAX_CONTENT_LENGTH": 256 * 1024,
        # The text of any form, wherever files may come with it (the complaint form takes a
        # member's photos): the fields other than files stay within this.
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        # The import screen's uploads (a 50,000-row workbook is about 3 MB), and the memory
        # a worker's child process may use to read one.
        "IMPORT_UPLOAD_LIMIT": _whole("IMPORT_UPLOAD_MB", "32") * 2**20,
        "IMPORT_MEMORY_MB": _whole("IMPORT_MEMORY_MB", "1024"),
        # Files on records: the member's from the public form (images and PDFs, a few), and
        # staff's; where their contents are kept (a folder, 0600 files; the instance's own
        # `files` folder when unset).
        "PUBLIC_FILE_COUNT": _whole("PUBLIC_FILE_COUNT", "3"),
        "PUBLIC_FILE_LIMIT": _whole("PUBLIC_FILE_MB", "5") * 2**20,
        "FILE_LIMIT": _whole("FILE_MB", "15") * 2**20,
        "RECORD_FILES_LIMIT": _whole("RECORD_FILES_MB", "60") * 2**20,
        "FILES_PATH": env("FILES_PATH", ""),
        # Or an S3-compatible bucket: s3://key:secret@host[:port]/bucket[?secure=0&region=..]
        "FILES_URL": env("FILES_URL", ""),
        # Programs' grievance mailboxes, read by the mail-intake job:
        # "ct-dental=imaps://user:password@host/INBOX, co-cma=imap://..."; none when unset.
        "MAIL_INTAKE": _mailboxes(env("MAIL_INTAKE", "")),
        # Submissions per address (Flask-Limiter syntax); a call centre behind one address
        # may need more.
        "COMPLAINT_RATE_LIMIT": env("COMPLAINT_RATE_LIMIT", "20 per hour"),
        "STATUS_RATE_LIMIT": env("STATUS_RATE_LIMIT", "60 per hour"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host to trust;
        # 0 (the default) trusts none, so a client cannot claim another address.
        "PROXY_HOPS": _whole("PROXY_HOPS", "0"),
        # With several `portal scheduler` processes one holds this lease and enqueues; a
        # standby takes over within it when the leader dies without handing over.
        "SCHEDULER_LEASE_SECONDS": _whole("SCHEDULER_LEASE_SECONDS", "60"),
        # /metrics answers the internal network (loopback, private addresses), and anyone
        # sending `Authorization: Bearer` with this token when it is set.
        "METRICS_TOKEN": env("METRICS_TOKEN") or None,
        # Calls per API key (Flask-Limiter syntax), counted in Redis like the form's.
        "API_RATE_LIMIT": env("API_RATE_LIMIT", "600 per minute"),
        # Webhook deliveries over plain http and to this machine or its network: for a
        # developer's receiver only (production delivers to public https addresses).
        # Staff sign-in through the plan's identity provider (OpenID Connect), when all
        # three are set; OIDC_MFA_ACR lists `acr` values that mean a second factor was used.
        "OIDC_ISSUER": env("OIDC_ISSUER") or None,
        "OIDC_CLIENT_ID": env("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": env("OIDC_CLIENT_SECRET") or None,
        "OIDC_NAME": env("OIDC_NAME", "your organisation's account"),
        "OIDC_MFA_ACR": [v for v in env("OIDC_MFA_ACR", "").split(",") if v.strip()],
        "WEBHOOK_ALLOW_INSECURE": env("WEBHOOK_ALLOW_INSECURE") == "1"
        and env("PORTAL_ENV") != "production",
    }
