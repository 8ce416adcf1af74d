"""The document store: real MongoDB when MONGODB_URI is set, else the embedded store.

This is the only module that knows which store is behind mongoengine. The embedded store is
litemongo (SQLite files under the instance folder), made safe here for what the portal does
with it:

* Concurrent writers. litemongo re-reads and rewrites a whole document per update, so two
  processes updating one document lose updates. Every write runs under an exclusive
  ``fcntl.flock`` on a lock file beside the data, shared by every process of the instance.
* Threads. litemongo's SQLite connections only work in the thread that opened them, and
  mongomock's in-memory query indexes are not thread-safe. Connections are opened shareable,
  and every operation of a process runs under one re-entrant lock.
* Fork. A forked child (RQ's work horse, gunicorn workers) must not use its parent's SQLite
  connections or locks; it gets fresh ones on its first use.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import sqlite3
import threading
import types
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mongoengine

EMBEDDED_DB_NAME = "portal"
BUSY_SECONDS = 30

# Collection methods that change data or indexes: they hold the cross-process write lock.
_WRITE_METHODS = [
    "insert_one",
    "insert_many",
    "insert",
    "update_one",
    "update_many",
    "update",
    "replace_one",
    "find_one_and_delete",
    "find_one_and_replace",
    "find_one_and_update",
    "find_and_modify",
    "save",
    "delete_one",
    "delete_many",
    "remove",
    "drop",
    "create_index",
    "create_indexes",
    "ensure_index",
    "drop_index",
    "drop_indexes",
    "bulk_write",
    "rename",
]
# Reads only need the process lock (SQLite gives each statement a consistent snapshot).
_READ_METHODS = [
    "count_documents",
    "estimated_document_count",
    "distinct",
    "aggregate",
    "list_indexes",
    "index_information",
]

# Connections a forked child inherited. Closing them could disturb the parent's locks or WAL,
# so the child keeps them referenced (never closed) and opens its own.
_INHERITED: list[Any] = []
_CLIENTS: weakref.WeakSet = weakref.WeakSet()
_fork_hook_installed = False


class StoreLock:
    """Serialise this process's threads, and for writes every process of the instance."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reset()

    def reset(self) -> None:
        """Start with fresh locks: used at creation and in a forked child."""
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = os.getpid()

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._thread_lock:
            yield

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)


def _guarded(method: Callable, kind: str) -> Callable:
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        lock: StoreLock = self.database.client._portal_lock
        with getattr(lock, kind)():
            return method(self, *args, **kwargs)

    return wrapper


