from __future__ import annotations

import contextlib

import mongoengine as me
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from portal.access import ROLES

# argon2id with one of OWASP's equal-strength settings (Password Storage Cheat Sheet: 9 MiB,
# four passes, one lane; as strong as its 19 MiB with two). The library's default (RFC 9106's
# low-memory profile) takes 64 MiB for every check: one sign-in was most of a web process's
# peak memory, and four at once were 256 MB.
_hasher = PasswordHasher(time_cost=4, memory_cost=9 * 1024, parallelism=1)


def use_cheapest_hashing() -> None:
    """argon2's cheapest profile, for a test run only (the app factory refuses it otherwise):
    hashing and checking cost microseconds instead of a second. Hashes keep their parameters,
    so either hasher checks the other's."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


_DECOY: dict[str, str] = {}


def _decoy_hash() -> str:
    """A hash made with the current hasher's parameters (the test run's cheap ones in tests)."""
    key = repr(_hasher)
    if key not in _DECOY:
        _DECOY[key] = _hasher.hash("no account has this password")
    return _DECOY[key]


class User(me.Document):
    """A staff member. Members of the public have no account."""

    email = me.EmailField(required=True, unique=True)
    name = me.StringField(required=True, max_length=120)
    password_hash = me.StringField()
    roles = me.ListField(me.StringField(choices=ROLES))
    active = me.BooleanField(default=True)
    must_change_password = me.BooleanField(default=False)
    # Second factor (TOTP). Required for administrators unless exempt, which only the demo
    # data sets, so that `make run` stays one step.
    totp_secret = me.StringField()
    totp_enabled = me.BooleanField(default=False)
    totp_exempt = me.BooleanField(default=False)
    # The time step of the last code accepted: a code is good once (ASVS 2.8.4).
    totp_last_step = me.IntField()
    # The key being enrolled, kept here rather than in the signed (readable) session cookie.
    totp_pending_secret = me.StringField()
    # One-time recovery codes for a lost phone, stored as argon2 hashes (shown once).
    recovery_codes = me.ListField(me.StringField())
    team = me.StringField(max_length=80)
    manager = me.ReferenceField("self")
    programs = me.ListField(me.ReferenceField("Program"))
    # Sessions are revocable on the server: each carries the epoch it began in, and signing
    # out, a new password or second factor, deactivation or "sign out everywhere" moves it
    # on, which ends every session of the account at once.
    session_epoch = me.IntField(default=0)

    meta = {"collection": "users", "indexes": ["email", "roles"]}

    def __str__(self):
        return self.name

    def program_ids(self) -> list:
        """The ids of the programs this person serves, without reading the programs."""
        refs = self._data.get("programs") or []
        return [ref.pk if isinstance(ref, me.Document) else getattr(ref, "id", ref) for ref in refs]

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.pk)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    @staticmethod
    def spend_a_check(password: str) -> None:
        """Do the work of checking a password for an account that does not exist, so that
        the answer takes as long as for one that does (it was 9 ms against 318 ms)."""
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_decoy_hash(), password)

    @staticmethod
    def hash_secret(secret: str) -> str:
        return _hasher.hash(secret)

    @staticmethod
    def secret_matches(hashed: str, secret: str) -> bool:
        try:
            return _hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            # Made with other parameters (an older default): stored again with today's.
            self.password_hash = _hasher.hash(password)
            User.objects(pk=self.pk).update_one(set__password_hash=self.password_hash)
        return True

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class SavedView(me.Document):
    """A list of grievances a person named to come back to: its filters, search and order."""

    user = me.ReferenceField(User, required=True)
    name = me.StringField(required=True, max_length=80)
    query = me.StringField(max_length=2000, default="")
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "saved_views",
        "indexes": [{"fields": ["user", "name"], "unique": True}],
    }
