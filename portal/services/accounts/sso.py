"""Staff sign-in through the plan's identity provider (OpenID Connect): which account an ID
token's claims stand for, and whether the provider vouches for a second factor. The token
itself (signature, issuer, audience, expiry, nonce) is checked by Authlib before this."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from portal.models import User

# RFC 8176 authentication method references that mean more than a password was used.
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris", "retina"})


class SsoRefused(Exception):
    """Why the provider's answer does not sign anyone in, said to the person plainly."""


def account_for(claims: Mapping) -> User:
    """The active account whose e-mail the provider has verified; accounts are matched by
    e-mail and keep their roles and programs in the portal."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise SsoRefused("Your organisation's sign-in did not give an e-mail address.")
    if claims.get("email_verified") is not True:
        raise SsoRefused(
            "Your organisation's sign-in has not verified your e-mail address, so it cannot "
            "be matched to an account here. Ask its administrator, or sign in with your "
            "password."
        )
    user = User.objects(email=email, active=True).first()
    if user is None:
        raise SsoRefused(
            "No active account here has that e-mail address. An administrator creates "
            "accounts; your organisation's sign-in only proves who you are."
        )
    return user


def asserts_mfa(claims: Mapping, mfa_acr: Iterable[str] = ()) -> bool:
    """The provider says more than a password was used: an `amr` naming a second factor, or
    an `acr` the deployment lists as one (OIDC_MFA_ACR)."""
    methods = claims.get("amr") or []
    if isinstance(methods, str):
        methods = [methods]
    if MFA_METHODS & {str(m).lower() for m in methods}:
        return True
    return bool(claims.get("acr")) and claims.get("acr") in set(mfa_acr)
