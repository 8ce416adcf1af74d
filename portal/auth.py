"""Staff login with Flask-Login; passwords checked with argon2id."""

from __future__ import annotations

import logging

from bson import ObjectId
from bson.errors import InvalidId
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.clock import utcnow
from portal.models import User
from portal.security import is_local
from portal.services.accounts import audit, twofactor, users

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
PENDING_SECONDS = 5 * 60  # between the password and the code

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
log = logging.getLogger(__name__)


class LoginForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=64)])


def safe_next(target: str | None) -> str:
    """Only a path on this site (no host at all, not even ours)."""
    return target if target and is_local(target, host="") else "/admin/"


def _find(user_id: str | None) -> User | None:
    try:
        oid = ObjectId(user_id)
    except (InvalidId, TypeError):
        return None
    return User.objects(pk=oid, active=True).first()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, if this session began in the account's current epoch: a session
    ended on the server (sign-out, new password, ...) loads no one, whatever its cookie."""
    user = _find(user_id)
    if user is None or session.get("epoch", 0) != user.session_epoch:
        return None
    return user


def _renew(user: User) -> None:
    """Keep this session after ending the account's others (a password or factor change)."""
    session["epoch"] = user.session_epoch


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign a staff member in."""
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        email = form.email.data.strip().lower()
        if audit.login_throttled(email, now, request.remote_addr):
            audit.record("login throttled", now, actor_email=email, ip=request.remote_addr)
            flash(
                "Too many failed sign-ins for this account or from this address. Try again "
                "in an hour, or ask "
                "an administrator.",
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        user = User.objects(email=email, active=True).first()
        if user is None:
            User.spend_a_check(form.password.data)  # no answer by its speed
        elif user.check_password(form.password.data):
            target = safe_next(request.args.get("next"))
            if user.totp_enabled:
                return begin_second_step(user, now, target)
            sign_in(user, now, second_factor=False)
            return redirect(target)
        audit.record("login failed", now, actor_email=email, ip=request.remote_addr)
        flash("That e-mail and password do not match an active account.", "error")
    return render_template("auth/login.html", form=form)


def begin_second_step(user: User, now, target: str, via: str = "password"):
    """The first factor is right (a password, or the identity provider); the session is not
    signed in until the code is."""
    session.clear()
    session["pending_user"] = str(user.pk)
    session["pending_at"] = now.timestamp()
    session["pending_next"] = target
    session["pending_via"] = via
    return redirect(url_for("auth.code"))


def sign_in(user: User, now, *, second_factor: bool, via: str = "password") -> None:
    """`via` is "password" or "sso" (the plan's identity provider, portal.sso);
    `second_factor` whether one was used, here or vouched for by the provider."""
    session.clear()  # a fresh session at sign-in
    login_user(user)
    session.permanent = True
    session["login_at"] = session["seen_at"] = now.timestamp()
    session["epoch"] = user.session_epoch
    session["via"] = via
    session["second_factor"] = second_factor
    audit.record(
        "login",
        now,
        actor=user,
        ip=request.remote_addr,
        detail={"second_factor": second_factor, "via": via},
    )


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code from your authenticator app (or a recovery code)",
        validators=[DataRequired("Type the code."), Length(max=20)],
    )


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """Second step of signing in: the code from the authenticator app."""
    now = utcnow()
    pending, started = session.get("pending_user"), session.get("pending_at", 0)
    user = _find(pending) if pending else None
    if user is None or now.timestamp() - started > PENDING_SECONDS:
        session.clear()
        flash("Please sign in again.", "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            ok = twofactor.check(user, form.code.data, now)
        except users.AccountError as exc:
            flash(str(exc), "error")
            return render_template("auth/code.html", form=form), 429
        if ok:
            target = session.get("pending_next") or "/admin/"
            sign_in(user, now, second_factor=True, via=session.get("pending_via") or "password")
            return redirect(target)
        form.code.errors.append("That code is not right. Use the newest code in the app.")
    return render_template("auth/code.html", form=form)


class ReEnrolForm(CodeForm):
    """Changing the authenticator asks for what only the account's owner has."""

    password = PasswordField("Your password", validators=[DataRequired(), Length(max=64)])
    current_code = StringField(
        "A code from your current authenticator app",
        validators=[DataRequired("Type a code from the current app."), Length(max=10)],
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Turn on the second factor: scan the code, type one code back."""
    user = current_user._get_current_object()
    secret = twofactor.pending_secret(user)
    form = ReEnrolForm() if user.totp_enabled else CodeForm()
    if form.validate_on_submit():
        try:
            recovery = twofactor.enrol(
                user,
                form.code.data,
                utcnow(),
                password=getattr(form, "password", None) and form.password.data,
                current_code=getattr(form, "current_code", None) and form.current_code.data,
            )
        except users.AccountError as exc:
            form.code.errors.append(str(exc))
        else:
            _renew(user)
            flash(
                "The second factor is on. You will be asked for a code at each sign-in.", "success"
            )
            # Shown in this answer only: never in the session, never again.
            return render_template("auth/recovery.html", codes=recovery)
    return render_template(
        "auth/two_factor.html",
        form=form,
        secret=secret,
        qr=twofactor.qr_code(secret, user.email),
        required=twofactor.required(user, _admin_totp_required()),
    )


def _admin_totp_required() -> bool:
    return current_app.config["ADMIN_TOTP_REQUIRED"]


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
            _renew(current_user._get_current_object())
            flash("Your password is changed; any other session of yours has ended.", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: every session of the account ends, here and wherever else."""
    if current_user.is_authenticated:
        users.end_sessions(current_user._get_current_object())
        audit.record("logout", utcnow(), actor=current_user._get_current_object())
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
            # A new administrator sets a password, then a second factor: each page stays
            # reachable while the other is owed (they sent each other back and forth).
            # Signed in through the identity provider: no local password is owed, and a
            # second factor the provider vouched for counts as the portal's.
            by_provider = session.get("via") == "sso"
            if (
                current_user.must_change_password
                and not by_provider
                and request.endpoint
                not in (
                    "auth.change_password",
                    "auth.two_factor",
                    "auth.logout",
                )
            ):
                return redirect(url_for("auth.change_password"))
            if (
                twofactor.required(current_user, _admin_totp_required())
                and not current_user.totp_enabled
                and not (by_provider and session.get("second_factor"))
                and request.endpoint
                not in (
                    "auth.two_factor",
                    "auth.change_password",
                    "auth.logout",
                )
            ):
                return redirect(url_for("auth.two_factor"))
        return None

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    app.register_blueprint(bp)

    @app.context_processor
    def inject_user():
        from portal.sso import enabled

        return {
            "current_user": current_user,
            "sso_name": app.config.get("OIDC_NAME") if enabled(app) else None,
        }
