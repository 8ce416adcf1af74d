"""Issue 23: the contents of files on records live outside the records, behind one small
interface: a folder (the embedded default) or an S3-compatible bucket. Both are held to the
same behaviour here; the bucket one against moto's S3 server on loopback, its own process,
stopped by PID. (MinIO's server is in none of the registries this project installs from.)"""

import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from portal.files import BucketStore, FolderStore
from tests.conftest import free_port
from tests.helpers import wait_until_listening


@pytest.fixture
def bucket_url():
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, server, "moto's S3 server")
        url = f"s3://test-key:test-secret@127.0.0.1:{port}/record-files?secure=0&region=us-east-1"
        store = BucketStore(url)
        store.client.make_bucket(store.bucket)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


def _behaves(store) -> None:
    key, other = secrets.token_hex(16), secrets.token_hex(16)
    content = b"%PDF-1.4 a site visit report\n" + bytes(range(256)) * 40
    store.put(key, content)
    store.put(other, b"another")
    assert store.get(key) == content and store.get(other) == b"another"
    store.put(key, b"written again")  # a key written twice keeps the last, whole
    assert store.get(key) == b"written again"
    store.delete(key)
    with pytest.raises(Exception):  # noqa: B017 - each store says missing in its own way
        store.get(key)
    store.delete(key)  # deleting what is gone is no error
    for bad in ("", "../../etc/passwd", "ABCDEF", "a/b"):
        with pytest.raises(ValueError):
            store.put(bad, b"x")


def test_a_folder_keeps_files_whole_and_private(tmp_path):
    store = FolderStore(tmp_path / "files")
    _behaves(store)
    key = secrets.token_hex(16)
    store.put(key, b"member's photo")
    path = tmp_path / "files" / key[:2] / key[2:4] / key
    assert path.read_bytes() == b"member's photo" and path.stat().st_mode & 0o777 == 0o600
    assert not list(path.parent.glob(".part-*"))  # no half-written file left beside it


def test_a_bucket_keeps_files_as_the_folder_does(bucket_url):
    _behaves(BucketStore(bucket_url))


def test_files_attached_on_a_record_go_to_the_bucket_when_one_is_set(
    app, programs, staff, sign_in, clock, bucket_url
):
    from portal.services.grievances.intake import Intake, submit
    from tests.test_attachments import _attach, _pdf

    record = submit(
        programs["ct-dental"], Intake(description="x", member_name="Bo Lund"), clock.now()
    )
    app.config["FILES_URL"] = bucket_url
    try:
        manager = sign_in("manager")
        report = _pdf("Corrective action plan")
        page = _attach(
            manager, record, "cap.pdf", report, kind="cap", step="corrective action plan"
        )
        assert "Attached cap.pdf." in page.text
        record.reload()
        (added,) = record.attachments
        assert BucketStore(bucket_url).get(added.key) == report
        got = manager.get(f"/admin/grievance/file/{record.pk}/{added.key}")
        assert got.status_code == 200 and got.data == report
    finally:
        app.config["FILES_URL"] = ""
    assert not (
        Path(app.instance_path) / "files" / added.key[:2] / added.key[2:4] / added.key
    ).exists()
