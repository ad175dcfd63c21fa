"""Private files: everything the kiosk writes about people is readable by its own OS account only.

The data directory is 0700; the database (and SQLite's -wal, -shm and -journal beside
it), the audit anchors, backups, subject access exports and ``kiosk.log`` are 0600,
whatever the umask. Every place that creates one of them goes through this module:

* :func:`private_dir` creates a folder 0700 (and tightens the data directory);
* :func:`create_private` / :func:`open_private` create or append to a file 0600;
* :func:`tighten` narrows a file or folder made earlier with wider modes (a kiosk
  installed before this rule): the start of every command and of the app calls
  :func:`tighten_data_dir` and :func:`tighten_database`, and says what it changed.

SQLite creates its -wal, -shm and -journal files with the mode of the database file
itself, so a 0600 database keeps them 0600. A filesystem with no modes (a FAT USB stick)
is left as it is.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.lstat().st_mode)
    except OSError:
        return None


def tighten(path: str | os.PathLike, mode: int) -> str | None:
    """Remove every permission ``path`` has beyond ``mode`` (never a symlink, never
    adding any). Returns a sentence saying what was changed, or None if nothing was."""
    path = Path(path)
    try:
        st = path.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode) or not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return None
    if st.st_uid != os.geteuid():  # not ours to change (a share, another account's folder)
        return None
    was = stat.S_IMODE(st.st_mode)
    if not was & ~mode:
        return None
    try:
        os.chmod(path, was & mode)
    except OSError:
        return None
    return f"{path} was readable by others ({was:04o}); it is now {was & mode:04o} (owner only)."


def private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` (and any missing parents) 0700; an existing folder is left as it is."""
    path = Path(path)
    if path.is_dir():
        return path
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        try:
            os.mkdir(p, DIR_MODE)
        except FileExistsError:
            continue
        with contextlib.suppress(OSError):
            os.chmod(p, DIR_MODE)  # whatever the umask
    return path


def create_private(path: str | os.PathLike, flags: int = os.O_WRONLY, *, exclusive: bool = True) -> int:
    """Open ``path`` for writing, creating it 0600 whatever the umask; returns the fd.

    ``exclusive``: refuse a file that already exists (``FileExistsError``). Otherwise an
    existing file is opened as it is, and narrowed to 0600 if it was wider."""
    flags |= os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    if exclusive:
        flags |= os.O_EXCL
    fd = os.open(path, flags, FILE_MODE)
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) & ~FILE_MODE and st.st_uid == os.geteuid():
            with contextlib.suppress(OSError):  # a FAT drive has no modes to set
                os.fchmod(fd, stat.S_IMODE(st.st_mode) & FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_private(path: str | os.PathLike, mode: str = "a", encoding: str | None = "utf-8") -> IO:
    """``open(path, mode)`` for "a" or "w"/"x", the file created 0600 whatever the umask."""
    flags = {"a": os.O_WRONLY | os.O_APPEND, "w": os.O_WRONLY | os.O_TRUNC, "x": os.O_WRONLY}[mode.strip("bt")]
    fd = create_private(path, flags, exclusive=mode.startswith("x"))
    return os.fdopen(fd, mode.replace("x", "w"), encoding=None if "b" in mode else encoding)


def write_private(path: str | os.PathLike, data: bytes) -> None:
    """Create ``path`` (never over an existing file) 0600 with ``data``, and fsync it."""
    fd = create_private(path)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


# The kiosk's own files in the data directory (nothing else there is touched).
_OURS = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal", ".anchors", ".log", ".key", ".zip")


def _ours(name: str) -> bool:
    return name.endswith(_OURS) or ".anchors.replaced-" in name or name.startswith("kiosk.log")


def tighten_data_dir() -> list[str]:
    """The data directory 0700 and the kiosk's files in it 0600. Returns what was changed.

    A folder with the sticky bit (``/tmp``, a shared folder) is never narrowed: the data
    directory was then set to somewhere that is not the kiosk's own."""
    from models.config import data_dir

    root = data_dir()
    try:
        st = root.stat()
    except OSError:
        return []
    changed = [] if st.st_mode & stat.S_ISVTX else [tighten(root, DIR_MODE)]
    with contextlib.suppress(OSError):
        for child in root.iterdir():
            if _ours(child.name) and not child.is_dir():  # a folder by one of our names is not ours:
                changed.append(tighten(child, FILE_MODE))  # 0600 would lock it (helper-32)
    return [c for c in changed if c]


_notes: list[str] = []


def note(lines: list[str]) -> None:
    """Remember what was tightened, for the command line or the app to say."""
    _notes.extend(lines)


def take_notes() -> list[str]:
    out = list(_notes)
    _notes.clear()
    return out


def tighten_database(path: str | os.PathLike) -> list[str]:
    """A SQLite database file and its -wal, -shm and -journal files 0600."""
    path = Path(path)
    changed = [tighten(path, FILE_MODE)]
    changed += [tighten(path.with_name(path.name + side), FILE_MODE) for side in SQLITE_SIDE_FILES]
    return [c for c in changed if c]
