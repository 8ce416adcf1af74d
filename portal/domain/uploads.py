"""What a file attached to a grievance may be: its type read from its content (never from its
name), its size against the limits, and, for the office formats that are zip files inside,
how far it unpacks (a zip bomb is refused before anything reads it). Pure: bytes in, a
verdict out; the service stores what passes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

# What a file on a record is; the label is what the record's screen and the universe say.
KINDS = {
    "member": "From the member",
    "office": "The office's records",
    "site_visit": "Site visit report",
    "cap": "Corrective action plan",
    "referral": "Department referral",
    "department_report": "Report to the Department",
    "letter": "Letter or notice sent",
    "other": "Other",
}
# The steps a file may belong to (Connecticut Level II site visit and CAP, Maryland reports).
STEPS = ("site visit", "corrective action plan", "department report")

PDF = "application/pdf"
# Images and PDFs from the public form; staff may also attach office documents and text.
PUBLIC_TYPES = {
    PDF: "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
}
STAFF_TYPES = {
    **PUBLIC_TYPES,
    "image/tiff": "tif",  # faxes
    "image/gif": "gif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/plain": "txt",
}
NAMES = {
    PDF: "a PDF",
    "image/jpeg": "a JPEG photo",
    "image/png": "a PNG image",
    "image/heic": "a HEIC photo",
    "image/tiff": "a TIFF image",
    "image/gif": "a GIF image",
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/x-elf": "a program",
    "application/x-mach-binary": "a program",
    "application/zip": "a zip archive",
    "application/x-rar-compressed": "a RAR archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "text/plain": "plain text",
}
EXTENSIONS = {".pdf": PDF, ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}

MAX_RATIO = 100  # an office document's parts compress about 10 to 1
MAX_UNPACKED = 100 * 2**20


class UploadError(ValueError):
    """Why a file was refused, naming the file: nothing of it (or its record) is stored."""


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    size: int
    sha256: str


def unpacking_problem(content: bytes, ratio: int = MAX_RATIO, most: int = MAX_UNPACKED) -> str:
    """What is wrong with a zip file's parts ('' when nothing): one that unpacks more than
    `ratio` times over, or all of them to more than `most` bytes. Read from the zip's
    directory alone, before anything is unpacked."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError):
        return "it is damaged (not a readable zip file inside)"
    for part in parts:
        if part.file_size > 2**20 and part.file_size > ratio * max(part.compress_size, 1):
            times = part.file_size // max(part.compress_size, 1)
            return f"its part {part.filename} unpacks {times} times over"
    unpacked = sum(part.file_size for part in parts)
    if unpacked > most:
        return f"it unpacks to {-(-unpacked // 2**20)} MB"
    return ""


def _type_of(content: bytes) -> str | None:
    import filetype  # read where a file is checked, not in every process that loads the models

    found = filetype.guess(content)
    if found is not None:
        return found.mime
    if b"\x00" in content[:8192]:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def check(name: str, content: bytes, *, public: bool, limit: int) -> Checked:
    """The file as it will be kept, or UploadError saying what is wrong with it."""
    allowed = PUBLIC_TYPES if public else STAFF_TYPES
    if not content:
        raise UploadError(f"{name}: the file is empty")
    if len(content) > limit:
        raise UploadError(
            f"{name}: {_mb(len(content))} is more than the {_mb(limit)} a file may be"
        )
    found = _type_of(content)
    if found not in allowed:
        what = NAMES.get(found, "a file of another kind") if found else "of no kind we read"
        claimed = EXTENSIONS.get(PurePath(name).suffix.lower())
        said = f" although its name says {NAMES[claimed]}" if claimed and claimed != found else ""
        kinds = sorted({NAMES.get(t, allowed[t].upper()) for t in allowed})
        choice = ", ".join(kinds[:-1]) + f" or {kinds[-1]}"
        raise UploadError(f"{name}: its content is {what}{said}; attach {choice}")
    if allowed[found] in ("docx", "xlsx") and (problem := unpacking_problem(content)):
        raise UploadError(f"{name}: {problem}; not attached")
    return Checked(name, found, len(content), hashlib.sha256(content).hexdigest())


def check_all(
    files: list[tuple[str, bytes]], *, public: bool, limit: int, record_limit: int, held: int
) -> list[Checked]:
    """Every file checked, and together with what the record holds (`held` bytes) within
    `record_limit`; the first problem refuses them all."""
    checked = [check(name, content, public=public, limit=limit) for name, content in files]
    total = held + sum(c.size for c in checked)
    if total > record_limit:
        raise UploadError(
            f"together these files would bring the record to {_mb(total)}, more than the "
            f"{_mb(record_limit)} a record may hold"
        )
    return checked


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"
