"""Small files written durably: a new file appears whole under its name or not at all, and
once there it is never replaced.

A file is written to a temporary name in its own folder, fsynced, then *linked* to its real
name (a link, unlike a rename, fails when the name is taken) and the folder fsynced: two
processes creating the same file at once both end up reading the one that won, and a crash
never leaves half a file under the real name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_folder(folder: Path) -> None:
    """Make the entries of ``folder`` (a rename, a new file or folder) durable."""
    handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def create_once(path: Path, data: bytes, *, mode: int) -> bool:
    """Write ``data`` to a new file ``path`` with permissions ``mode``, durably; ``False``
    (and nothing written) when ``path`` already exists. Makes the folder if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    temporary = Path(name)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
    finally:
        temporary.unlink(missing_ok=True)
    fsync_folder(path.parent)
    return True
