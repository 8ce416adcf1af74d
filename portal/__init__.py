"""The grievance portal: Flask app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, render_template, request, url_for
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    test_config = test_config or {}
    instance = Path(test_config.get("INSTANCE_PATH") or config.default_instance_path())
    from portal.instance import secure

    secure(instance)  # 0700, files 0600: it holds member data and secrets
    app = Flask(__name__, instance_path=str(instance))
    app.config.from_mapping(config.from_environment(instance))
    app.config.update(test_config)
    if app.config.get("CHEAP_PASSWORD_HASHING"):
        # Only a test's own config may ask for it; the environment never can.
        if not app.testing:
            raise RuntimeError("CHEAP_PASSWORD_HASHING is for tests (TESTING) only")
        from portal.models.user import use_cheapest_hashing

        use_cheapest_hashing()
    if hops := app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from portal import auth, cli, errors, i18n, limits, logs, metrics, runtime, security, store
    from portal.admin import init_admin

    # First, so that every answer is counted and timed, even one a later hook gives.
    metrics.init_app(app)

    store.connect(app.config["MONGODB_URI"], instance / "data")
    from portal.services.grievances import history

    history.use_key(app.config["HISTORY_KEY"])
    runtime.init_app(app)
    logs.init_app(app)

    @app.before_request
    def upload_limit():
        # The import screen takes workbooks; every other page keeps MAX_CONTENT_LENGTH. Set
        # before the CSRF check, which reads the body first (a view's own setting came too
        # late, and anything over 256 KB got 413).
        if request.endpoint == "import.index" and request.method == "POST":
            request.max_content_length = app.config["IMPORT_UPLOAD_LIMIT"]
        elif request.method == "POST" and request.mimetype == "multipart/form-data":
            # Files: the member's with a complaint, staff's on a record. The form's own
            # fields stay within MAX_FORM_MEMORY_SIZE; anything else keeps the small limit.
            room = app.config["MAX_CONTENT_LENGTH"]
            if request.endpoint == "complaint.form":
                files = app.config["PUBLIC_FILE_COUNT"] * app.config["PUBLIC_FILE_LIMIT"]
                request.max_content_length = files + room
            elif request.endpoint == "grievance.act":
                request.max_content_length = app.config["FILE_LIMIT"] + room

    csrf.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    init_admin(app)
    cli.init_app(app)
    from portal import api, sso

    api.init_app(app, csrf)
    sso.init_app(app)

    from forms import bp as complaint_bp
    from portal.health import bp as health_bp

    app.register_blueprint(health_bp)

    app.register_blueprint(complaint_bp)
    # The public forms check their own CSRF token, so that an expired page comes back with
    # what the member typed instead of an error page.
    csrf.exempt(complaint_bp)

    @app.route("/favicon.ico")
    def favicon():
        """Browsers ask for it whatever the page says; the pages link the SVG."""
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.route("/")
    def home():
        """Send visitors to the complaint form; staff find the admin from there."""
        from portal.errors import member_contacts

        return render_template("home.html", programs=member_contacts())

    return app
