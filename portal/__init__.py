"""The grievance portal: Flask app factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf import CSRFProtect
from flask_wtf.csrf import CSRFError

from portal import config

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    test_config = test_config or {}
    instance = Path(test_config.get("INSTANCE_PATH") or config.default_instance_path())
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(instance))
    app.config.from_mapping(config.from_environment(instance))
    app.config.update(test_config)

    from portal import auth, cli, i18n, limits, runtime, security, store
    from portal.admin import init_admin

    store.connect(app.config["MONGODB_URI"], instance / "data")
    runtime.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    init_admin(app)
    cli.init_app(app)

    from forms import bp as complaint_bp

    app.register_blueprint(complaint_bp)
    # The public forms check their own CSRF token, so that an expired page comes back with
    # what the member typed instead of an error page.
    csrf.exempt(complaint_bp)

    @app.route("/")
    def home():
        """Send visitors to the complaint form; staff find the admin from there."""
        return render_template("home.html")

    @app.errorhandler(404)
    def not_found(_error):
        return render_template(
            "error.html", title=_("Page not found"), message=_("We could not find that page.")
        ), 404

    @app.errorhandler(413)
    def too_large(_error):
        return render_template(
            "error.html",
            title=_("That was too much to send"),
            message=_(
                "Please shorten what you wrote and send it again, or call us and we will "
                "take your complaint by phone."
            ),
        ), 413

    @app.errorhandler(CSRFError)
    def csrf_expired(_error):
        return render_template(
            "error.html",
            title=_("Please try again"),
            message=_(
                "This page was open for a long time. Please go back, reload it and send it again."
            ),
        ), 400

    @app.errorhandler(500)
    def server_error(_error):
        logging.getLogger(__name__).error("unhandled error on %s", _safe_path())
        return render_template(
            "error.html",
            title=_("Something went wrong"),
            message=_("Please try again in a few minutes."),
        ), 500

    return app


def _safe_path() -> str:
    from flask import request

    return request.path  # the path only: query strings may carry member details
