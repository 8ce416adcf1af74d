"""Where attached files' contents are kept: outside the document store's records. One small
interface, two stores: a folder under the instance (the embedded default: each file 0600,
written whole or not at all), or an S3-compatible bucket (FILES_URL, read and written with
the MinIO client)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class FileStore(Protocol):
    def put(self, key: str, content: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def _spread(key: str) -> str:
    """Where a key's file sits in either store: two levels of folders, then the key. Keys are
    lowercase hex (never a path a caller could steer)."""
    if not key or not all(c in "0123456789abcdef" for c in key):
        raise ValueError("a file key is lowercase hex")
    return f"{key[:2]}/{key[2:4]}/{key}"


class FolderStore:
    """Files under a folder, by key (hex: two levels of folders, then the key)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _spread(key)

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(scratch, path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class BucketStore:
    """Files in an S3-compatible bucket, by key (the same folders of two hex digits)."""

    def __init__(self, url: str) -> None:
        from minio import Minio  # only where a bucket is used

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.hostname or not parts.path.strip("/"):
            raise ValueError("FILES_URL is s3://key:secret@host[:port]/bucket[?secure=0]")
        options = parse_qs(parts.query)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.bucket = parts.path.strip("/")
        self.client = Minio(
            host,
            access_key=unquote(parts.username or ""),
            secret_key=unquote(parts.password or ""),
            secure=options.get("secure", ["1"])[0] != "0",
            region=options.get("region", [None])[0],
        )

    def _name(self, key: str) -> str:
        return _spread(key)

    def put(self, key: str, content: bytes) -> None:
        # One request: the object appears whole or not at all.
        self.client.put_object(self.bucket, self._name(key), io.BytesIO(content), len(content))

    def get(self, key: str) -> bytes:
        answer = self.client.get_object(self.bucket, self._name(key))
        try:
            return answer.read()
        finally:
            answer.close()
            answer.release_conn()

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, self._name(key))


def store_for(config: dict, instance_path: str) -> FileStore:
    """The file store the settings name: a bucket (FILES_URL), a folder (FILES_PATH), or
    `files` in the instance folder."""
    if config.get("FILES_URL"):
        return BucketStore(config["FILES_URL"])
    return FolderStore(Path(config.get("FILES_PATH") or Path(instance_path) / "files"))
