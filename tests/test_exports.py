"""Issue 22: an export of the list is written by a worker, a batch of records at a time,
while the exports page shows how far it got; only the person who asked downloads it, and
the file is gone after seven days."""

import csv
import io
import re

from portal.models import AuditEvent, ExportChunk, ExportRun, Grievance
from portal.services.reporting import exports
from seed.volume import load_volume
from tests.helpers import exported


def test_a_month_exported_by_a_worker_holds_that_month_and_only_it(
    programs, sign_in, clock, work_jobs, monkeypatch
):
    load_volume(programs["ct-dental"], 120, now=clock.now(), end_days_ago=20, days=100, seed=3)
    month = Grievance.objects.first().received_month
    wanted = {g.reference for g in Grievance.objects(received_month=month).only("reference")}
    monkeypatch.setattr(exports, "BATCH", 7)  # several batches, each moving the progress on
    seen = []
    update = ExportRun.objects.__class__.update_one

    def progress(queryset, **changes):
        if "set__done" in changes:
            seen.append(changes["set__done"])
        return update(queryset, **changes)

    monkeypatch.setattr(ExportRun.objects.__class__, "update_one", progress)
    manager = sign_in("manager")
    answer = exported(manager, work_jobs, flt0_received_in_equals=month)
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert {row["Reference"] for row in rows} == wanted and len(rows) == len(wanted)
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="grievances-')
    run = ExportRun.objects.get()
    assert (run.status, run.done, run.total) == ("done", len(wanted), len(wanted))
    assert seen == [0, *range(7, len(wanted), 7), len(wanted)], seen
    page = manager.get("/admin/exports/").get_data(as_text=True)
    assert f"{len(wanted)} records" in page and "1 filter" in page
    actions = [e.action for e in AuditEvent.objects(action__startswith="export").order_by("at")]
    assert actions == ["export", "export downloaded"]
    print(f"export of {len(wanted)} of 120 records in batches of 7: progress {seen}")


def test_the_page_shows_the_progress_of_a_running_export(programs, sign_in, clock):
    manager = sign_in("manager")
    manager.get("/admin/grievance/export/csv/")  # queued; no worker yet
    run = ExportRun.objects.get()
    page = manager.get("/admin/exports/").get_data(as_text=True)
    assert "waiting for a worker" in page and 'http-equiv="refresh"' in page
    ExportRun.objects(pk=run.pk).update_one(set__status="running", set__done=400, set__total=1000)
    page = manager.get("/admin/exports/").get_data(as_text=True)
    assert re.search(r'<progress value="400" max="1000">', page) and "400 of 1,000" in page


def test_only_the_person_who_asked_downloads_and_only_for_seven_days(
    programs, sign_in, clock, work_jobs
):
    load_volume(programs["ct-dental"], 5, now=clock.now(), days=10, seed=4)
    manager = sign_in("manager")
    assert exported(manager, work_jobs).status_code == 200
    run = ExportRun.objects.get()
    link = f"/admin/exports/{run.pk}/download"
    assert sign_in("director").get(link).status_code == 404  # reads everything, asked nothing
    assert link not in sign_in("director").get("/admin/exports/").get_data(as_text=True)
    # RQ may deliver the job again: a written export is not written twice.
    exports.run(str(run.pk), clock.now())
    assert ExportChunk.objects(run=run).count() == 1
    clock.move(days=7, minutes=1)
    assert sign_in("manager").get(link).status_code == 404  # a new session: the old one ended
    assert exports.purge(clock.now()) == 1
    assert ExportRun.objects.count() == 0 and ExportChunk.objects.count() == 0
