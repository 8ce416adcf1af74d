"""The embedded store's adapter (portal.store) answers as litemongo's own engine would: its
compact hash index proposes the same candidates, and its sort gives the same order, only
in less memory and time (issue 22)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from litemongo._vendor.mongomock.collection import Collection

from portal import store

BASE = datetime(2026, 1, 1)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-3, 3, allow_nan=False),
    st.sampled_from(["", "a", "b", "Á", "ab"]),
    st.integers(0, 5).map(lambda n: BASE + timedelta(days=n)),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.fixed_dictionaries({"x": SCALARS}),
)
DOCS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "f": VALUES,
            "g": SCALARS,
            "n": st.fixed_dictionaries({}, optional={"x": SCALARS}),
        },
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(docs=DOCS, removed=st.sets(st.integers(0, 24)), asked=st.lists(SCALARS, max_size=3))
def test_the_compact_index_proposes_what_litemongos_own_proposes(docs, removed, asked):
    from litemongo._vendor.mongomock.indexing import query_keys

    store.embedded_client_class()  # installs the adapter's index
    keys = query_keys({"$in": [a for a in asked if a is not None]}) if asked else None
    for path in ("f", "g", "n.x"):
        ours = store._CompactFieldIndex(path)
        theirs = store._CompactFieldIndex.replaced(path)  # litemongo's own, as it ships
        for n, doc in enumerate(docs):
            ours.add(n, doc)
            theirs.add(n, doc)
        for n in removed:
            ours.remove(n)
            theirs.remove(n)
        if keys is None:
            continue
        found = ours.candidates(keys)
        if found is None:  # a path of times plans nothing: every document stays a candidate
            assert ours.dates
            continue
        assert found == theirs.candidates(keys), (path, docs, removed, asked)


@settings(max_examples=300, deadline=None)
@given(
    docs=DOCS,
    sort=st.lists(
        st.tuples(st.sampled_from(["f", "g", "n.x", "n", "$natural"]), st.sampled_from([1, -1])),
        min_size=1,
        max_size=2,
        unique_by=lambda pair: pair[0],
    ),
)
def test_the_sort_gives_the_engines_order(tmp_path_factory, docs, sort):
    client = store.embedded_client_class()([str(tmp_path_factory.mktemp("engine"))])
    collection = client["t"]["docs"]
    if docs:
        collection.insert_many([{"_id": n, **doc} for n, doc in enumerate(docs)])
    ours = [d["_id"] for d in store._sorted_dataset(collection, {}, sort, {"_id": 1}, dict)]
    theirs = [d["_id"] for d in Collection._get_dataset(collection, {}, sort, {"_id": 1}, dict)]
    assert ours == theirs, (docs, sort)


def test_a_sorted_read_keeps_only_its_projection(tmp_path):
    client = store.embedded_client_class()([str(tmp_path)])
    collection = client["t"]["docs"]
    collection.insert_many(
        [
            {
                "_id": n,
                "at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n),
                "text": "x" * 500,
            }
            for n in range(50)
        ]
    )
    got = list(collection.find({}, {"at": 1}).sort("at", -1).limit(3))
    assert [d["_id"] for d in got] == [49, 48, 47] and all("text" not in d for d in got)
