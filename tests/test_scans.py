"""Issue 22: each page of the grievance list is answered from an index. What the store reads
follows what the page shows (the open work, a month, the matches of a search), never the
whole history: no full read of the records, counted on the store itself."""

from collections import Counter
from contextlib import contextmanager

import pytest
from litemongo._vendor.mongomock import store as engine

from portal import store
from portal.admin.grievances import GrievanceView
from portal.domain.search import term_keys
from portal.models import Grievance
from seed.volume import load_volume

OPEN = 12


@pytest.fixture
def history(programs, clock):
    """Three hundred closed records over ten months, and the open work of the last month."""
    program = programs["ct-dental"]
    load_volume(program, 300, now=clock.now(), end_days_ago=30, days=300, seed=7)
    load_volume(program, OPEN, now=clock.now(), days=30, open_count=OPEN, seed=8)
    return program


@contextmanager
def reads_of_records():
    """Each query on the records' collection: how many documents the store reads for it
    (the candidates an index proposes), or None for a read of every document."""
    if not isinstance(Grievance._get_db().client, store.embedded_client_class()):
        pytest.fail("counts the embedded store's reads: run without TEST_MONGODB_URI")
    seen: list[int | None] = []
    original = engine.CollectionStore.find_candidates

    def counted(self, filter):  # noqa: A002 - the engine's own name
        if getattr(self, "_path", None) is not None and self._path.name == "grievances":
            keys = self._get_query_index().candidates(filter)
            seen.append(None if keys is None else len(keys))
        return original(self, filter)

    engine.CollectionStore.find_candidates = counted
    try:
        yield seen
    finally:
        engine.CollectionStore.find_candidates = original


def _page(client, **args) -> str:
    answer = client.get("/admin/grievance/", query_string=args)
    assert answer.status_code == 200
    return answer.text


def test_each_list_page_reads_what_it_shows_and_no_more(history, sign_in):
    client = sign_in("manager")
    total = Grievance.objects.count()
    closed = Grievance._get_collection().find({"is_open": False}, {"received_month": 1})
    month, in_month = Counter(row["received_month"] for row in closed).most_common(1)[0]
    sample = Grievance.objects(received_month=month).first()
    surname = sample.member.name.split()[-1]
    matches = Grievance.objects(search_keys=term_keys(surname)[1][0]).count()
    pages = {
        # page: (its arguments, the most it may read: its ids, then its rows by id)
        "as it opens": ({}, 2 * OPEN),
        "a month of closed history": ({"flt0_received_in_equals": month}, 2 * in_month),
        "a reference": ({"search": sample.reference.replace("-", "").lower()}, 3),
        "a surname": ({"search": surname}, 3 * matches),
        # The newest months of the closed history, not all 300 of them.
        "the closed records": ({"flt0_open_equals": "0"}, 250),
    }
    for name, (args, most) in pages.items():
        _page(client, **args)  # the first read builds the store's indexes
        with reads_of_records() as reads:
            text = _page(client, **args)
        assert reads and None not in reads, (name, reads)
        assert sum(reads) <= most < total, (name, reads, most)
        if name == "the closed records":
            assert "More than 50 records match" in text
        elif name != "as it opens":
            assert sample.reference in text
        print(f"{name}: {sum(reads)} records read in {len(reads)} queries, of {total}")


def test_past_what_it_counts_the_list_says_more_than_and_pages_on(history, sign_in, monkeypatch):
    client = sign_in("manager")
    monkeypatch.setattr(GrievanceView, "COUNTED", 5)
    monkeypatch.setattr(GrievanceView, "page_size", 4)
    shown = []
    for page in range(4):  # the first counted, then on past the count by next and previous
        text = _page(client, page=page) if page else _page(client)
        assert "More than 5 records match" in text
        links = {
            part for part in text.split('"') if part.startswith("/admin/grievance/details/?id=")
        }
        shown.append({link.split("&")[0] for link in links})
        # Next while a page is full (the pager cannot know the count); none after the last.
        assert (f"page={page + 1}" in text) == (page < 3), page
    # Every open record once over the three pages that hold them; the fourth is empty.
    assert [len(ids) for ids in shown] == [4, 4, 4, 0] and len(set().union(*shown)) == OPEN
    monkeypatch.setattr(GrievanceView, "COUNTED", 1000)
    text = _page(client)
    assert "More than" not in text and f"List ({OPEN})" in text


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_name_found_in_every_month_is_read_newest_first_a_slice_at_a_time(
    programs, sign_in, clock, monkeypatch, size
):
    """Records of one surname in two programs whose zones are two hours apart, some at the
    turn of a month where one slice of the walk ends (there the offices' months differ):
    page after page, the
    list shows them newest first, each once, as a plain sorted read does, the first page
    reading fewer than all of them."""
    from datetime import timedelta

    from portal.domain.search import month_start, months_back
    from portal.services.grievances.intake import Intake, submit

    now = clock.now()
    slices = list(months_back(now))
    records = []  # (program, received at)
    for piece in slices[1:3]:
        turn = month_start(piece[-1])  # where one slice of the walk ends and the next begins
        # 05:20 and 05:30 UTC are already this month in Hartford; 05:50 is still last
        # month in Denver, read with the next slice but newer than both.
        records += [("ct-dental", turn + timedelta(hours=5, minutes=m)) for m in (20, 30)]
        records += [("co-cma", turn + timedelta(hours=5, minutes=50))]
    for piece in slices[1:4]:
        for month in piece:
            for slug in ("ct-dental", "co-cma"):
                records.append((slug, month_start(month) + timedelta(days=14, hours=17)))
    records = [(slug, at) for slug, at in records if at < now]
    for n, (slug, at) in enumerate(records):
        submit(programs[slug], Intake(description="x", member_name=f"Ana{n} Quillfeather"), at)
    expected = [
        g.reference
        for g in Grievance.objects(search_keys="w:quillfeather").order_by("-received_at")
    ]
    monkeypatch.setattr(GrievanceView, "page_size", size)
    client = sign_in("manager")
    shown = []
    for page in range(len(expected) // size + 1):
        with reads_of_records() as reads:
            text = _page(client, search="quillfeather", page=page)
        refs = [r for r in expected if r in text]
        shown.extend(sorted(refs, key=text.index))
        assert None not in reads, (page, reads)
        if page == 0:  # the newest months answer the first page
            assert sum(reads) < len(expected), reads
            assert f"More than {size} record" in text
    assert "More than" not in text  # past the last: every month read, nothing left
    assert shown == expected


def test_months_are_walked_newest_first_in_doubling_slices():
    from datetime import UTC, datetime

    from portal.domain.search import WALKED_MONTHS, complete_from, months_back

    slices = list(months_back(datetime(2026, 12, 5, tzinfo=UTC)))
    assert slices[:3] == [
        ["2027-01"],
        ["2026-12", "2026-11"],
        ["2026-10", "2026-09", "2026-08", "2026-07"],
    ]
    walked = [month for piece in slices for month in piece]
    assert len(walked) == len(set(walked)) == WALKED_MONTHS and walked[-1] == "2002-02"
    # Honolulu is ten hours behind UTC: its November starts at 10:00 UTC on the 1st.
    assert complete_from("2026-11") == datetime(2026, 11, 1, 12, tzinfo=UTC)
