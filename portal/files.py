"""Where attached files' contents are kept: outside the document store's records. One small
interface; the embedded default is a folder under the instance (each file 0600, written
whole or not at all)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class FileStore(Protocol):
    def put(self, key: str, content: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class FolderStore:
    """Files under a folder, by key (hex: two levels of folders, then the key)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("a file key is lowercase hex")
        return self.root / key[:2] / key[2:4] / key

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


def store_for(config: dict, instance_path: str) -> FileStore:
    """The file store the settings name: FILES_PATH, or `files` in the instance folder."""
    return FolderStore(Path(config.get("FILES_PATH") or Path(instance_path) / "files"))