def _materialised(method: Callable) -> Callable:
    """Run a lazy read to the end under the lock, so no thread iterates a shared cursor."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.database.client._portal_lock.read():
            return iter(list(method(self, *args, **kwargs)))

    return wrapper


def _embedded_classes():
    """Build the embedded client classes; litemongo is imported only when it is used."""
    import litemongo
    from litemongo import sqlite_store
    from litemongo._vendor.mongomock import thread as mongomock_thread
    from litemongo._vendor.mongomock.collection import Collection
    from litemongo._vendor.mongomock.database import Database

    # litemongo opens its SQLite files thread-bound; every use of them is serialised by
    # StoreLock, so they may be opened shareable. Only litemongo's module sees this name.
    if not isinstance(sqlite_store.sqlite3, types.SimpleNamespace):
        sqlite_store.sqlite3 = types.SimpleNamespace(
            # A foreign writer (the sqlite3 shell, a backup) may hold a file for a while:
            # wait up to BUSY_SECONDS for it rather than SQLite's default 5 s.
            connect=functools.partial(
                sqlite3.connect, check_same_thread=False, timeout=BUSY_SECONDS
            )
        )

    guarded = {
        name: _guarded(getattr(Collection, name), kind)
        for kind, names in (("write", _WRITE_METHODS), ("read", _READ_METHODS))
        for name in names
        if hasattr(Collection, name)  # some pymongo 3 names are gone in this mongomock
    }
    guarded["_get_dataset"] = _materialised(Collection._get_dataset)
    LockedCollection = type("LockedCollection", (Collection,), guarded)

    def _locked(collection):
        # mongomock builds its Collection objects itself (get_collection, with_options); the
        # locked class adds methods only, so switching the class of a new one is safe.
        if not isinstance(collection, LockedCollection):
            collection.__class__ = LockedCollection
        return collection

    class LockedDatabase(Database):
        def get_collection(self, *args, **kwargs):
            return _locked(super().get_collection(*args, **kwargs))

        def drop_collection(self, *args, **kwargs):
            with self.client._portal_lock.write():
                return super().drop_collection(*args, **kwargs)

        def create_collection(self, *args, **kwargs):
            with self.client._portal_lock.write():
                return _locked(super().create_collection(*args, **kwargs))

        def list_collection_names(self, *args, **kwargs):
            with self.client._portal_lock.read():
                return super().list_collection_names(*args, **kwargs)

    LockedCollection.with_options = lambda self, *a, **kw: _locked(
        Collection.with_options(self, *a, **kw)
    )

    class EmbeddedClient(litemongo.MongoClient):
        """A litemongo client that takes mongoengine's connection kwargs.

        mongoengine passes ``host`` (a list holding the data folder); the rest are pymongo
        options litemongo has no use for.
        """

        def __init__(
            self, host, document_class=dict, tz_aware=False, read_preference=None, **_ignored
        ):
            folder = Path(host[0] if isinstance(host, (list, tuple)) else host)
            self._portal_lock = StoreLock(folder / ".write.lock")
            with self._portal_lock.write():
                super().__init__(
                    sqlite_store.ServerStore(folder),
                    document_class=document_class,
                    tz_aware=tz_aware,
                    read_preference=read_preference,
                )
            _CLIENTS.add(self)

        def get_database(self, name=None, *args, **kwargs):
            db = super().get_database(name, *args, **kwargs)
            if not isinstance(db, LockedDatabase):
                db.__class__ = LockedDatabase
            return db

        def reopen_after_fork(self) -> None:
            self._portal_lock.reset()
            for database in self._store._databases.values():
                for collection in database._collections.values():
                    if collection._connection is not None:
                        _INHERITED.append(collection._connection)
                    collection._rwlock = mongomock_thread.RWLock()
                    collection.open()

    return EmbeddedClient


@functools.cache
def embedded_client_class():
    return _embedded_classes()


def _after_fork_in_child() -> None:
    for client in list(_CLIENTS):
        client.reopen_after_fork()


def _install_fork_hook() -> None:
    global _fork_hook_installed
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_hook_installed = True


def describe(mongodb_uri: str | None, data_path: Path) -> str:
    """Say which store is in use, without credentials."""
    if mongodb_uri:
        from pymongo.uri_parser import parse_uri

        parsed = parse_uri(mongodb_uri)
        hosts = ",".join(f"{h}:{p}" for h, p in parsed["nodelist"])
        return f"MongoDB at {hosts}, database {parsed.get('database') or '(default)'}"
    return f"embedded document store in {data_path}"


def connect(mongodb_uri: str | None, data_path: Path, alias: str = "default"):
    """Connect mongoengine to MongoDB, or to the embedded store under ``data_path``."""
    mongoengine.disconnect(alias)
    if mongodb_uri:
        return mongoengine.connect(
            host=mongodb_uri, alias=alias, uuidRepresentation="standard", tz_aware=True
        )
    _install_fork_hook()
    data_path.mkdir(parents=True, exist_ok=True)
    return mongoengine.connect(
        db=EMBEDDED_DB_NAME,
        alias=alias,
        host=str(data_path),
        mongo_client_class=embedded_client_class(),
        uuidRepresentation="standard",
        tz_aware=True,
    )


def disconnect(alias: str = "default") -> None:
    mongoengine.disconnect(alias)


def ping(alias: str = "default") -> None:
    """Raise if the store does not answer."""
    db = mongoengine.get_db(alias)
    db.list_collection_names()
