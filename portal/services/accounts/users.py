"""Staff accounts: created by an administrator with a one-time password, changed at first
sign-in."""

from __future__ import annotations

import secrets
from datetime import datetime

from mongoengine.errors import NotUniqueError

from portal.access import ROLES, SEES_EVERY_PROGRAM, program_scope
from portal.models import Program, User
from portal.services.accounts import audit

MIN_LENGTH = 12
MAX_LENGTH = 64  # ASVS: at least 64 characters accepted
# The most common passwords of public breach lists, refused outright.
COMMON = frozenset(
    {
        "123456789012",
        "password1234",
        "passwordpassword",
        "qwertyuiopas",
        "111111111111",
        "iloveyou1234",
        "welcome12345",
        "letmein12345",
        "administrator",
        "changeme1234",
        "password123!",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "abc123456789",
        "monkey123456",
        "dragon123456",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "princess1234",
        "trustno11234",
        "superman1234",
        "starwars1234",
        "passw0rd1234",
        "p@ssw0rd1234",
        "demo-password",
        "correct horse battery staple",
    }
)


class AccountError(ValueError):
    """Something about an account or password that is not right, said plainly."""


def check_password_rules(password: str, email: str) -> None:
    if len(password) < MIN_LENGTH:
        raise AccountError(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise AccountError(f"Use at most {MAX_LENGTH} characters.")
    if password.lower() in COMMON:
        raise AccountError("That password is on lists of common passwords; choose another.")
    if email.split("@")[0].lower() in password.lower():
        raise AccountError("Do not use your e-mail name in your password.")


def create(
    email: str,
    name: str,
    roles: list[str],
    *,
    by: User | None,
    now: datetime,
    team: str | None = None,
    manager: User | None = None,
    active: bool = True,
    programs: list[Program] | None = None,
) -> tuple[User, str]:
    """A new account with a one-time password, which it must change at first sign-in."""
    programs = list(programs or [])
    _check_account(name, roles, programs)
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        roles=roles,
        team=team,
        manager=manager,
        active=active,
        programs=programs,
    )
    temporary = issue_temporary_password(user)
    try:
        user.save()
    except NotUniqueError:
        raise AccountError(f"An account for {email} exists already.") from None
    audit.record(
        "user created",
        now,
        actor=by,
        target=f"user:{user.pk}",
        detail={"roles": roles, "programs": [p.slug for p in programs]},
    )
    return user, temporary


def _check_account(name: str, roles: list[str], programs: list[Program]) -> None:
    """What every account needs: one or more known roles, a name, and the programs it serves
    unless its role reads every program."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise AccountError(f"Give one or more roles from: {', '.join(ROLES)}.")
    if not (name or "").strip():
        raise AccountError("Give the person's name.")
    if not programs and not set(roles) & SEES_EVERY_PROGRAM:
        raise AccountError(
            "List the programs this person serves: their records are the only ones they see."
        )


def update(
    user: User,
    *,
    by: User | None,
    now: datetime,
    email: str,
    name: str,
    roles: list[str],
    team: str | None,
    manager: User | None,
    active: bool,
    programs: list[Program] | None = None,
) -> None:
    """Change an account's e-mail, name, roles, team, manager, programs or whether it may
    sign in."""
    programs = list(programs or [])
    _check_account(name, roles, programs)
    if manager is not None and manager.pk == user.pk:
        raise AccountError("A person cannot be their own manager.")
    deactivated = user.active and not active
    user.email, user.name = email.strip().lower(), name.strip()
    user.roles, user.team, user.manager, user.active = roles, team or None, manager, active
    user.programs = programs
    try:
        user.save()
    except NotUniqueError:
        raise AccountError(f"An account for {email} exists already.") from None
    if deactivated:
        end_sessions(user)
    audit.record(
        "user changed",
        now,
        actor=by,
        target=f"user:{user.pk}",
        detail={"roles": list(roles), "active": active, "programs": [p.slug for p in programs]},
    )


def programs_read(user: User) -> list | None:
    """The ids of the programs whose records this person reads; None when that is every
    program (by role, or because the account lists them all), so that a query of records
    needs no filter for it."""
    scope = program_scope(user)
    if scope is None or set(Program.objects.scalar("pk")) <= set(scope):
        return None
    return scope


def end_sessions(user: User) -> int:
    """End every session of this account, wherever it is: the epoch moves on (atomically),
    and a session from an earlier epoch no longer loads its user. Returns the new epoch."""
    updated = User.objects(pk=user.pk).modify(new=True, inc__session_epoch=1)
    user.session_epoch = updated.session_epoch
    return updated.session_epoch


def chosen(ids) -> list[User]:
    """The accounts an administrator ticked on the Users screen (what is no id is skipped)."""
    return list(User.objects(pk__in=[str(i) for i in ids if len(str(i)) == 24]))


def sign_out_everywhere(ids, *, by: User, now: datetime) -> int:
    """An administrator ends every session of these accounts (a lost laptop, a departure);
    returns how many accounts."""
    accounts = chosen(ids)
    for user in accounts:
        end_sessions(user)
        audit.record("signed out everywhere", now, actor=by, target=f"user:{user.pk}")
    return len(accounts)


def issue_temporary_password(user: User) -> str:
    """Give an account a one-time password that must be changed at its next sign-in."""
    temporary = secrets.token_urlsafe(12)
    user.set_password(temporary)
    user.must_change_password = True
    return temporary


def change_password(user: User, current: str, new: str, now: datetime) -> None:
    if not user.check_password(current):
        raise AccountError("Your current password is not right.")
    if new == current:
        raise AccountError("Choose a password different from the current one.")
    check_password_rules(new, user.email)
    user.set_password(new)
    user.must_change_password = False
    user.save()
    end_sessions(user)  # every other session of the account ends; the caller renews its own
    audit.record("password changed", now, actor=user, target=f"user:{user.pk}")
