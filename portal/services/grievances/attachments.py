"""Files on a grievance: the member's from the public form, and staff's on the record, a step
or a narrative. Each file is checked (portal.domain.uploads) before anything is stored; its
content goes to the file store first and the record, with who, when, kind, size and checksum,
is saved after, so a refused or failed upload leaves nothing on the record."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from portal.domain import uploads
from portal.domain.uploads import UploadError
from portal.files import FileStore, store_for
from portal.models import Attachment, Grievance, User
from portal.services.grievances import history
from portal.services.grievances.verbs import require

__all__ = ["UploadError", "Ready", "check", "keep", "attach", "add_files", "content", "store"]


@dataclass(frozen=True)
class Ready:
    """A checked file and its bytes, not yet stored."""

    checked: uploads.Checked
    content: bytes


def received(upload) -> tuple[str, bytes]:
    """An uploaded file (werkzeug's FileStorage) as (safe name, content); its spool file is
    closed here, not left to the collector."""
    from werkzeug.utils import secure_filename

    try:
        return secure_filename(upload.filename or "") or "file", upload.read()
    finally:
        upload.close()


def store() -> FileStore:
    return store_for(current_app.config, current_app.instance_path)


def limits(public: bool) -> tuple[int, int]:
    config = current_app.config
    per_file = config["PUBLIC_FILE_LIMIT" if public else "FILE_LIMIT"]
    return per_file, config["RECORD_FILES_LIMIT"]


def check(files: list[tuple[str, bytes]], *, public: bool, held: int = 0) -> list[Ready]:
    """Every file checked by its content and size, or UploadError for the first that is not
    right (naming it); nothing is stored either way."""
    if public and len(files) > current_app.config["PUBLIC_FILE_COUNT"]:
        raise UploadError(
            f"attach at most {current_app.config['PUBLIC_FILE_COUNT']} files to a complaint"
        )
    per_file, per_record = limits(public)
    checked = uploads.check_all(
        files, public=public, limit=per_file, record_limit=per_record, held=held
    )
    return [Ready(c, data) for c, (_, data) in zip(checked, files, strict=True)]


def keep(
    ready: list[Ready],
    *,
    kind: str,
    now: datetime,
    by: User | None,
    step: str | None = None,
    narrative_at: datetime | None = None,
) -> list[Attachment]:
    """Put each file's content in the file store; the attachments that describe them, for
    the caller to save on the record."""
    if kind not in uploads.KINDS:
        raise UploadError(f"a file is one of: {', '.join(uploads.KINDS.values())}")
    if step and step not in uploads.STEPS:
        raise UploadError(f"a step is one of: {', '.join(uploads.STEPS)}")
    files = store()
    kept = []
    for item in ready:
        key = secrets.token_hex(16)
        files.put(key, item.content)
        kept.append(
            Attachment(
                key=key,
                name=item.checked.name,
                kind=kind,
                step=step or None,
                narrative_at=narrative_at,
                content_type=item.checked.content_type,
                size=item.checked.size,
                sha256=item.checked.sha256,
                at=now,
                by=by,
            )
        )
    return kept


def attach(
    grievance: Grievance,
    files: list[tuple[str, bytes]],
    *,
    by: User,
    now: datetime,
    kind: str,
    step: str | None = None,
    narrative_at: datetime | None = None,
) -> list[Attachment]:
    """Staff add files to the record (or to one of its steps or narratives): the lifecycle's
    'attach' action, in the history and the audit trail."""
    require("attach", grievance, by)
    if narrative_at is not None and not any(n.at == narrative_at for n in grievance.narratives):
        raise UploadError("that narrative is not on this record")
    kept = add_files(
        grievance, files, kind=kind, now=now, by=by, step=step, narrative_at=narrative_at
    )
    grievance.updated_at = now
    grievance.save()
    return kept


def add_files(
    grievance: Grievance,
    files: list[tuple[str, bytes]],
    *,
    kind: str,
    now: datetime,
    by: User | None,
    step: str | None = None,
    narrative_at: datetime | None = None,
) -> list[Attachment]:
    """Check staff's files against the record's limits, keep them, and add them to the
    record in memory with a history entry each; the caller saves the record."""
    held = sum(a.size for a in grievance.attachments)
    ready = check(files, public=False, held=held)
    kept = keep(ready, kind=kind, now=now, by=by, step=step, narrative_at=narrative_at)
    grievance.attachments.extend(kept)
    for item in kept:
        history.add(grievance, by, "file attached", now, said(item))
    return kept


def said(item: Attachment) -> str:
    """A file as the history tells it."""
    where = f", {item.step}" if item.step else ""
    return f"{item.name} ({uploads.KINDS[item.kind]}{where}, {item.size:,} bytes)"


def find(grievance: Grievance, key: str) -> Attachment | None:
    return next((a for a in grievance.attachments if a.key == key), None)


def content(attachment: Attachment) -> bytes:
    return store().get(attachment.key)
