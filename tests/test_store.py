"""The embedded store adapter (portal/store.py) keeps every write under concurrency.

These tests build their own embedded store in a temporary folder: they test the adapter,
whatever store the rest of the suite runs on.
"""

import multiprocessing
import threading

import mongoengine as me
import pytest

from portal import store


class Tally(me.Document):
    n = me.IntField(default=0)
    items = me.ListField(me.IntField())
    meta = {"db_alias": "store-test", "collection": "tally"}


@pytest.fixture
def embedded(tmp_path):
    store.connect(None, tmp_path / "data", alias="store-test")
    yield tmp_path / "data"
    store.disconnect("store-test")


def _bump(pk, worker, count):
    # A forked child: it uses the connection it inherited, which must reopen by itself.
    for i in range(count):
        Tally.objects(pk=pk).update_one(inc__n=1, push__items=worker * 10_000 + i)


def test_four_processes_keep_every_update(embedded):
    tally = Tally().save()
    ctx = multiprocessing.get_context("fork")
    children = [ctx.Process(target=_bump, args=(tally.pk, w, 300)) for w in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    tally.reload()
    print(f"4 processes x 300 updates: kept {tally.n} counts, {len(tally.items)} items of 1200")
    assert tally.n == 1200
    assert sorted(tally.items) == sorted(w * 10_000 + i for w in range(4) for i in range(300))


def test_eight_threads_keep_every_update(embedded):
    tally = Tally().save()
    errors = []

    def bump(worker):
        try:
            _bump(tally.pk, worker, 100)
        except Exception as exc:  # collected and asserted below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.reload()
    print(f"8 threads x 100 updates: kept {tally.n} of 800, errors {len(errors)}")
    assert errors == []
    assert tally.n == 800 and len(tally.items) == 800


def test_a_unique_index_holds_across_processes(embedded):
    class Unique(me.Document):
        key = me.StringField(unique=True)
        meta = {"db_alias": "store-test", "collection": "unique"}

    Unique.ensure_indexes()
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()

    def insert(_):
        try:
            Unique(key="same").save()
            results.put("saved")
        except me.NotUniqueError:
            results.put("refused")

    children = [ctx.Process(target=insert, args=(i,)) for i in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    outcomes = sorted(results.get(timeout=5) for _ in children)
    assert outcomes == ["refused", "refused", "refused", "saved"]
    assert Unique.objects(key="same").count() == 1


def test_other_processes_see_writes(embedded):
    Tally(n=7).save()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        assert pool.apply(_count_in_fresh_process, (str(embedded),)) == 1


def _count_in_fresh_process(path):
    from pathlib import Path

    store.connect(None, Path(path), alias="store-test")
    return Tally.objects(n=7).count()
