"""The second factor: time-based one-time codes from an authenticator app."""

from __future__ import annotations

import base64
import hmac
import io
import re
import secrets
from datetime import datetime, timedelta

import pyotp
import qrcode
import qrcode.image.svg
from mongoengine import Q

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


STEP = timedelta(seconds=30)


def _step_of(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (this step, or one either side for a phone's clock
    a little off); None when it is none of them."""
    code = (code or "").replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    for moment in (now, now - STEP, now + STEP):
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def _use(user: User, step: int) -> bool:
    """Take the code's step for this account, once: True the first time, False for a code
    already used (here or in another sign-in at the same moment)."""
    taken = User.objects(Q(pk=user.pk) & (Q(totp_last_step=None) | Q(totp_last_step__lt=step)))
    return taken.modify(set__totp_last_step=step) is not None


def _valid(user: User, secret: str, code: str, now: datetime) -> bool:
    step = _step_of(secret, code, now)
    return step is not None and _use(user, step)


def throttled(user: User, now: datetime) -> bool:
    return audit.too_many("code failed", now, FAILED_CODE_LIMIT, actor=user)


def check(user: User, code: str, now: datetime) -> bool:
    """A code at sign-in; failures are audited and, past the limit, refused outright."""
    if throttled(user, now):
        raise AccountError("Too many wrong codes for this account. Try again in an hour.")
    if user.totp_secret and _valid(user, user.totp_secret, code, now):
        return True
    if _recovered(user, code, now):
        return True
    audit.record("code failed", now, actor=user)
    return False


RECOVERY_CODES = 10
RECOVERY_SHAPE = re.compile(r"^[a-z2-7]{5}-?[a-z2-7]{5}$")


def new_recovery_codes(user: User) -> list[str]:
    """Ten codes for a lost phone, each good once: shown to the person now, kept hashed."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = [
        "".join(secrets.choice(alphabet) for _ in range(5))
        + "-"
        + "".join(secrets.choice(alphabet) for _ in range(5))
        for _ in range(RECOVERY_CODES)
    ]
    User.objects(pk=user.pk).update_one(
        set__recovery_codes=[User.hash_secret(c.replace("-", "")) for c in codes]
    )
    return codes


def _recovered(user: User, code: str, now: datetime) -> bool:
    """A recovery code instead of the app's: good once (its hash leaves the account)."""
    code = (code or "").strip().lower()
    if not RECOVERY_SHAPE.match(code):
        return False
    plain = code.replace("-", "")
    for hashed in user.recovery_codes or []:
        if User.secret_matches(hashed, plain):
            # Pulled atomically: two sign-ins with one code, one of them wins.
            taken = User.objects(pk=user.pk, recovery_codes=hashed).update_one(
                pull__recovery_codes=hashed
            )
            if taken:
                left = len(user.recovery_codes) - 1
                audit.record("recovery code used", now, actor=user, detail={"codes left": left})
                return True
    return False


def pending_secret(user: User) -> str:
    """The key this account is enrolling: made once and kept with the account until the
    enrolment succeeds, so that it never travels in the session cookie."""
    if not user.totp_pending_secret:
        secret = new_secret()
        User.objects(pk=user.pk, totp_pending_secret=None).update_one(
            set__totp_pending_secret=secret
        )
        user.reload("totp_pending_secret")
    return user.totp_pending_secret


def reset(ids, *, by: User, now: datetime) -> int:
    """An administrator takes the second factor off accounts (a lost phone): their sessions
    end, and at the next sign-in they enrol again (administrators must). Audited."""
    accounts = users.chosen(ids)
    for user in accounts:
        User.objects(pk=user.pk).update_one(
            set__totp_enabled=False,
            unset__totp_secret=True,
            unset__totp_pending_secret=True,
            unset__totp_last_step=True,
        )
        users.end_sessions(user)
        audit.record("second factor reset", now, actor=by, target=f"user:{user.pk}")
    return len(accounts)


def enrol(
    user: User,
    code: str,
    now: datetime,
    *,
    password: str | None = None,
    current_code: str | None = None,
) -> list[str]:
    """Turn on the second factor with the pending key and a code from it; returns the new
    recovery codes, to be shown once. An account that has one already changes it only with
    its password and a code from the current one."""
    if user.totp_enabled:
        if not user.check_password(password or ""):
            raise AccountError("Your password is not right.")
        if not check(user, current_code or "", now):
            raise AccountError("The code from your current authenticator is not right.")
    secret = pending_secret(user)
    step = _step_of(secret, code, now)
    if step is None:
        raise AccountError(
            "That code does not match. Check the time on your phone and try the newest code."
        )
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_pending_secret = None
    user.totp_last_step = step  # the code that enrolled it is used
    user.save()
    users.end_sessions(user)  # a password-only session elsewhere ends; the caller renews its own
    audit.record("second factor on", now, actor=user, target=f"user:{user.pk}")
    return new_recovery_codes(user)
