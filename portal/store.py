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
from datetime import datetime
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


class _CompactFieldIndex:
    """litemongo's in-process hash index on one field path, in less memory.

    litemongo keeps, for every indexed path of every document, a set of its keys and, for
    every key, a set of documents: two small sets per document and path, some 120 MB at
    10,000 grievances over eighteen indexed paths. Here a document with one key keeps the
    key itself, and a key held by one document keeps that document's store key; sets only
    where there are several. The answers are the same: `candidates` returns the documents
    that may match (a superset), and every candidate is still checked against the filter."""

    _UNKEYED = object()
    replaced: Any = None

    def __init__(self, path: str) -> None:
        from litemongo._vendor.mongomock import indexing

        self.path = path
        self._keys_of = functools.partial(indexing._doc_keys, path=path)
        self._entries: dict = {}
        self._unkeyed: set = set()
        self._doc_keys: dict = {}
        self._canonical: dict = {}
        self.dates = False

    def add(self, store_key, doc: dict) -> None:
        if self.dates:
            return
        keys = self._keys_of(doc)
        if keys and any(key[0] == "t" for key in keys):
            # A path of times (received, due, changed) is asked for in ranges and sorts,
            # which no hash answers; its index would be the largest of all. It plans nothing.
            self.dates = True
            self._entries, self._unkeyed, self._doc_keys, self._canonical = {}, set(), {}, {}
            return
        if keys is None:
            self._unkeyed.add(store_key)
            self._doc_keys[store_key] = self._UNKEYED
            return
        if not keys:
            return
        for key in keys:
            held = self._entries.get(key)
            if held is None:
                self._entries[key] = store_key
            elif isinstance(held, set):
                held.add(store_key)
            elif held != store_key:
                self._entries[key] = {held, store_key}
                # From its second holder on, a key is one object shared by all of them.
                first = self._doc_keys.get(held)
                if first is not None and not isinstance(first, list):
                    self._canonical[key] = first
        if len(keys) == 1:
            (key,) = keys
            self._doc_keys[store_key] = self._canonical.get(key, key)
        else:
            # Lists (search keys): each key one object, shared by the documents holding it.
            self._doc_keys[store_key] = [self._canonical.setdefault(k, k) for k in keys]

    def remove(self, store_key) -> None:
        keys = self._doc_keys.pop(store_key, None)
        if keys is None:
            return
        if keys is self._UNKEYED:
            self._unkeyed.discard(store_key)
            return
        for key in keys if isinstance(keys, list) else (keys,):
            held = self._entries.get(key)
            if isinstance(held, set):
                held.discard(store_key)
                if len(held) == 1:
                    self._entries[key] = next(iter(held))
            elif held == store_key:
                del self._entries[key]
                self._canonical.pop(key, None)

    def candidates(self, keys) -> set | None:
        if self.dates:
            return None  # not planned on this path: the other conditions choose, or a scan
        found = set(self._unkeyed)
        for key in keys:
            held = self._entries.get(key)
            if isinstance(held, set):
                found.update(held)
            elif held is not None:
                found.add(held)
        return found


# What MongoDB sorts first: null and missing, then numbers, then strings, then dates.
_SORT_RANK = {type(None): 0, int: 1, float: 1, str: 2, datetime: 3}
_MISSING = object()


def _native_sort_key(documents: list[dict], path: str) -> Callable | None:
    """A plain key for sorting these documents on `path`, when their values there are all of
    one kind (numbers, strings or dates, with or without nulls and gaps): Python compares
    those in MongoDB's order. None when any value is something else (a list, a sub-document,
    a boolean, naive and aware times together): then the engine's own comparison sorts."""
    parts = path.split(".")
    values = []
    for document in documents:
        value: Any = document
        for part in parts:
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
            if value is _MISSING:
                value = None
                break
        values.append(value)
    ranks = {_SORT_RANK.get(type(value)) for value in values}
    if None in ranks or len(ranks - {0}) > 1:
        return None
    present = [value for value in values if value is not None]
    if len({value.tzinfo is None for value in present if isinstance(value, datetime)}) > 1:
        return None
    # A gap sorts before every value, and two gaps are equal.
    keys = {
        id(document): (0, 0) if value is None else (1, value)
        for document, value in zip(documents, values, strict=True)
    }
    return lambda document: keys[id(document)]


def _sorted_dataset(self, spec, sort, fields, as_class):
    """mongomock's `Collection._get_dataset`, sorting on plain keys where it can and keeping
    of each document only what the sort and the read need.

    The engine held every matching document whole until the sort was done (a read of the
    closed history held all of it), and compared every pair through its own type ordering
    in Python (most of the list's cost). Here each document is cut to its projection as it
    is read, beside the top-level fields the sort looks at; the order is the same: a stable
    sort, in MongoDB's order, on each key from the last."""
    documents = self._iter_documents(spec)
    if not sort:
        for document in documents:
            yield self._copy_only_fields(document, fields, as_class)
        return
    from litemongo._vendor.mongomock import filtering

    keys = list(sort.items() if isinstance(sort, dict) else sort)
    read = {key.split(".")[0] for key, _ in keys}
    rows = [
        (
            {top: document[top] for top in read if top in document},
            self._copy_only_fields(document, fields, as_class),
        )
        for document in documents
    ]
    for key, direction in reversed(keys):
        if key == "$natural":
            if direction < 0:
                rows.reverse()
            continue
        if key.startswith("$"):
            raise NotImplementedError(f"Sorting by {key} is not implemented")
        native = _native_sort_key([seen for seen, _ in rows], key)
        if native is not None:
            rows.sort(key=lambda row, native=native: native(row[0]), reverse=direction < 0)
        else:
            rows.sort(
                key=lambda row, key=key: filtering.resolve_sort_key(key, row[0]),
                reverse=direction < 0,
            )
    for _, projected in rows:
        yield projected


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

    from litemongo._vendor.mongomock import indexing

    if indexing.FieldIndex is not _CompactFieldIndex:
        _CompactFieldIndex.replaced = indexing.FieldIndex  # litemongo's own, for its tests
        indexing.FieldIndex = _CompactFieldIndex

    guarded = {
        name: _guarded(getattr(Collection, name), kind)
        for kind, names in (("write", _WRITE_METHODS), ("read", _READ_METHODS))
        for name in names
        if hasattr(Collection, name)  # some pymongo 3 names are gone in this mongomock
    }
    guarded["_get_dataset"] = _materialised(_sorted_dataset)
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
