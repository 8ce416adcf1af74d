"""Documents read in bulk, cheaply.

mongoengine's `no_dereference()` deep-copies every field definition for every document it
builds (`BaseDocument._from_son`), and a grievance has many: 2,400 records took 20 s to
build. Here documents are built from the plain rows instead, with their references left as
they are stored. Read a reference's id with `ref_id`; reading it as an attribute would fetch
the referenced document, one query per row.
"""

from __future__ import annotations

from collections.abc import Iterator

from mongoengine import Document, EmbeddedDocument
from mongoengine.queryset import QuerySet


def built(queryset: QuerySet) -> list[Document]:
    document = queryset._document
    return [document._from_son(son, created=False) for son in queryset.as_pymongo()]


def in_batches(queryset: QuerySet, size: int = 200) -> Iterator[list[Document]]:
    """The queryset's documents, in its order, a batch at a time: its ids first (read alone),
    then each batch by id. Memory holds one batch, not the whole result: a quarter's record
    universe or a 50,000-row export reads the same few hundred records at a time."""
    ids = [row["_id"] for row in queryset.only("id").as_pymongo()]
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        # The queryset's own filter and fields, narrowed to the batch (order is the ids').
        found = {row.pk: row for row in built(queryset.filter(pk__in=chunk).order_by())}
        yield [found[pk] for pk in chunk if pk in found]


def ref_id(document: Document | EmbeddedDocument, field: str):
    """The id a reference field holds, without fetching what it refers to."""
    value = document._data.get(field)
    return getattr(value, "id", value) if value is not None else None
