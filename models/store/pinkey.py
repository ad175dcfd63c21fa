"""The PIN key (pepper): a secret kept in a file outside the database and its backups.

PINs are hashed as argon2id over HMAC-SHA256(key, "<staff id>|<username>|<PIN>"), so a
stolen database or backup cannot be used to test PINs without the key file too, and a
hash copied onto another member of staff's row does not match there.

The key is 32 random bytes in ``pin.key`` in the data directory (or wherever
:func:`configure` points), created on first use with mode 0600 whatever the umask. It
is never recreated while the database holds hashes made with it: a missing key file
is one plain line asking for the separate copy, never a new key that locks everyone out.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from models.errors import StorageError

KEY_BYTES = 32
FILE_NAME = "pin.key"

_configured: Path | None = None
_cache: dict[Path, bytes] = {}
_lock = threading.Lock()


def configure(path: str | os.PathLike | None) -> Path | None:
    """Use this key file (``None``: the default in the data directory)."""
    global _configured
    _configured = Path(path).expanduser() if path is not None else None
    return _configured


def configured() -> Path | None:
    """The key file :func:`configure` set (None: the default in the data directory)."""
    return _configured


def path() -> Path:
    if _configured is not None:
        return _configured
    from models.config import data_dir

    return data_dir() / FILE_NAME


def missing_message(where: Path) -> str:
    return f"The PIN key file {where} is missing: restore it from your separate copy (without it no one can sign in)."


def load(*, create: bool) -> bytes:
    """The key. ``create``: make a new file if there is none (only when no hash needs the old one)."""
    where = path()
    with _lock:
        if where in _cache:
            return _cache[where]
        try:
            key = _read(where)
        except FileNotFoundError:
            if not create:
                raise StorageError(missing_message(where)) from None
            key = _create(where)
        _cache[where] = key
        return key


def forget() -> None:
    """Drop the cached keys (tests; a key file restored while running)."""
    with _lock:
        _cache.clear()


def _read(where: Path) -> bytes:
    """The key, read only from a regular file of exactly :data:`KEY_BYTES` bytes: a device
    (/dev/zero), a FIFO or a directory is one plain line, never a hang or a huge read."""
    try:
        fd = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StorageError(f"The PIN key file {where} cannot be read: {exc.strerror or exc}.") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StorageError(
                f"The PIN key file {where} is not a regular file: point [auth] key_file at the key file itself."
            )
        if info.st_size != KEY_BYTES:
            raise StorageError(
                f"The PIN key file {where} is damaged (not {KEY_BYTES} bytes): restore it from your separate copy."
            )
        data = os.read(fd, KEY_BYTES + 1)
    except OSError as exc:
        raise StorageError(f"The PIN key file {where} cannot be read: {exc.strerror or exc}.") from None
    finally:
        os.close(fd)
    if len(data) != KEY_BYTES:
        raise StorageError(
            f"The PIN key file {where} is damaged (not {KEY_BYTES} bytes): restore it from your separate copy."
        )
    return data


def _create(where: Path) -> bytes:
    key = os.urandom(KEY_BYTES)
    try:
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read(where)
    except OSError as exc:
        raise StorageError(f"The PIN key file {where} cannot be created: {exc.strerror or exc}.") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, key)
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        where.unlink(missing_ok=True)
        raise StorageError(f"The PIN key file {where} cannot be written: {exc.strerror or exc}.") from None
    os.close(fd)
    return key
