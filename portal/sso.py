"""`/login/sso`: staff sign in through the plan's identity provider (OpenID Connect, with
Authlib's Flask client), when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set.
Local accounts and passwords remain, for emergency access.

The provider's ID token is checked by Authlib (signature against the provider's keys,
issuer, audience, expiry, nonce; PKCE on the code); services.accounts.sso then matches a
verified e-mail to an active account. The portal's second factor is still asked of an
account that has one, unless the provider asserts it used a second factor itself."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, flash, g, redirect, request, session, url_for
from requests import RequestException

from portal.clock import utcnow
from portal.services.accounts import audit
from portal.services.accounts.sso import SsoRefused, account_for, asserts_mfa

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)

# The provider may be a second or two behind or ahead; nothing more.
LEEWAY_SECONDS = 30


def enabled(app: Flask) -> bool:
    return bool(app.config.get("OIDC_ISSUER"))


def init_app(app: Flask) -> None:
    if not enabled(app):
        return
    # Authlib (and the cryptography under it) is some 7 MB of every web process: loaded
    # only where sign-in through a provider is set up.
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth.register(
        "idp",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email", "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions["portal_sso"] = oauth
    app.register_blueprint(bp)


def _provider():
    return current_app.extensions["portal_sso"].idp


@bp.route("/login/sso")
def start():
    """Off to the provider, with a fresh state, nonce and PKCE verifier in the session."""
    from portal.auth import safe_next

    target = safe_next(request.args.get("next"))
    session.clear()
    session["sso_next"] = target
    try:
        answer = _provider().authorize_redirect(url_for("sso.callback", _external=True))
        g.redirect_off_site = answer.headers["Location"]  # to the provider, and only there
        return answer
    except Exception as exc:  # the provider does not answer: say so, keep passwords working
        log.warning("sso: the identity provider did not answer (%s)", type(exc).__name__)
        flash(
            "Your organisation's sign-in does not answer just now. Try again shortly, or sign "
            "in with your password.",
            "error",
        )
        return redirect(url_for("auth.login"))


def _refuse(reason: str, why: str):
    audit.record("sso refused", utcnow(), ip=request.remote_addr, detail={"why": why})
    session.clear()
    flash(reason, "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/sso/callback")
def callback():
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    from portal.auth import begin_second_step, sign_in

    target = session.get("sso_next") or "/admin/"
    if request.args.get("error"):
        return _refuse(
            "Your organisation's sign-in did not let you in. Try again, or sign in with your "
            "password.",
            f"provider: {request.args['error'][:60]}",
        )
    try:
        token = _provider().authorize_access_token(leeway=LEEWAY_SECONDS)
    except (AuthlibBaseError, JoseError, RequestException) as exc:
        # Expired, for another client, signed by someone else, replayed: the class says which.
        return _refuse(
            "That sign-in could not be accepted. Please start again.", type(exc).__name__
        )
    claims = token.get("userinfo") or {}
    try:
        user = account_for(claims)
    except SsoRefused as exc:
        return _refuse(str(exc), "no verified e-mail of an active account")
    now = utcnow()
    vouched = asserts_mfa(claims, current_app.config.get("OIDC_MFA_ACR") or ())
    if user.totp_enabled and not vouched:
        return begin_second_step(user, now, target, via="sso")
    sign_in(user, now, second_factor=vouched, via="sso")
    return redirect(target)
