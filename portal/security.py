"""Response headers on every answer, including a Content-Security-Policy with no inline
script: Flask-Admin's few script tags carry a per-request nonce."""

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request

# Flask-Admin's filter menu items carry onclick="return false;", a no-op allowed by its exact
# hash and nothing else. (Its href="javascript:void(0)" links stay blocked: clicking them
# does nothing either way, and the browser notes it in the console.)
FLASK_ADMIN_NO_OPS = "'unsafe-hashes' 'sha256-2rvfFrggTCtyF5WOiTri1gDS8Boibj4Njn0e+VCBmDI='"


def is_local(location: str, host: str) -> bool:
    """A relative path, or an absolute URL to this very host; nothing else."""
    if "\\" in location or any(ord(c) < 32 for c in location):
        return False
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location.startswith("/") and not location.startswith("//")
    # An empty host never matches: browsers read http:///evil.example as evil.example.
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc == host


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    @app.context_processor
    def nonce():
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def safe_redirects(response):
        """Every redirect stays on this site: Flask-Admin's ?url= check lets some forms
        through (http://host\\@evil.example reads as evil.example in browsers). The one
        exception is the sign-in page sending a person to the identity provider, which its
        view names exactly (g.redirect_off_site)."""
        location = response.headers.get("Location")
        redirecting = response.status_code in (301, 302, 303, 307, 308) and location
        named = g.get("redirect_off_site")
        if redirecting and location != named and not is_local(location, request.host):
            response.headers["Location"] = "/admin/" if request.path.startswith("/admin") else "/"
        return response

    @app.after_request
    def headers(response):
        nonce = csp_nonce()
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}' {FLASK_ADMIN_NO_OPS}; "
            f"style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/admin", "/complaint", "/login", "/account")):
            # Pages with member details must not be kept by browsers or proxies.
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
