"""The second factor: time-based one-time codes from an authenticator app."""

from __future__ import annotations

import base64
import io
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

from portal.models import User
from portal.services.accounts import audit, users
from portal.services.accounts.users import AccountError

ISSUER = "Grievance portal"
FAILED_CODE_LIMIT = 20  # per account per hour


def required(user: User, admin_totp_required: bool) -> bool:
    return admin_totp_required and user.has_role("admin") and not user.totp_exempt


def new_secret() -> str:
    return pyotp.random_base32()


def qr_code(secret: str, email: str) -> str:
    """The enrolment QR code as a data: URI (an SVG, no external service)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _valid(secret: str, code: str, now: datetime) -> bool:
    code = (code or "").replace(" ", "")
    return code.isdigit() and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


def throttled(user: User, now: datetime) -> bool:
    return audit.too_many("code failed", now, FAILED_CODE_LIMIT, actor=user)


def check(user: User, code: str, now: datetime) -> bool:
    """A code at sign-in; failures are audited and, past the limit, refused outright."""
    if throttled(user, now):
        raise AccountError("Too many wrong codes for this account. Try again in an hour.")
    if user.totp_secret and _valid(user.totp_secret, code, now):
        return True
    audit.record("code failed", now, actor=user)
    return False


def enrol(user: User, secret: str, code: str, now: datetime) -> None:
    if not _valid(secret, code, now):
        raise AccountError(
            "That code does not match. Check the time on your phone and try the newest code."
        )
    user.totp_secret = secret
    user.totp_enabled = True
    user.save()
    users.end_sessions(user)  # a password-only session elsewhere ends; the caller renews its own
    audit.record("second factor on", now, actor=user, target=f"user:{user.pk}")
