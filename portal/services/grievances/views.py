"""Saved views: a person names the list they are looking at (its filters, search and order)
and opens it again from the list. Each person's own; only the list's own parameters are kept."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from portal.models import SavedView, User

KEPT = ("flt", "search", "sort", "desc", "page_size")
MOST = 30  # per person


class ViewError(ValueError):
    """A view that cannot be saved as asked, with a message that says why."""


def query_of(args) -> str:
    """The list's own parameters from a request's arguments, in a stable order."""
    pairs = sorted(
        (key, value)
        for key in args
        for value in args.getlist(key)
        if key.startswith(KEPT) and len(value) <= 200
    )
    return urlencode(pairs)


def save(user: User, name: str, query: str, now: datetime) -> SavedView:
    """Keep (or replace) the view of this name."""
    name = " ".join((name or "").split())
    if not name:
        raise ViewError("Give the view a name, e.g. My overdue Level I.")
    if len(name) > 80:
        raise ViewError("A view's name is at most 80 characters.")
    existing = SavedView.objects(user=user, name=name).first()
    if existing is None and SavedView.objects(user=user).count() >= MOST:
        raise ViewError(f"You have {MOST} saved views; delete one first.")
    return SavedView.objects(user=user, name=name).modify(
        upsert=True, new=True, set__query=query, set__created_at=now
    )


def mine(user: User) -> list[SavedView]:
    return list(SavedView.objects(user=user).order_by("name"))


def delete(user: User, view_id: str) -> bool:
    """Delete one of this person's views (never someone else's)."""
    if len(view_id or "") != 24:
        return False
    return bool(SavedView.objects(user=user, pk=view_id).delete())
