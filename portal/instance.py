"""The instance folder holds member data (the embedded store's files and their WAL, the mail
outbox's .eml files, Redis's append-only file) and secrets (the session key, password hashes,
TOTP keys): readable by the portal's own user only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # new files 0600, new folders 0700


def secure(folder: Path) -> list[str]:
    """Make what this process (and the Redis it starts) creates private, and tighten what an
    older instance left readable. Returns the paths it tightened."""
    os.umask(PRIVATE_UMASK)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not folder.stat().st_mode & 0o077:
        return []  # made private (this umask) or tightened already: nothing older to walk
    tightened = []
    for path in [folder, *folder.rglob("*")]:
        try:
            info = path.lstat()
        except FileNotFoundError:  # a file gone between listing and looking (a WAL)
            continue
        if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
            continue
        path.chmod(0o700 if stat.S_ISDIR(info.st_mode) else 0o600)
        tightened.append(str(path))
    return tightened


def loose(folder: Path) -> list[str]:
    """What in the instance folder other local users could read: for `portal doctor`."""
    found = []
    for path in [folder, *folder.rglob("*")]:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISLNK(info.st_mode) and info.st_mode & 0o077:
            found.append(f"{path} ({stat.filemode(info.st_mode)})")
    return found
