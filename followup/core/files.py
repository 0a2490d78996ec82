"""Files that hold callers' numbers and words or secrets: readable by the service's user only.

The SQLite database (and its -wal and -shm files), the instance folder that holds it, the
secret key, the demo password and the spool are created private (0600 files, 0700 folders),
and an existing one that others can read is made private when the service opens it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (and parents) as a private folder; with ``tighten``, make an existing
    one private too (only for folders that are the service's own, such as the instance)."""
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if created or tighten:
        _restrict(path, FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and private if missing; make it private if others can read it."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    _restrict(path, FILE_MODE)
    return path


def readable_by_others(path: Path) -> bool:
    """Whether group or other users may read (or enter) ``path``."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except FileNotFoundError:
        return False


def _restrict(path: Path, mode: int) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    # Only what this user owns: never change another user's (or root's) files.
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~mode:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)
