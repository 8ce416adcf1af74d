"""Staff login with Flask-Login; passwords checked with argon2id."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.clock import utcnow
from portal.models import User
from portal.services import audit, users

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60

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
        now = utcnow()
        email = form.email.data.strip().lower()
        if audit.login_throttled(email, now):
            audit.record("login throttled", now, actor_email=email, ip=request.remote_addr)
            flash(
                "Too many failed sign-ins for this account. Try again in an hour, or ask "
                "an administrator.",
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        user = User.objects(email=email, active=True).first()
        if user is not None and user.check_password(form.password.data):
            session.clear()  # a fresh session at login
            login_user(user)
            session.permanent = True
            session["login_at"] = session["seen_at"] = now.timestamp()
            audit.record("login", now, actor=user, ip=request.remote_addr)
            return redirect(safe_next(request.args.get("next")))
        audit.record("login failed", now, actor_email=email, ip=request.remote_addr)
        flash("That e-mail and password do not match an active account.", "error")
    return render_template("auth/login.html", form=form)


def _session_expired() -> str | None:
    """Idle 30 minutes or signed in 12 hours ago: sign out (ASVS L2 session bars)."""
    now = utcnow().timestamp()
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if login_at is None or seen_at is None:
        return "Please sign in."
    if now - seen_at > IDLE_SECONDS:
        return "You were signed out after 30 minutes without activity."
    if now - login_at > ABSOLUTE_SECONDS:
        return "You were signed out after 12 hours. Please sign in again."
    session["seen_at"] = now
    return None


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=64)])
    new = PasswordField(
        "New password (12 to 64 characters)", validators=[DataRequired(), Length(max=64)]
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (required at first sign-in)."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(
                current_user._get_current_object(), form.current.data, form.new.data, utcnow()
            )
        except users.AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            flash("Your password is changed.", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    @app.before_request
    def enforce_session_limits():
        if current_user.is_authenticated and request.endpoint not in ("static", "auth.logout"):
            reason = _session_expired()
            if reason:
                logout_user()
                session.clear()
                flash(reason, "error")
                return redirect(url_for("auth.login", next=request.path))
            if current_user.must_change_password and request.endpoint not in (
                "auth.change_password",
                "auth.logout",
            ):
                return redirect(url_for("auth.change_password"))
        return None

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    app.register_blueprint(bp)

    @app.context_processor
    def inject_user():
        return {"current_user": current_user}
