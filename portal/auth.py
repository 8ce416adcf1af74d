"""Staff login with Flask-Login; passwords checked with argon2id."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
log = logging.getLogger(__name__)


class LoginForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=64)])


def safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no backslash tricks."""
    default = "/admin/"
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        oid = ObjectId(user_id)
    except (InvalidId, TypeError):
        return None
    return User.objects(pk=oid, active=True).first()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign a staff member in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = User.objects(email=form.email.data.strip().lower(), active=True).first()
        if user is not None and user.check_password(form.password.data):
            session.clear()  # a fresh session at login
            login_user(user)
            session.permanent = True
            log.info("login ok for user %s", user.pk)
            return redirect(safe_next(request.args.get("next")))
        log.info("login failed")
        flash("That e-mail and password do not match an active account.", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    app.register_blueprint(bp)

    @app.context_processor
    def inject_user():
        return {"current_user": current_user}
