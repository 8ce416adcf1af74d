"""Error pages in plain words (English or Spanish on member pages): never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

log = logging.getLogger(__name__)

# what went wrong -> (status, title, message)
PAGES = {
    404: (404, _l("Page not found"), _l("We could not find that page.")),
    413: (
        413,
        _l("That was too much to send"),
        _l(
            "Please shorten what you wrote and send it again, or call us and we will "
            "take your complaint by phone."
        ),
    ),
    429: (
        429,
        _l("Please wait a little"),
        _l(
            "We have had several submissions from your connection in a short time. "
            "Please wait an hour and try again, or call us and we will take your "
            "complaint by phone."
        ),
    ),
    CSRFError: (
        400,
        _l("Please try again"),
        _l("This page was open for a long time. Please go back, reload it and send it again."),
    ),
    500: (500, _l("Something went wrong"), _l("Please try again in a few minutes.")),
}


def member_contacts() -> list:
    """The programs' contact lines for a member page; none when the store cannot say (an
    error page must render even then)."""
    from portal.i18n import is_public
    from portal.models import Program

    if not is_public(request.path) and request.path != "/":
        return []
    try:
        return Program.with_contact_lines()
    except Exception:  # the store is what failed: the page still answers, without the lines
        log.warning("error page: the programs' contact lines could not be read")
        return []


STAFF_PAGES = {
    403: "You may not open this page",
    404: "Page not found",
}


def staff_page(error):
    """A refusal or a missing page in the staff portal: said plainly, with the way back."""
    status = error.code
    said = error.description if error.description != type(error).description else None
    reason = said if status == 403 else None
    if status == 403 and not reason:
        reason = "Your role does not include it. Ask an administrator if your work needs it."
    if status == 404:
        reason = "It may have moved, or the record is not one you can open."
    return render_template(
        "staff_error.html", title=STAFF_PAGES[status], message=reason, status=status
    ), status


def _for_staff() -> bool:
    return request.path.startswith(("/admin", "/account"))


def _for_api() -> bool:
    from portal.api import is_api

    return is_api(request.path)


def _fields(messages, at: str = "") -> list[dict]:
    """webargs/marshmallow messages ({"json": {"field": ["reason"]}}) as a flat list."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            # Where the fields were (json, query) and the whole body (_schema) name no field.
            name = "" if key == "_schema" or (key in ("json", "query") and not at) else str(key)
            out.extend(_fields(value, f"{at}.{name}".strip(".") if name else at))
        return out
    if isinstance(messages, list | tuple):
        out = []
        for item in messages:
            out.extend(
                _fields(item, at)
                if isinstance(item, dict | list)
                else [{"field": at or "(body)", "reason": str(item)}]
            )
        return out
    return [{"field": at or "(body)", "reason": str(messages)}]


def problem(error: HTTPException):
    """An RFC 9457 problem document: what is wrong and, for a bad body, which fields."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    found = _fields(data.get("messages") or data.get("errors") or {})
    if found:
        body["errors"] = found
        said = (f"{f['field']}: {f['reason'].rstrip('.')}" for f in found)
        body["detail"] = ("; ".join(said) + ".")[:1000]
    elif data.get("message"):
        body["detail"] = str(data["message"])
    elif status == 429:
        body["detail"] = "Too many calls with this key; wait and send again."
    elif error.description and error.description != type(error).description:
        body["detail"] = str(error.description)
    answer = jsonify(body)
    answer.status_code = status
    answer.mimetype = "application/problem+json"
    if status == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in (data.get("headers") or {}).items():
        answer.headers[name] = value
    return answer


def page(status: int, title, message):
    return render_template(
        "error.html", title=title, message=message, programs=member_contacts()
    ), status


FORMS_ONLY = (
    415,
    _l("Please use the form"),
    _l("This page takes what you type into its form, and nothing else."),
)


def init_app(app: Flask) -> None:
    @app.before_request
    def forms_only():
        """The pages take HTML forms. A JSON body would reach the forms as objects and lists
        where they expect text (seen: a 500 on /login and /complaint/status), so it is
        answered plainly before any form reads it."""
        if request.method in ("POST", "PUT", "PATCH") and request.is_json and not _for_api():
            return page(*FORMS_ONLY)
        return None

    @app.errorhandler(HTTPException)
    def any_other(error):
        """Codes without a page of their own: a problem document under /api/, else
        Werkzeug's short answer."""
        return problem(error) if _for_api() else error

    @app.errorhandler(403)
    def forbidden(error):
        if _for_api():
            return problem(error)
        if _for_staff():
            return staff_page(error)
        return page(403, _l("Not available"), _l("This page is not available."))

    for error, (status, title, message) in PAGES.items():

        def handler(_error, status=status, title=title, message=message):
            if _for_api():
                if status == 500:
                    log.error("unhandled error on %s", request.path)
                if isinstance(_error, HTTPException):
                    return problem(_error)
                return problem(InternalServerError() if status == 500 else BadRequest(str(message)))
            if status == 404 and _for_staff():
                return staff_page(_error)
            if status == 500:
                # The path only: query strings may carry member details.
                log.error("unhandled error on %s", request.path)
            return page(status, title, message)

        app.register_error_handler(error, handler)
